"""Joint text-image embeddings: the caption encoder of text-to-image models."""
