"""Model families. Importing this module registers every family for configs and `.keras`."""

from kerasgen.models.autoencoder.autoencoder import Autoencoder
from kerasgen.models.autoencoder.autoencoder import DenoisingAutoencoder
from kerasgen.models.dcgan.dcgan import ConditionalGAN
from kerasgen.models.dcgan.dcgan import DCGAN
from kerasgen.models.gan.gan import GAN
from kerasgen.models.vae.vae import VAE
from kerasgen.models.vae.vae import ConditionalVAE
from kerasgen.models.classifier.classifier import Classifier
from kerasgen.models.pix2pix.pix2pix import Pix2Pix
from kerasgen.models.cyclegan.cyclegan import CycleGAN
from kerasgen.models.text_encoder.text_encoder import TextEncoder
from kerasgen.models.text2image.text2image import TextToImageGAN


def _import_every_family():
    """Import each family folder (a subpackage of kerasgen.models), so a family registers
    its classes and zoo entries by being there; a family's `__all__` names its public classes,
    made available as `kerasgen.models.<Name>`."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            family = importlib.import_module(f"{__name__}.{info.name}")
            for name in getattr(family, "__all__", ()):
                globals().setdefault(name, getattr(family, name))


_import_every_family()
