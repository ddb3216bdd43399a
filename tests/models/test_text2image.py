import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from tests.models.test_text_encoder import CAPTIONS
from tests.models.test_text_encoder import toy_images


def tiny_encoder():
    encoder = kerasgen.models.TextEncoder(max_tokens=20, sequence_length=4, word_dim=8,
                                          hidden_dim=8, embedding_dim=8,
                                          image_shape=(16, 16, 3), image_width=4)
    return encoder.adapt(CAPTIONS)


def tiny_model(**kwargs):
    return kerasgen.models.TextToImageGAN(
        text_encoder=tiny_encoder(), image_size=16, latent_dim=4, generator_width=8,
        discriminator_width=8, projection_dim=4, ema_decay=0.9, seed=1,
        sample_texts=CAPTIONS[:4], **kwargs)


def pairs():
    return tf.data.Dataset.from_tensor_slices((toy_images() * 2 - 1, CAPTIONS)).batch(8)


def test_text_to_image_gan_trains_generates_from_text_and_round_trips(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    model = tiny_model()
    model.compile()
    history = model.fit(pairs(), epochs=2, verbose=0)
    assert {"d_loss", "g_loss", "d_mismatch", "g_interpolation"} <= set(history.history)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    images = np.asarray(model.generate_from_text(CAPTIONS[:3], seed=5))
    assert images.shape == (3, 16, 16, 3) and images.min() >= 0 and images.max() <= 1
    np.testing.assert_array_equal(images, model.generate_from_text(CAPTIONS[:3], seed=5))
    # One z for every caption: the caption alone changes the image (batch statistics: the
    # untrained generator's moving averages flatten every output to grey).
    z = np.repeat(np.asarray(model.sample_latents(1, seed=3)), 2, axis=0)
    two = np.asarray(model.generator([tf.constant(z), model.embed(tf.constant(["a red square",
                                                                 "a green cross"]))],
                                     training=True))
    assert np.abs(two[0] - two[1]).mean() > 1e-5  # the same caption twice: exactly 0
    same = np.asarray(model.generator([tf.constant(z), model.embed(tf.constant(
        ["a red square"] * 2))], training=True))
    assert np.abs(same[0] - same[1]).max() == 0.0
    assert model.interpolate_captions("a red square", "a blue circle", steps=5).shape == (
        5, 16, 16, 3)
    with pytest.raises(ValueError, match="list of caption strings, shape \\(B,\\); received "
                                         "int32"):
        model.generate_from_text([1, 2])
    with pytest.warns(UserWarning, match="does not hold: 'purple', 'haze' in 'a purple "
                                         "haze'\\. They are ignored"):
        model.generate_from_text(["a purple haze", "a red square", "a purple haze"], seed=5)
    with pytest.raises(ValueError, match="Caption 'purple haze': no word of it is in"):
        model.generate_from_text(["a red square", "purple haze"])
    path = str(tmp_path / "t2i.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.generate_from_text(CAPTIONS[:3], seed=5), images,
                               atol=1e-5)
    assert int(loaded.d_optimizer.iterations) == int(model.d_optimizer.iterations) == 2
    assert loaded.sample_texts == CAPTIONS[:4] and not loaded.text_encoder.trainable


def test_loading_survives_a_freed_layer_address_being_reused(tmp_path, monkeypatch):
    """A `.keras` load tracks shared objects by id(). The suite once failed to load a model it
    had just loaded: a layer of the EMA generator clone came back as the text encoder's
    backward GRU (`Input 0 of layer 'backward_gru_2' is incompatible ... (None, 4, 4, 16)`).
    Here the address reuse that caused it is forced: the GRU the encoder hands to
    Bidirectional and the generator layer after the reshape report the same id."""
    import keras
    from keras.src.saving import serialization_lib

    path = str(tmp_path / "t2i.keras")
    model = tiny_model()
    model.save(path)
    real_id = id
    forced = []

    def reused_id(obj):
        name = getattr(obj, "name", "")
        if (type(obj).__name__ == "GRU" and not name.startswith(("forward_", "backward_"))
                or name == "up0"):
            forced.append(name)
            return 12345
        return real_id(obj)

    monkeypatch.setattr(serialization_lib, "id", reused_id, raising=False)
    loaded = keras.saving.load_model(path)
    monkeypatch.undo()
    # Keras still looked both up by id() (else this test would prove nothing).
    assert "up0" in forced and len(set(forced)) == 2, forced
    assert [type(layer).__name__ for layer in loaded.ema_generator.layers[-1].layers[:6]] == [
        type(layer).__name__ for layer in model.generator.layers[-1].layers[:6]]
    np.testing.assert_allclose(loaded.generate_from_text(CAPTIONS[:2], seed=5),
                               model.generate_from_text(CAPTIONS[:2], seed=5), atol=1e-5)


def test_mismatched_captions_skip_identical_ones_and_the_switches_drop_their_terms():
    model = tiny_model(matching_aware=False, interpolation=False)
    model.compile()
    history = model.fit(pairs(), epochs=1, verbose=0)
    assert "d_mismatch" not in history.history and "g_interpolation" not in history.history
    same = model.embed(tf.constant(["a red square"] * 4))
    _, differs = model._partner(same)
    assert differs.numpy().tolist() == [0.0] * 4
    _, differs = model._partner(model.embed(tf.constant(CAPTIONS)))
    assert differs.numpy().tolist() == [1.0] * 8


def test_cli_sample_draws_captions_in_columns_and_refuses_text_for_other_models(tmp_path,
                                                                               capsys):
    from kerasgen import cli

    path = str(tmp_path / "t2i.keras")
    tiny_model().save(path)
    out = str(tmp_path / "x.png")
    assert cli.main(["sample", path, "--text", "a purple square", "--text", "a blue cross",
                     "--num", "3", "--out", out]) == 0
    grid = tf.io.decode_png(tf.io.read_file(out)).numpy()
    assert grid.shape == (3 * 18 + 2, 2 * 18 + 2, 3)  # 3 seeds (rows) x 2 captions
    captured = capsys.readouterr()
    assert "one caption a column, one z a row" in captured.out
    # An unknown word: one warning line naming it (once, though 3 rows are drawn).
    assert [line for line in captured.err.splitlines() if "purple" in line] == [
        "warning: Words the text encoder's vocabulary does not hold: 'purple' in 'a purple "
        "square'. They are ignored (each is read as the unknown-word token [UNK], whose "
        "meaning the model never learned; the rest of the caption is read as usual)."]
    (tmp_path / "captions.txt").write_text("a red square\n\na green circle\n")
    assert cli.main(["sample", path, "--text-file", str(tmp_path / "captions.txt"), "--num",
                     "1", "--out", out]) == 0
    assert tf.io.decode_png(tf.io.read_file(out)).numpy().shape == (20, 2 * 18 + 2, 3)
    other = str(tmp_path / "dcgan.keras")
    kerasgen.models.DCGAN(image_size=8, channels=1, latent_dim=4, generator_width=4,
                          discriminator_width=4).save(other)
    assert cli.main(["sample", other, "--text", "a red square", "--out", out]) == 2
    assert "does not take --text" in capsys.readouterr().err
