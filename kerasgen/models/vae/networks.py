"""Encoder and decoder networks shared by the VAE, conditional VAE and autoencoders."""

import keras
from keras import layers

ARCHITECTURES = ("conv", "mlp")


def check_architecture(image_shape, architecture, hidden_dims):
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"Unknown architecture {architecture!r}; expected one of {', '.join(ARCHITECTURES)}."
        )
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels); received {image_shape}.")
    if architecture == "conv":
        factor = 2 ** len(hidden_dims)
        h, w, _ = image_shape
        if h % factor or w % factor:
            raise ValueError(
                f"A conv encoder with {len(hidden_dims)} stride-2 layers needs image sides "
                f"divisible by {factor}; received image_shape={tuple(image_shape)}."
            )


def build_encoder(image_shape, output_dim, architecture, hidden_dims, num_classes=None,
                  name="encoder"):
    """x (B, H, W, C) [, label (B,)] -> (B, output_dim)."""
    check_architecture(image_shape, architecture, hidden_dims)
    image = keras.Input(tuple(image_shape), name="image")
    inputs = [image]
    h = image
    if architecture == "conv":
        for i, width in enumerate(hidden_dims):
            h = layers.Conv2D(width, 3, strides=2, padding="same", name=f"conv{i}")(h)
            h = layers.LeakyReLU(0.2)(h)  # (B, H / 2^(i+1), W / 2^(i+1), width)
        h = layers.Flatten()(h)
    else:
        h = layers.Flatten()(h)
        for i, width in enumerate(hidden_dims):
            h = layers.Dense(width, activation="relu", name=f"dense{i}")(h)
    if num_classes:
        label = keras.Input((), dtype="int32", name="label")
        inputs.append(label)
        h = layers.Concatenate()([h, layers.CategoryEncoding(num_classes, "one_hot")(label)])
    if architecture == "conv":
        h = layers.Dense(256, activation="relu", name="hidden")(h)
    out = layers.Dense(output_dim, name="params", dtype="float32")(h)  # (B, output_dim)
    return keras.Model(inputs if num_classes else image, out, name=name)


def build_decoder(image_shape, latent_dim, out_channels, architecture, hidden_dims,
                  num_classes=None, final_activation=None, name="decoder"):
    """z (B, latent_dim) [, label (B,)] -> (B, H, W, out_channels)."""
    check_architecture(image_shape, architecture, hidden_dims)
    h_img, w_img, _ = image_shape
    z = keras.Input((latent_dim,), name="z")
    inputs = [z]
    h = z
    if num_classes:
        label = keras.Input((), dtype="int32", name="label")
        inputs.append(label)
        h = layers.Concatenate()([h, layers.CategoryEncoding(num_classes, "one_hot")(label)])
    if architecture == "conv":
        factor = 2 ** len(hidden_dims)
        h = layers.Dense(256, activation="relu", name="hidden")(h)
        h0, w0, c0 = h_img // factor, w_img // factor, hidden_dims[-1]
        h = layers.Dense(h0 * w0 * c0, activation="relu", name="project")(h)
        h = layers.Reshape((h0, w0, c0))(h)  # (B, H / f, W / f, C0)
        for i, width in enumerate(reversed(hidden_dims)):
            h = layers.Conv2DTranspose(width, 3, strides=2, padding="same", name=f"deconv{i}")(h)
            h = layers.LeakyReLU(0.2)(h)
        out = layers.Conv2D(out_channels, 3, padding="same", name="params",
                            activation=final_activation, dtype="float32")(h)
    else:
        for i, width in enumerate(reversed(hidden_dims)):
            h = layers.Dense(width, activation="relu", name=f"dense{i}")(h)
        out = layers.Dense(h_img * w_img * out_channels, activation=final_activation,
                           name="params", dtype="float32")(h)
        out = layers.Reshape((h_img, w_img, out_channels))(out)
    return keras.Model(inputs if num_classes else z, out, name=name)  # (B, H, W, out_channels)
