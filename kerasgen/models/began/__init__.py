"""BEGAN (Berthelot, Schumm & Metz 2017): an autoencoder discriminator and the k_t
equilibrium controller."""

from kerasgen.models.began import presets  # noqa: F401  (registers the family's zoo entries)
from kerasgen.models.began.began import BEGAN

__all__ = ["BEGAN"]
