"""The ResNet generator of Zhu et al. 2017 (CycleGAN, Appendix 7.2), after Johnson et al.
2016: c7s1-64, d128, d256, R256 x n, u128, u64, c7s1-C, reflection padding, instance norm.
Its two upsampling steps are stride-2 transposed convolutions (the paper's) or, with
`upsampling="resize"`, a nearest-neighbour resize followed by a 3x3 convolution (Odena et al.
2016, "Deconvolution and Checkerboard Artifacts"): a 3x3 kernel at stride 2 overlaps unevenly,
every other output pixel receiving more of it, which shows as a checkerboard; the resize
spreads each input pixel evenly.

Fully convolutional: it runs at any height and width divisible by 4 (two stride-2 steps down
and back up), which is how CycleGAN translates test images at their own resolution.
"""

import keras

from kerasgen.layers.blocks import init
from kerasgen.layers.blocks import normalization

# Spatial size must be a multiple of this for the output to match the input exactly.
RESNET_MULTIPLE = 4


@keras.saving.register_keras_serializable(package="kerasgen")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width by `padding` pixels, mirroring the border (no edge artefacts
    from zero padding, as in the paper's generators)."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return keras.ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, shape):
        grow = lambda n: None if n is None else n + 2 * self.padding  # noqa: E731
        return (shape[0], grow(shape[1]), grow(shape[2]), shape[3])

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def default_residual_blocks(image_size):
    """9 residual blocks for 256 px and up, 6 below (Zhu et al., Sec. 4 / Appendix 7.2)."""
    return 9 if image_size >= 256 else 6


def _conv_norm_relu(x, filters, kernel, strides, norm, name, transpose=False):
    layer_norm = normalization(norm, f"{name}_norm")
    conv = keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D
    padding = "same"
    if kernel == 7:  # c7s1: reflect-pad 3, then a valid convolution
        x = ReflectionPadding2D(3, name=f"{name}_pad")(x)
        padding = "valid"
    x = conv(filters, kernel, strides, padding=padding, kernel_initializer=init(),
             use_bias=layer_norm is None, name=f"{name}_conv")(x)
    if layer_norm is not None:
        x = layer_norm(x)
    return keras.layers.ReLU(name=f"{name}_act")(x)


UPSAMPLING = ("transpose", "resize")


def upsample_block(x, filters, norm, name, upsampling="transpose"):
    """Twice the height and width: a stride-2 3x3 transposed convolution ("transpose") or a
    nearest-neighbour resize, reflection padding and a 3x3 convolution ("resize"); then the
    norm and a ReLU."""
    if upsampling == "transpose":
        return _conv_norm_relu(x, filters, 3, 2, norm, name, transpose=True)
    if upsampling != "resize":
        raise ValueError(f"upsampling must be one of {', '.join(UPSAMPLING)}; received "
                         f"{upsampling!r}.")
    x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_resize")(x)
    x = ReflectionPadding2D(1, name=f"{name}_pad")(x)
    layer_norm = normalization(norm, f"{name}_norm")
    x = keras.layers.Conv2D(filters, 3, padding="valid", kernel_initializer=init(),
                            use_bias=layer_norm is None, name=f"{name}_conv")(x)
    if layer_norm is not None:
        x = layer_norm(x)
    return keras.layers.ReLU(name=f"{name}_act")(x)


def _residual(x, filters, norm, name):
    y = ReflectionPadding2D(1, name=f"{name}_pad1")(x)
    y = keras.layers.Conv2D(filters, 3, padding="valid", kernel_initializer=init(),
                            use_bias=norm == "none", name=f"{name}_conv1")(y)
    if norm != "none":
        y = normalization(norm, f"{name}_norm1")(y)
    y = keras.layers.ReLU(name=f"{name}_act1")(y)
    y = ReflectionPadding2D(1, name=f"{name}_pad2")(y)
    y = keras.layers.Conv2D(filters, 3, padding="valid", kernel_initializer=init(),
                            use_bias=norm == "none", name=f"{name}_conv2")(y)
    if norm != "none":
        y = normalization(norm, f"{name}_norm2")(y)
    return keras.layers.Add(name=f"{name}_add")([x, y])


def resnet_generator(source_channels=3, target_channels=3, width=64, residual_blocks=6,
                     norm="instance", name="resnet_generator", upsampling="transpose"):
    """(B, H, W, source_channels) in [-1, 1] -> (B, H, W, target_channels) in [-1, 1] (tanh,
    float32), for any H, W divisible by 4. Widths scale with `width` / 64; `upsampling` as
    in `upsample_block`."""
    source = keras.Input((None, None, source_channels), name="source")
    x = _conv_norm_relu(source, width, 7, 1, norm, "c7s1")
    x = _conv_norm_relu(x, 2 * width, 3, 2, norm, "d1")
    x = _conv_norm_relu(x, 4 * width, 3, 2, norm, "d2")
    for i in range(int(residual_blocks)):
        x = _residual(x, 4 * width, norm, f"res{i + 1}")
    x = upsample_block(x, 2 * width, norm, "u1", upsampling)
    x = upsample_block(x, width, norm, "u2", upsampling)
    x = ReflectionPadding2D(3, name="out_pad")(x)
    x = keras.layers.Conv2D(target_channels, 7, padding="valid", kernel_initializer=init(),
                            name="out_conv")(x)
    outputs = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(source, outputs, name=name)
