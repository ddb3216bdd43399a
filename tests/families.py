"""A tiny instance of every registered family, for the tests that ask each capability of
every family that declares it (tests/test_capabilities.py). A new family adds one entry here;
`test_every_registered_family_has_a_tiny_instance` fails until it does."""

import keras

import kerasgen


def _gan():
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8 * 8),
                                  keras.layers.Reshape((8, 8, 1)),
                                  keras.layers.Activation("tanh")])
    discriminator = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                                      keras.layers.Dense(1)])
    return kerasgen.models.GAN(generator, discriminator, latent_dim=4)


def _text2image():
    from tests.models.test_text2image import tiny_model

    return tiny_model()


def _text_encoder():
    from tests.models.test_text2image import tiny_encoder

    return tiny_encoder()


M = kerasgen.models
TINY = {
    "vae": lambda: M.VAE(image_shape=(8, 8, 1), latent_dim=2, hidden_dims=(4,)),
    "cvae": lambda: M.ConditionalVAE(image_shape=(8, 8, 1), latent_dim=2, hidden_dims=(4,),
                                     num_classes=3, class_names=["a", "b", "c"]),
    "autoencoder": lambda: M.Autoencoder(image_shape=(8, 8, 1), latent_dim=2,
                                         hidden_dims=(4,)),
    "denoising_autoencoder": lambda: M.DenoisingAutoencoder(image_shape=(8, 8, 1),
                                                            latent_dim=2, hidden_dims=(4,)),
    "gan": _gan,
    "dcgan": lambda: M.DCGAN(image_size=8, channels=1, latent_dim=4, generator_width=4,
                             discriminator_width=4),
    "cgan": lambda: M.ConditionalGAN(image_size=8, channels=1, latent_dim=4,
                                     generator_width=4, discriminator_width=4, num_classes=3,
                                     class_names=["cat", "dog", "ship"]),
    "classifier": lambda: M.Classifier(image_shape=(8, 8, 1), num_classes=3, width=4,
                                       feature_dim=4),
    "pix2pix": lambda: M.Pix2Pix(image_size=16, source_channels=1, generator_width=4,
                                 discriminator_width=8, patch_size=16),
    "cyclegan": lambda: M.CycleGAN(image_size=16, channels_a=1, channels_b=3,
                                   generator_width=4, residual_blocks=1, discriminator_width=8,
                                   patch_size=16, identity_weight=0.0, pool_size=4),
    "text_encoder": _text_encoder,
    "pixelcnn": lambda: M.PixelCNN(image_shape=(6, 6, 1), num_layers=2, filters=4,
                                   first_kernel_size=3, head_filters=4, num_classes=3,
                                   class_names=["a", "b", "c"]),
    "independent_pixels": lambda: M.IndependentPixels(image_shape=(6, 6, 1),
                                                      distribution="bernoulli"),
    "text2image": _text2image,
    "began": lambda: M.BEGAN(image_size=8, channels=1, latent_dim=4, embedding_dim=4, width=4),
    "progan": lambda: M.ProGAN(resolution=8, channels=1, latent_dim=4, width_base=16,
                               max_width=4, phase_images=16),
    "stylegan": lambda: M.StyleGAN(image_size=8, channels=1, latent_dim=4, w_dim=4,
                                   mapping_layers=2, width=4, max_width=8),
}
