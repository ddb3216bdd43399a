"""Image classifiers used as domain feature extractors for evaluation."""
from kerasgen.models.classifier import presets  # noqa: F401  (registers the family's zoo entries)
