"""See the package docstring of kerasgen.models."""
from kerasgen.models.dcgan import presets  # noqa: F401  (registers the family's zoo entries)
