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
from kerasgen.models.pixelcnn.pixelcnn import PixelCNN
