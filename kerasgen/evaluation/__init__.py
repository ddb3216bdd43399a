"""Evaluation: loading a model by zoo name, run folder or file, and scoring it."""
