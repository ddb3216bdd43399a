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


# -- PixelCNN++'s down/up-sampling network (Salimans et al. 2017, Sec. 2.3-2.4) ---------------
# Written here rather than taken from a library: tfp.distributions.PixelCNN builds this network
# with Keras 2 layers, which do not mix with this Keras 3 model.

def concat_elu(x):
    """elu([x, -x]) over channels, PixelCNN++'s nonlinearity: (…, F) -> (…, 2F)."""
    return ops.elu(ops.concatenate([x, -x], axis=-1))


def shift_down(x):
    """Row r gets row r - 1 (zeros in row 0)."""
    return ops.pad(x, [[0, 0], [1, 0], [0, 0], [0, 0]])[:, :-1]


def shift_right(x):
    """Column c gets column c - 1 (zeros in column 0)."""
    return ops.pad(x, [[0, 0], [0, 0], [1, 0], [0, 0]])[:, :, :-1]


@keras.saving.register_keras_serializable(package="kerasgen")
class ShiftedConv2D(keras.layers.Layer):
    """PixelCNN++'s causal convolutions, made causal by where the zeros are padded.

    `direction="down"`, kernel (kh, kw): output (r, c) reads rows r - kh + 1 .. r and columns
    c - (kw - 1) / 2 .. c + (kw - 1) / 2 (a stream that must only see rows above keeps that
    property: its input at row r already depends only on rows < r). `"down_right"`: rows
    r - kh + 1 .. r, columns c - kw + 1 .. c. `strides=2` halves the size (output (i, j)
    reads input rows 2i - kh + 1 .. 2i); `transpose=True` doubles it: output rows 2i and 2i + 1
    read input row i (and columns 2j, 2j + 1, centred for "down"), so nothing computed from
    pixels at or after (2i, 2j) reaches an output before them.
    """

    def __init__(self, filters, kernel_size, direction="down", strides=1, transpose=False,
                 **kwargs):
        super().__init__(**kwargs)
        if direction not in ("down", "down_right"):
            raise ValueError(f"direction must be 'down' or 'down_right'; received "
                             f"{direction!r}.")
        self.filters, self.kernel_size = filters, tuple(kernel_size)
        self.direction, self.strides, self.transpose = direction, strides, transpose
        if transpose:
            self.conv = keras.layers.Conv2DTranspose(filters, self.kernel_size, strides,
                                                     padding="valid", name="conv")
        else:
            self.conv = keras.layers.Conv2D(filters, self.kernel_size, strides,
                                            padding="valid", name="conv")

    def _pads(self):
        kh, kw = self.kernel_size
        if self.direction == "down":
            return kh - 1, (kw - 1) // 2, (kw - 1) // 2
        return kh - 1, kw - 1, 0  # top, left, right

    def call(self, x):
        top, left, right = self._pads()
        if not self.transpose:
            return self.conv(ops.pad(x, [[0, 0], [top, 0], [left, right], [0, 0]]))
        height, width = ops.shape(x)[1], ops.shape(x)[2]
        out = self.conv(x)  # (2H + kh - 2, 2W + kw - 2): input (i, j) -> rows 2i .. 2i + kh - 1
        start = left if self.direction == "down" else 0  # "down" centred, "down_right" not
        return out[:, :2 * height, start:start + 2 * width]

    def compute_output_shape(self, shape):
        scale = (lambda d: None if d is None else d * 2) if self.transpose else \
            (lambda d: None if d is None else d // self.strides)
        return (shape[0], scale(shape[1]), scale(shape[2]), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, "kernel_size": self.kernel_size,
                       "direction": self.direction, "strides": self.strides,
                       "transpose": self.transpose})
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class GatedResnet(keras.layers.Layer):
    """PixelCNN++'s gated residual block: x + a * sigmoid(b), [a, b] = conv(concat_elu(conv(
    concat_elu(x)) + nin(concat_elu(aux)))), with a class embedding added before the gate."""

    def __init__(self, filters, direction, aux=False, num_classes=None, dropout=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.filters, self.direction, self.aux = filters, direction, aux
        self.num_classes, self.dropout_rate = num_classes, dropout
        kernel = (2, 3) if direction == "down" else (2, 2)
        self.conv_in = ShiftedConv2D(filters, kernel, direction, name="conv_in")
        self.nin_aux = keras.layers.Conv2D(filters, 1, name="nin_aux") if aux else None
        self.dropout = keras.layers.Dropout(dropout) if dropout else None
        self.conv_out = ShiftedConv2D(2 * filters, kernel, direction, name="conv_out")
        self.embedding = (keras.layers.Embedding(num_classes, 2 * filters, name="embedding")
                          if num_classes else None)

    def call(self, x, aux=None, labels=None, training=False):
        c = self.conv_in(concat_elu(x))
        if self.nin_aux is not None:
            c = c + self.nin_aux(concat_elu(aux))
        c = concat_elu(c)
        if self.dropout is not None:
            c = self.dropout(c, training=training)
        c = self.conv_out(c)
        if self.embedding is not None and labels is not None:
            c = c + ops.reshape(self.embedding(ops.cast(labels, "int32")),
                                (-1, 1, 1, 2 * self.filters))
        return x + gate_sigmoid(c)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, "direction": self.direction, "aux": self.aux,
                       "num_classes": self.num_classes, "dropout": self.dropout_rate})
        return config


def gate_sigmoid(pre):
    """a * sigmoid(b) over the two halves of `pre` (…, 2F) -> (…, F): PixelCNN++'s gate."""
    a, b = ops.split(pre, 2, axis=-1)
    return a * ops.sigmoid(b)


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelCNNPlusPlusNetwork(keras.layers.Layer):
    """images (B, H, W, C) [, labels (B,)] -> (B, H, W, P), output (r, c) depending only on
    pixels before (r, c) and never on pixel (r, c) itself: the channels of a pixel depend on
    each other through the output distribution (the logistic mixture's coefficients), not
    through the network.

    Two streams (Salimans et al. 2017, Fig. 2): u sees only rows above, ul rows above and
    pixels to the left. An up pass of `num_layers` gated residual blocks per resolution, each
    resolution after the first reached by stride-2 shifted convolutions
    (`num_resolutions` = 3: H, H/2, H/4), then a down pass back up by transposed ones whose
    blocks also read the up pass's outputs at the same resolution (the short-cut connections).
    """

    def __init__(self, num_outputs, num_layers, filters, num_resolutions=3, num_classes=None,
                 dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_outputs, self.num_layers, self.filters = num_outputs, num_layers, filters
        self.num_resolutions, self.num_classes = num_resolutions, num_classes
        self.dropout_rate = dropout
        f, kw = filters, dict(num_classes=num_classes, dropout=dropout)
        self.u_first = ShiftedConv2D(f, (2, 3), "down", name="u_first")
        self.ul_first_above = ShiftedConv2D(f, (1, 3), "down", name="ul_first_above")
        self.ul_first_left = ShiftedConv2D(f, (2, 1), "down_right", name="ul_first_left")
        self.up_u, self.up_ul, self.down_u, self.down_ul = [], [], [], []
        self.downsample_u, self.downsample_ul, self.upsample_u, self.upsample_ul = [], [], [], []
        for level in range(num_resolutions):
            self.up_u.append([GatedResnet(f, "down", name=f"up{level}_u{i}", **kw)
                              for i in range(num_layers)])
            self.up_ul.append([GatedResnet(f, "down_right", aux=True, name=f"up{level}_ul{i}",
                                           **kw) for i in range(num_layers)])
            self.down_u.append([GatedResnet(f, "down", aux=True, name=f"down{level}_u{i}", **kw)
                                for i in range(num_layers)])
            self.down_ul.append([GatedResnet(f, "down_right", aux=True,
                                             name=f"down{level}_ul{i}", **kw)
                                 for i in range(num_layers)])
            if level < num_resolutions - 1:
                self.downsample_u.append(ShiftedConv2D(f, (2, 3), "down", strides=2,
                                                       name=f"downsample{level}_u"))
                self.downsample_ul.append(ShiftedConv2D(f, (2, 2), "down_right", strides=2,
                                                        name=f"downsample{level}_ul"))
                self.upsample_u.append(ShiftedConv2D(f, (2, 3), "down", strides=2,
                                                     transpose=True, name=f"upsample{level}_u"))
                self.upsample_ul.append(ShiftedConv2D(f, (2, 2), "down_right", strides=2,
                                                      transpose=True,
                                                      name=f"upsample{level}_ul"))
        self.head_out = keras.layers.Conv2D(num_outputs, 1, name="head_out")

    def call(self, images, labels=None, training=False):
        kw = dict(labels=labels, training=training)
        u = shift_down(self.u_first(images))
        ul = shift_down(self.ul_first_above(images)) + shift_right(self.ul_first_left(images))
        stored = []  # the up pass's block outputs, for the down pass's short-cuts
        for level in range(self.num_resolutions):
            for block_u, block_ul in zip(self.up_u[level], self.up_ul[level]):
                u = block_u(u, **kw)
                ul = block_ul(ul, u, **kw)
                stored.append((u, ul))
            if level < self.num_resolutions - 1:
                u, ul = self.downsample_u[level](u), self.downsample_ul[level](ul)
        for level in reversed(range(self.num_resolutions)):
            for block_u, block_ul in zip(self.down_u[level], self.down_ul[level]):
                short_u, short_ul = stored.pop()  # the same resolution's, last first
                u = block_u(u, short_u, **kw)
                ul = block_ul(ul, ops.concatenate([u, short_ul], -1), **kw)
            if level > 0:
                u, ul = self.upsample_u[level - 1](u), self.upsample_ul[level - 1](ul)
        return self.head_out(ops.elu(ul))

    def get_config(self):
        config = super().get_config()
        config.update({"num_outputs": self.num_outputs, "num_layers": self.num_layers,
                       "filters": self.filters, "num_resolutions": self.num_resolutions,
                       "num_classes": self.num_classes, "dropout": self.dropout_rate})
        return config
