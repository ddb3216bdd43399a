import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen.models.text_encoder.words import drop_words
from kerasgen.models.text_encoder.text_encoder import retrieval_accuracy
from kerasgen.losses.contrastive import symmetric_contrastive_loss

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


def caption_folder(tmp_path, prefixes):
    """tmp_path/img/ of the toy images as PNGs and tmp_path/captions.jsonl with one caption
    per prefix per image ("" + caption, "the " + caption, ...); returns the folder."""
    import json

    folder = tmp_path / "img"
    folder.mkdir()
    images = (toy_images() * 255).astype(np.uint8)
    with open(tmp_path / "captions.jsonl", "w") as f:
        for i, caption in enumerate(CAPTIONS):
            tf.io.write_file(str(folder / f"{i:02d}.png"), tf.io.encode_png(images[i]))
            for prefix in prefixes:
                row = {"file": f"{i:02d}.png", "caption": prefix + caption}
                f.write(json.dumps(row) + "\n")
    return folder


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
                                          image_width=4, temperature=0.1, flip=True)
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
    # [UNK], named in a warning; words past sequence_length (4) are dropped, so these two
    # captions are equal.
    with pytest.warns(UserWarning, match=r"vocabulary does not hold: 'purple' in 'a purple "
                                         r"square'; 'with', 'shadow' in 'A red square, with a "
                                         r"shadow!'; 'with' in 'a red square with'\. They are "
                                         r"ignored \(each is read as the unknown-word token"):
        tokens = encoder.tokens(["a purple square", "A red square, with a shadow!",
                                 "a red square with"]).numpy()
    assert tokens[0].tolist() == [encoder.vocabulary.index("a"), 1,
                                  encoder.vocabulary.index("square"), 0]
    assert tokens[1].tolist() == tokens[2].tolist()
    # As the vectorizer reads them (lower case, no punctuation), in graphs too; a caption
    # with no known word is refused by name.
    assert encoder.unknown_words(["A Purple, square!", "a red cross", ""]).to_list() == [
        [b"purple"], [], []]
    unknown, known = tf.function(encoder.read_words)(tf.constant(["a red square with",
                                                                  "purple"]))
    assert unknown.to_list() == [[b"with"], [b"purple"]] and known.numpy().tolist() == [3, 0]
    with pytest.raises(ValueError, match=r"Captions 'purple haze', '': no word of them is in "
                                         r"the text encoder's vocabulary; expected a caption "
                                         r"with at least one word it knows \(7 words, e\.g\. "):
        encoder.encode_text(["a red cross", "purple haze", ""])
    path = str(tmp_path / "t.keras")
    encoder.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.encode_text(CAPTIONS), encoder.encode_text(CAPTIONS),
                               atol=1e-6)
    assert int(loaded.optimizer.iterations) == int(encoder.optimizer.iterations)


def test_word_dropout_leaves_words_out_and_skipped_unknown_words_read_as_absent():
    mask = tf.constant([[True] * 6] * 200 + [[True] + [False] * 5] * 50)
    dropped = drop_words(mask, 0.5, tf.constant([1, 2])).numpy()
    assert abs(dropped[:200].mean() - 0.5) < 0.05 and dropped.any(axis=1).all()
    assert dropped[200:].sum(axis=1).tolist() == [1] * 50  # a caption keeps a word
    assert (drop_words(mask, 0.0, tf.constant([1, 2])).numpy() == mask.numpy()).all()
    args = dict(max_tokens=20, sequence_length=4, word_dim=8, hidden_dim=8, embedding_dim=8,
                image_shape=(16, 16, 3), image_width=4)
    skip = kerasgen.models.TextEncoder(word_dropout=0.3, out_of_vocabulary="skip", seed=3,
                                       **args).adapt(CAPTIONS)
    with pytest.warns(UserWarning, match=r"'purple' in 'a purple square'\. They are ignored "
                                         r"\(left out: each caption is read as if they were "
                                         r"not there\)"):
        np.testing.assert_allclose(skip.encode_text(["a purple square"]),
                                   skip.encode_text(["a square"]), atol=1e-6)
    config = skip.get_config()
    assert (config["word_dropout"], config["out_of_vocabulary"], config["seed"]) == (
        0.3, "skip", 3)
    token = kerasgen.models.TextEncoder.from_config({**config, "out_of_vocabulary": "token"})
    token.set_weights(skip.get_weights())
    with pytest.warns(UserWarning, match="read as the unknown-word token"):
        assert np.abs(token.encode_text(["a purple square"]) -
                      token.encode_text(["a square"])).max() > 1e-4
    with pytest.raises(ValueError, match=r"out_of_vocabulary must be one of token, skip; "
                                         r"received 'drop'"):
        kerasgen.models.TextEncoder(out_of_vocabulary="drop")
    with pytest.raises(ValueError, match=r"word_dropout must be in \[0, 1\); received 1"):
        kerasgen.models.TextEncoder(word_dropout=1)


def test_kerasgen_train_adapts_the_vocabulary_on_captions_and_trains(tmp_path):
    """A caption file (JSONL) beside an image folder: `data.source: captions`."""
    import json

    import keras

    from kerasgen import config as config_lib
    from kerasgen.training.train import train

    folder = caption_folder(tmp_path, ("", "the "))
    raw = {
        "model": {"family": "text_encoder", "args": {
            "max_tokens": 20, "sequence_length": 5, "word_dim": 8, "hidden_dim": 8,
            "embedding_dim": 8, "image_shape": [16, 16, 3], "image_width": 4,
            "word_dropout": 0.2, "out_of_vocabulary": "skip"}},
        "data": {"source": "captions", "path": str(folder),
                 "captions": str(tmp_path / "captions.jsonl"), "image_size": 16, "channels": 3,
                 "crop": "none", "stop": 6, "eval_start": 6, "batch_size": 4,
                 "shuffle_buffer": 16},
        "train": {"epochs": 2, "output_dir": str(tmp_path / "run"), "num_samples": 4}}
    import yaml

    (tmp_path / "text.yaml").write_text(yaml.safe_dump(raw))
    config = config_lib.load(str(tmp_path / "text.yaml"))
    model, history = train(config, verbose=0)
    assert model.has_vocabulary and "the" in model.vocabulary
    assert len(history.history["loss"]) == 2 and "val_loss" in history.history
    loaded = keras.saving.load_model(str(tmp_path / "run" / "model.keras"))
    np.testing.assert_allclose(loaded.encode_text(["a red cross"]),
                               model.encode_text(["a red cross"]), atol=1e-6)
    assert (loaded.word_dropout, loaded.out_of_vocabulary) == (0.2, "skip")
    from kerasgen.evaluation.evaluate import evaluate_text_encoder

    report = evaluate_text_encoder(loaded, config.data, verbose=False)["metrics"]
    assert report["images"] == 2 and report["chance_top1"] == 0.5
    assert report["retrieval_top5"] == 1.0 and report["retrieval_top1"] in (0.0, 0.5, 1.0)
    config.data.captions = str(tmp_path / "nothing.jsonl")
    with open(config.data.captions, "w") as f:
        f.write(json.dumps({"file": "00.png", "caption": "a red square"}) + "\n")
    with pytest.raises(ValueError, match=r"5 of the 6 images of .* have no caption, e.g. 01.png"):
        train(config, verbose=0)


def test_kerasgen_train_text_to_image_from_a_trained_encoder(tmp_path):
    """`model.args.text_encoder` as a .keras file; sample captions come from held-out images;
    the sample grid shows one caption a column."""
    import yaml

    from kerasgen import config as config_lib
    from kerasgen.training.train import train

    folder = caption_folder(tmp_path, ("",))
    encoder = kerasgen.models.TextEncoder(max_tokens=20, sequence_length=4, word_dim=8,
                                          hidden_dim=8, embedding_dim=8,
                                          image_shape=(16, 16, 3), image_width=4)
    encoder.adapt(CAPTIONS).save(str(tmp_path / "encoder.keras"))
    raw = {
        "model": {"family": "text2image", "args": {
            "text_encoder": str(tmp_path / "encoder.keras"), "image_size": 16, "latent_dim": 4,
            "generator_width": 8, "discriminator_width": 8, "projection_dim": 4}},
        "data": {"source": "captions", "path": str(folder),
                 "captions": str(tmp_path / "captions.jsonl"), "image_size": 16, "channels": 3,
                 "crop": "none", "stop": 6, "eval_start": 6, "eval_split": None,
                 "batch_size": 3, "shuffle_buffer": 8},
        "train": {"epochs": 1, "output_dir": str(tmp_path / "run"), "num_samples": 4}}
    (tmp_path / "t2i.yaml").write_text(yaml.safe_dump(raw))
    model, history = train(config_lib.load(str(tmp_path / "t2i.yaml")), verbose=0)
    assert model.sample_texts == ["a red cross", "a blue cross"]  # held-out images 6, 7
    assert {"d_mismatch", "g_interpolation"} <= set(history.history)
    grid = tf.io.decode_png(tf.io.read_file(
        str(tmp_path / "run" / "samples" / "samples_latest.png"))).numpy()
    assert grid.shape[:2] == (2 * 18 + 2, 2 * 18 + 2)  # 2 captions x 2 seeds, 16 px + 2 pad
