"""Image classifiers used as domain feature extractors for evaluation."""
