"""See the package docstring of kerasgen.models."""
from kerasgen.models.vae import presets  # noqa: F401  (registers the family's zoo entries)
