"""StyleGAN2 (Karras et al. 2020): a style-based generator with weight demodulation, a
residual discriminator, lazy R1 and path-length regularization."""

from kerasgen.models.stylegan import presets  # noqa: F401  (registers the family's zoo entries)
from kerasgen.models.stylegan.stylegan import StyleGAN

__all__ = ["StyleGAN"]
