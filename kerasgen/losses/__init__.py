"""Loss math as pure functions: GAN objectives, VAE likelihood terms, PixelCNN distributions,
BEGAN's autoencoder loss and equilibrium controller."""

from kerasgen.losses.gan import GAN_LOSSES
from kerasgen.losses.gan import discriminator_loss
from kerasgen.losses.gan import drift
from kerasgen.losses.gan import generator_loss
from kerasgen.losses.gan import gradient_penalty
from kerasgen.losses.vae import LIKELIHOODS
from kerasgen.losses.vae import decoder_distribution
from kerasgen.losses.vae import elbo_terms
from kerasgen.losses.vae import importance_weighted_bound
from kerasgen.losses.vae import posterior
from kerasgen.losses.vae import prior
from kerasgen.losses import pixelcnn
from kerasgen.losses import began
