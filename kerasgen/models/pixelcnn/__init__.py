"""See the package docstring of kerasgen.models."""
