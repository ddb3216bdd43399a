"""PixelCNN (van den Oord et al. 2016): an exact-likelihood autoregressive image model."""

from kerasgen.models.pixelcnn import presets  # noqa: F401  (registers the family's zoo entries)
from kerasgen.models.pixelcnn.pixelcnn import PixelCNN

__all__ = ["PixelCNN"]
