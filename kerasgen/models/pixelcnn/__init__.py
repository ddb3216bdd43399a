"""PixelCNN (van den Oord et al. 2016): an exact-likelihood autoregressive image model."""

from kerasgen.models.pixelcnn.pixelcnn import PixelCNN

__all__ = ["PixelCNN"]
