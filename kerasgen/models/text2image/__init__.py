"""Text-conditional GANs: Reed et al. 2016 (GAN-CLS, GAN-INT)."""
from kerasgen.models.text2image import presets  # noqa: F401  (registers the family's zoo entries)
