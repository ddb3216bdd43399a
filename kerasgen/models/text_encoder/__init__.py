"""Joint text-image embeddings: the caption encoder of text-to-image models."""
from kerasgen.models.text_encoder import presets  # noqa: F401  (registers the family's zoo entries)
