"""Every (sub)pixel independent at its training-set frequency: a likelihood yardstick."""

from kerasgen.models.independent.independent import IndependentPixels

__all__ = ["IndependentPixels"]
