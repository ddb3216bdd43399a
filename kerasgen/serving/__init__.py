"""Serving: SavedModel export for TF Serving, its fresh-process verification, and
translating image files with a translator."""
