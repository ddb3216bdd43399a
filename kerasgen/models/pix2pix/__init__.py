"""pix2pix (Isola et al. 2017): paired image-to-image translation."""

from kerasgen.models.pix2pix.pix2pix import Pix2Pix
from kerasgen.models.pix2pix import presets  # noqa: F401  (registers the family's zoo entries)
