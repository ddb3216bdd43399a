"""The symmetric image-text contrastive loss (CLIP, Radford et al. 2021) the text encoder
trains with."""

import tensorflow as tf


def symmetric_contrastive_loss(text_embeddings, image_embeddings, temperature):
    """Per-example loss (B,) of matching B captions to B images and back: cross-entropy of
    each row and each column of the similarity matrix with its diagonal. Embeddings are
    L2-normalised (B, D); `temperature` divides the cosine similarities."""
    logits = tf.matmul(text_embeddings, image_embeddings, transpose_b=True) / temperature
    targets = tf.range(tf.shape(logits)[0])
    text_to_image = tf.nn.sparse_softmax_cross_entropy_with_logits(targets, logits)
    image_to_text = tf.nn.sparse_softmax_cross_entropy_with_logits(
        targets, tf.transpose(logits))
    return (text_to_image + image_to_text) / 2.0
