"""The gated PixelCNN network: vertical and horizontal stacks of gated blocks, skip connections
and a 1 x 1 output head (van den Oord et al. 2016, "Conditional Image Generation with PixelCNN
Decoders", Figure 2)."""

import keras
from keras import ops

from kerasgen.layers.masked import MaskedConv2D


def network_input(values, binary):
    """Pixel values as the network sees them: 0/1 for binary images, 8-bit levels 0..255
    mapped to [-1, 1]."""
    values = ops.cast(values, "float32")
    return values if binary else values / 127.5 - 1.0


def gate(pre):
    """tanh(f) * sigmoid(g) over the two halves of `pre` (…, 2F) -> (…, F)."""
    f, g = ops.split(pre, 2, axis=-1)
    return ops.tanh(f) * ops.sigmoid(g)


@keras.saving.register_keras_serializable(package="kerasgen")
class GatedBlock(keras.layers.Layer):
    """One gated layer of both stacks.

    The vertical stack's k x k "rows" convolution sees only rows above, so its features at
    row r never depend on row r and feed the horizontal stack at the same row unshifted (the
    paper shifts them down one row instead: the same dependency). The horizontal stack's
    1 x k convolution sees the pixels to the left (and, with mask B, the current pixel's own
    features); its gated output goes through a 1 x 1 convolution to a residual connection
    (not on the first block, whose input is the image) and through another to the skip sum.
    A class embedding, when `num_classes` is set, is added inside every gate of both stacks.
    """

    def __init__(self, filters, kernel_size, skip_filters, groups=1, first=False,
                 last=False, num_classes=None, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.skip_filters = filters, kernel_size, skip_filters
        self.groups, self.first, self.last = groups, first, last
        self.num_classes = num_classes
        self.dropout_rate = dropout
        mask = "A" if first else "B"
        self.v_conv = MaskedConv2D(2 * filters, kernel_size, mask, "rows", name="v_conv")
        self.h_conv = MaskedConv2D(2 * filters, (1, kernel_size), mask, "raster", groups,
                                   name="h_conv")
        # v never depends on the current row, so its link into h needs no mask.
        self.v_to_h = keras.layers.Conv2D(2 * filters, 1, name="v_to_h")
        # The last block's h feeds nothing but its skip output: no residual branch.
        self.residual = None if last else MaskedConv2D(filters, 1, "B", groups=groups,
                                                       name="residual")
        self.skip = MaskedConv2D(skip_filters, 1, "B", groups=groups, name="skip")
        self.embedding = (keras.layers.Embedding(num_classes, 4 * filters, name="embedding")
                          if num_classes else None)
        self.dropout = keras.layers.Dropout(dropout) if dropout else None

    def condition(self, labels):
        """The class terms added in the vertical and horizontal gates, (B, 1, 1, 2F) each,
        or (0, 0) for an unconditional block."""
        if self.embedding is None or labels is None:
            return 0.0, 0.0
        e = self.embedding(ops.cast(labels, "int32"))  # (B, 4F)
        e = ops.reshape(e, (-1, 1, 1, 4 * self.filters))
        return e[..., :2 * self.filters], e[..., 2 * self.filters:]

    def vertical(self, v_pre, cond_v):
        """From the vertical convolution's output (…, 2F): the gated vertical features
        (…, F) for the next block and their contribution to the horizontal gate (…, 2F)."""
        return gate(v_pre + cond_v), self.v_to_h(v_pre)

    def horizontal(self, h_pre, from_v, h_in, cond_h, training=False):
        """From the horizontal convolution's output: (new h (…, F), skip (…, S))."""
        out = gate(h_pre + from_v + cond_h)  # (…, F)
        if self.dropout is not None:
            out = self.dropout(out, training=training)
        if self.residual is None:
            h = None
        else:
            h = self.residual(out) if self.first else h_in + self.residual(out)
        return h, self.skip(out)

    def call(self, v, h, labels=None, training=False):
        cond_v, cond_h = self.condition(labels)
        v_out, from_v = self.vertical(self.v_conv(v), cond_v)  # (B, H, W, F), (B, H, W, 2F)
        h_out, skip = self.horizontal(self.h_conv(h), from_v, h, cond_h, training)
        return v_out, h_out, skip

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, "kernel_size": self.kernel_size,
                       "skip_filters": self.skip_filters, "groups": self.groups,
                       "first": self.first, "last": self.last,
                       "num_classes": self.num_classes,
                       "dropout": self.dropout_rate})
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class GatedPixelCNNNetwork(keras.layers.Layer):
    """images (B, H, W, C) as `network_input` gives them [, labels (B,)] -> (B, H, W, P)
    distribution parameters, output (r, c) depending only on the pixels before (r, c).

    Block 0 (masks A, `first_kernel_size`) reads the image; blocks 1.. (masks B,
    `kernel_size`) read the previous block's stacks; the skip outputs of all blocks are
    summed and go through relu -> 1 x 1 (head_filters) -> relu -> 1 x 1 (num_outputs).
    """

    def __init__(self, num_outputs, num_layers, filters, kernel_size, first_kernel_size,
                 head_filters, groups=1, num_classes=None, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_outputs, self.num_layers, self.filters = num_outputs, num_layers, filters
        self.kernel_size, self.first_kernel_size = kernel_size, first_kernel_size
        self.head_filters, self.groups = head_filters, groups
        self.num_classes, self.dropout_rate = num_classes, dropout
        self.blocks = [
            GatedBlock(filters, first_kernel_size if i == 0 else kernel_size, head_filters,
                       groups, first=i == 0, last=i == num_layers - 1,
                       num_classes=num_classes, dropout=dropout,
                       name=f"block{i}")
            for i in range(num_layers)]
        self.head_hidden = MaskedConv2D(head_filters, 1, "B", groups=groups, name="head_hidden")
        self.head_out = MaskedConv2D(num_outputs, 1, "B", groups=groups, name="head_out")

    def head(self, skip):
        """Summed skips (…, S) -> distribution parameters (…, P)."""
        return self.head_out(ops.relu(self.head_hidden(ops.relu(skip))))

    def call(self, images, labels=None, training=False):
        v, h, skip = images, images, 0.0
        for block in self.blocks:
            v, h, s = block(v, h, labels, training=training)  # (B, H, W, F), ..., (B, H, W, S)
            skip = skip + s
        return self.head(skip)  # (B, H, W, P)

    def get_config(self):
        config = super().get_config()
        config.update({"num_outputs": self.num_outputs, "num_layers": self.num_layers,
                       "filters": self.filters, "kernel_size": self.kernel_size,
                       "first_kernel_size": self.first_kernel_size,
                       "head_filters": self.head_filters, "groups": self.groups,
                       "num_classes": self.num_classes, "dropout": self.dropout_rate})
        return config
