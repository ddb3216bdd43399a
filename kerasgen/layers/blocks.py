"""Conv blocks of Isola et al. 2017 (pix2pix): 4x4 stride-2 convolutions, weights
N(0, 0.02), batch or instance normalization, LeakyReLU 0.2 down and ReLU up."""

import keras

NORMS = ("batch", "instance", "none")


def check_norm_and_loss(norm, loss, family):
    """The norm checked and the adversarial loss's canonical name, for translators trained
    without a critic constraint (the Wasserstein objectives need one)."""
    from kerasgen.losses import gan as gan_losses

    if norm not in NORMS:
        raise ValueError(f"norm must be one of {', '.join(NORMS)}; received {norm!r}.")
    loss = gan_losses.check_loss_name(loss)
    if loss in ("wasserstein", "wasserstein_gp"):
        raise ValueError(f"loss {loss!r} needs a critic constraint {family} does not apply; "
                         "use non_saturating, least_squares, hinge or minimax.")
    return loss


def init():
    return keras.initializers.RandomNormal(0.0, 0.02)


def normalization(kind, name):
    """BatchNormalization, instance norm (GroupNormalization with one group per channel), or
    None for "none"."""
    if kind not in NORMS:
        raise ValueError(f"Unknown normalization {kind!r}; expected one of {', '.join(NORMS)}.")
    if kind == "batch":
        return keras.layers.BatchNormalization(
            gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02), name=name)
    if kind == "instance":
        return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)
    return None


@keras.saving.register_keras_serializable(package="kerasgen")
class AlwaysDropout(keras.layers.Dropout):
    """Dropout at train and test time: pix2pix's only source of noise (Isola et al. 2017,
    Sec. 3.1: "we provide noise only in the form of dropout, applied ... at both training and
    test time")."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


def down(x, filters, norm, name, strides=2, kernel_size=4):
    """Ck: conv-norm-LeakyReLU(0.2); no bias when a norm follows."""
    layer_norm = normalization(norm, f"{name}_norm")
    x = keras.layers.Conv2D(filters, kernel_size, strides, padding="same",
                            kernel_initializer=init(), use_bias=layer_norm is None,
                            name=f"{name}_conv")(x)
    if layer_norm is not None:
        x = layer_norm(x)
    return keras.layers.LeakyReLU(0.2, name=f"{name}_act")(x)


def up(x, filters, norm, name, dropout=0.0, test_time_dropout=True):
    """Ck / CDk: transposed conv-norm-[dropout]-ReLU."""
    layer_norm = normalization(norm, f"{name}_norm")
    x = keras.layers.Conv2DTranspose(filters, 4, 2, padding="same", kernel_initializer=init(),
                                     use_bias=layer_norm is None, name=f"{name}_conv")(x)
    if layer_norm is not None:
        x = layer_norm(x)
    if dropout:
        cls = AlwaysDropout if test_time_dropout else keras.layers.Dropout
        x = cls(dropout, name=f"{name}_dropout")(x)
    return keras.layers.ReLU(name=f"{name}_act")(x)
