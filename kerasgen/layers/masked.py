"""Causally masked convolutions for autoregressive image models (PixelCNN)."""

import keras
import numpy as np
from keras import ops

MASK_TYPES = ("A", "B")
ORDERS = ("raster", "rows")


def causal_mask(kernel_size, mask_type, order="raster", in_channels=1, out_channels=1,
                groups=1):
    """The 0/1 mask (kh, kw, in_channels, out_channels) of a causal convolution.

    order "raster": taps before the centre in raster order (the rows above, and the centre
    row's taps to the left); "rows": only whole rows above the centre (a vertical stack, which
    then never sees the current row). Mask "A" excludes the centre (the current pixel), "B"
    includes it. With `groups` > 1 the channels of a pixel are ordered sub-pixels (R -> G -> B):
    channel c belongs to group c % groups, and at the centre tap of a raster mask an output of
    group g sees inputs of groups < g (mask A) or <= g (mask B). Interleaved groups (c % groups
    rather than blocks) keep every slice of `filters` channels, such as the two halves a gate
    splits, in the same order.
    """
    kh, kw = kernel_size
    ch, cw = kh // 2, kw // 2
    mask = np.zeros((kh, kw, in_channels, out_channels), "float32")
    mask[:ch] = 1.0  # the rows above the centre, in both orders
    if order == "rows":
        if mask_type == "B":
            mask[ch] = 1.0  # the centre row: a vertical stack's row r sees its own row r
        return mask
    mask[ch, :cw] = 1.0  # the centre row left of the centre
    g_in = np.arange(in_channels)[:, None] % groups
    g_out = np.arange(out_channels)[None, :] % groups
    centre = g_in < g_out if mask_type == "A" else g_in <= g_out
    mask[ch, cw] = centre.astype("float32")
    return mask


@keras.saving.register_keras_serializable(package="kerasgen")
class MaskedConv2D(keras.layers.Layer):
    """A 2-D convolution that only sees the pixels before each output pixel ("same" size).

    The one place where PixelCNN causality is decided: mask "A" (the first layer, the current
    pixel excluded) or "B" (later layers, the current pixel's own features included), in
    raster order (plain PixelCNN, or the 1 x k horizontal stack of the gated PixelCNN) or over
    whole rows above ("rows": the gated PixelCNN's vertical stack, no blind spot). The kernel
    holds only the smallest box around the taps the mask keeps (a 3 x 3 "rows" B kernel is
    2 x 3), so masked-out rows and columns cost no compute; inside that box the mask is applied
    to the kernel at each call.

    Args:
        filters: output channels.
        kernel_size: int or (kh, kw), odd sizes.
        mask_type: "A" or "B".
        order: "raster" or "rows".
        groups: ordered sub-pixel groups per pixel (3 for R -> G -> B); channel c is in
            group c % groups; in_channels and filters must be multiples of it.
        use_bias, kernel_initializer: as in `keras.layers.Conv2D`.

    Example:
    >>> conv = kerasgen.layers.MaskedConv2D(32, 7, mask_type="A")
    >>> conv(images).shape  # (B, H, W, 32); output (i, j) sees only pixels before (i, j)

    Reference: van den Oord et al., "Pixel Recurrent Neural Networks", ICML 2016 (masks A and
    B); van den Oord et al., "Conditional Image Generation with PixelCNN Decoders", NeurIPS
    2016 (vertical and horizontal stacks).
    """

    def __init__(self, filters, kernel_size, mask_type="B", order="raster", groups=1,
                 use_bias=True, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        self.kernel_size = tuple(int(k) for k in size)
        if len(self.kernel_size) != 2 or any(k < 1 or k % 2 == 0 for k in self.kernel_size):
            raise ValueError(f"kernel_size must be odd (an int or (kh, kw)); received "
                             f"{kernel_size!r}.")
        if mask_type not in MASK_TYPES:
            raise ValueError(f"mask_type must be one of {MASK_TYPES}; received {mask_type!r}.")
        if order not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS}; received {order!r}.")
        self.filters, self.mask_type, self.order = int(filters), mask_type, order
        self.groups, self.use_bias = int(groups), bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        if self.filters % self.groups:
            raise ValueError(f"filters ({self.filters}) must be a multiple of groups "
                             f"({self.groups}).")

    def build(self, input_shape):
        in_channels = int(input_shape[-1])
        if in_channels % self.groups:
            raise ValueError(f"{self.name}: input channels ({in_channels}) must be a multiple "
                             f"of groups ({self.groups}).")
        full = causal_mask(self.kernel_size, self.mask_type, self.order, in_channels,
                           self.filters, self.groups)
        rows, cols = np.nonzero(full.any(axis=(2, 3)))
        if rows.size == 0:
            raise ValueError(f"{self.name}: a {self.kernel_size} mask {self.mask_type} "
                             f"({self.order}, groups={self.groups}) keeps no tap; use a wider "
                             "kernel or mask B.")
        r0, r1, c0, c1 = rows.min(), rows.max(), cols.min(), cols.max()
        ch, cw = self.kernel_size[0] // 2, self.kernel_size[1] // 2
        # Input offsets of the box relative to the output pixel: rows r+dr0..r+dr1, etc.
        self.row_offsets = (int(r0 - ch), int(r1 - ch))
        self.col_offsets = (int(c0 - cw), int(c1 - cw))
        box = full[r0:r1 + 1, c0:c1 + 1]
        # Inside the box only a raster centre tap with groups, or a raster k x k mask, has
        # zeros; elsewhere the mask is all ones and is skipped.
        self._mask = None if box.all() else box
        self.kernel = self.add_weight(name="kernel", shape=box.shape,
                                      initializer=self.kernel_initializer)
        self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                    initializer="zeros") if self.use_bias else None

    def masked_kernel(self):
        kernel = self.kernel
        if self._mask is not None:
            kernel = kernel * ops.cast(self._mask, kernel.dtype)
        return kernel

    def conv_valid(self, window):
        """The layer on an input `window` already cut to the box: (B, h, w, C_in) ->
        (B, h - box_h + 1, w - box_w + 1, filters). The fast sampler feeds it the few rows
        or columns one output needs."""
        out = ops.conv(window, self.masked_kernel(), strides=1, padding="valid")
        return out + self.bias if self.bias is not None else out

    def call(self, inputs, window=False):
        """`window=True`: `inputs` are already cut to the taps (see `conv_valid`)."""
        if window:
            return self.conv_valid(inputs)
        (dr0, dr1), (dc0, dc1) = self.row_offsets, self.col_offsets
        # Pad (or, where the box ends before the centre, crop) so that output (r, c) reads
        # input rows r+dr0..r+dr1 and columns c+dc0..c+dc1, zeros outside the image.
        x = inputs
        if dr1 < 0:
            x = x[:, :dr1]
        if dc1 < 0:
            x = x[:, :, :dc1]
        x = ops.pad(x, [[0, 0], [-dr0, max(dr1, 0)], [-dc0, max(dc1, 0)], [0, 0]])
        return self.conv_valid(x)  # (B, H, W, filters)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": list(self.kernel_size),
            "mask_type": self.mask_type, "order": self.order, "groups": self.groups,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        })
        return config
