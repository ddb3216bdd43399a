import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen.models.text_encoder.text_encoder import retrieval_accuracy
from kerasgen.models.text_encoder.text_encoder import symmetric_contrastive_loss

CAPTIONS = ["a red square", "a blue square", "a green square", "a red circle",
            "a blue circle", "a green circle", "a red cross", "a blue cross"]


def toy_images():
    """8x8 images whose colour and shape follow CAPTIONS, in [0, 1]."""
    colours = {"red": (1, 0, 0), "blue": (0, 0, 1), "green": (0, 1, 0)}
    images = np.zeros((len(CAPTIONS), 16, 16, 3), np.float32)
    for i, caption in enumerate(CAPTIONS):
        _, colour, shape = caption.split()
        mask = np.zeros((16, 16), bool)
        if shape == "square":
            mask[4:12, 4:12] = True
        elif shape == "circle":
            yy, xx = np.mgrid[:16, :16]
            mask = (yy - 7.5) ** 2 + (xx - 7.5) ** 2 < 20
        else:
            mask[7:9, :] = mask[:, 7:9] = True
        images[i][mask] = colours[colour]
    return images


def test_symmetric_contrastive_loss_is_low_for_matched_pairs_and_symmetric():
    e = tf.math.l2_normalize(tf.eye(4) + 0.01, axis=-1)
    matched = symmetric_contrastive_loss(e, e, 0.1)
    shuffled = symmetric_contrastive_loss(e, tf.roll(e, 1, axis=0), 0.1)
    assert matched.shape == (4,) and float(tf.reduce_max(matched)) < 0.01
    assert float(tf.reduce_min(shuffled)) > 5.0
    np.testing.assert_allclose(symmetric_contrastive_loss(e, tf.roll(e, 1, 0), 0.1),
                               symmetric_contrastive_loss(tf.roll(e, 1, 0), e, 0.1), rtol=1e-6)
    assert retrieval_accuracy(e, e) == {"top1": 1.0, "top5": 1.0}
    assert retrieval_accuracy(e, tf.roll(e, 1, axis=0), ks=(1,))["top1"] == 0.0


def test_text_encoder_learns_to_match_captions_and_round_trips_with_strings(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    encoder = kerasgen.models.TextEncoder(max_tokens=20, sequence_length=4, word_dim=8,
                                          hidden_dim=8, embedding_dim=8, image_shape=(16, 16, 3),
                                          image_width=4, temperature=0.1)
    with pytest.raises(ValueError, match="no vocabulary: pass vocabulary= or call adapt"):
        encoder.encode_text(["a red square"])
    encoder.adapt(CAPTIONS)
    assert set(encoder.vocabulary[2:]) == {"a", "red", "blue", "green", "square", "circle",
                                           "cross"}
    images = toy_images()
    encoder.compile(optimizer=keras.optimizers.Adam(0.01))
    pairs = tf.data.Dataset.from_tensor_slices((images, CAPTIONS)).batch(8)
    history = encoder.fit(pairs, epochs=60, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    scores = retrieval_accuracy(encoder.encode_text(CAPTIONS), encoder.encode_images(images))
    assert scores["top1"] >= 0.5, scores  # chance: 1 in 8
    # Out-of-vocabulary words and over-long captions are encoded, not refused: "purple" is
    # [UNK]; words past sequence_length (4) are dropped, so these two captions are equal.
    tokens = encoder.tokens(["a purple square", "A red square, with a shadow!",
                             "a red square with"]).numpy()
    assert tokens[0].tolist() == [encoder.vocabulary.index("a"), 1,
                                  encoder.vocabulary.index("square"), 0]
    assert tokens[1].tolist() == tokens[2].tolist()
    path = str(tmp_path / "t.keras")
    encoder.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.encode_text(CAPTIONS), encoder.encode_text(CAPTIONS),
                               atol=1e-6)
    assert int(loaded.optimizer.iterations) == int(encoder.optimizer.iterations)
