"""Text-conditional GANs: Reed et al. 2016 (GAN-CLS, GAN-INT)."""
