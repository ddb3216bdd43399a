import os

import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from tests import helpers
from kerasgen.serving.export import export


def tiny(family):
    if family == "vae":
        return kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=2, hidden_dims=(4,))
    if family == "cgan":
        return kerasgen.models.ConditionalGAN(image_size=8, channels=1, latent_dim=4,
                                              generator_width=4, discriminator_width=4,
                                              num_classes=3)
    return kerasgen.models.DCGAN(image_size=8, channels=1, latent_dim=4, generator_width=4,
                                 discriminator_width=4)


@pytest.mark.parametrize("family", ["dcgan", "cgan", "vae"])
def test_export_signatures_return_uint8_matching_generate(family, tmp_path):
    model = tiny(family)
    path = export(model, str(tmp_path / "m"))
    assert path.endswith("/1")
    loaded = tf.saved_model.load(path)
    expected = {"serving_default", "sample"} | (
        {"encode", "decode", "log_prob"} if family == "vae" else set())
    assert set(loaded.signatures) == expected
    z = np.random.default_rng(0).normal(size=(3, model.latent_dim)).astype("float32")
    extra = {"labels": tf.constant([0, 1, 2])} if family == "cgan" else {}
    images = loaded.signatures["serving_default"](z=tf.constant(z), **extra)["images"]
    assert images.dtype == tf.uint8 and images.shape == (3, 8, 8, 1)
    reference = np.round(np.clip(np.array(model.generate(z, labels=extra.get("labels"))), 0, 1)
                         * 255)
    assert np.abs(images.numpy().astype(int) - reference).max() <= 1
    sample = loaded.signatures["sample"]
    a = sample(count=tf.constant(3), seed=tf.constant(5, tf.int64), **extra)["images"]
    b = sample(count=tf.constant(3), seed=tf.constant(5, tf.int64), **extra)["images"]
    c = sample(count=tf.constant(3), seed=tf.constant(6, tf.int64), **extra)["images"]
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"z must have shape \(batch, "):
        loaded.signatures["serving_default"](z=tf.zeros((2, model.latent_dim + 1)), **extra)
    assert export(model, str(tmp_path / "m")).endswith("/2")  # next version, never overwrite


def test_export_rejects_bad_labels_and_non_generative_models(tmp_path):
    loaded = tf.saved_model.load(export(tiny("cgan"), str(tmp_path / "c")))
    with pytest.raises(tf.errors.InvalidArgumentError, match="labels must be < num_classes=3"):
        loaded.signatures["serving_default"](z=tf.zeros((2, 4)), labels=tf.constant([0, 3]))
    clf = helpers.tiny_classifier(feature_dim=4)
    with pytest.raises(ValueError, match="Classifier serves nothing"):
        export(clf, str(tmp_path / "x"))


def test_cli_export_writes_versions_and_refuses_to_overwrite(tmp_path, capsys):
    from kerasgen import cli

    model_file = str(tmp_path / "gan.keras")
    tiny("dcgan").save(model_file)
    out = str(tmp_path / "served")
    assert cli.main(["export", model_file, out]) == 0
    assert cli.main(["export", model_file, out]) == 0
    assert sorted(os.listdir(out)) == ["1", "2"]
    assert cli.main(["export", model_file, out, "--version", "2"]) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize("family", ["cgan_bf16", "vae"])
def test_exports_pass_the_serving_checks_in_fresh_processes(family, tmp_path):
    """tf.saved_model.load, saved_model_cli show/run and TFSMLayer, each in a new process."""
    import keras

    from kerasgen.serving.verify import verify

    if family == "cgan_bf16":
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = tiny(family.replace("_bf16", ""))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    path = export(model, str(tmp_path / "m"))
    report = verify(path)
    signatures = report["load"]["signatures"]
    expected = {"serving_default", "sample"} | (
        {"encode", "decode", "log_prob"} if family == "vae" else set())
    assert set(signatures) == expected and set(report["show"]["signatures"]) == expected
    assert signatures["serving_default"]["images"] == {"dtype": "uint8", "shape": [3, 8, 8, 1]}
    if family == "vae":
        assert signatures["encode"]["mean"]["dtype"] == "float32"
    assert "z must have shape (batch, " in report["load"]["refused"]["wrong_shape"]
    assert "float" in report["load"]["refused"]["wrong_dtype"]
    assert report["run"]["images"]["dtype"] == report["tfsmlayer"]["images"]["dtype"] == "uint8"


def test_verify_rejects_an_export_that_returns_floats(tmp_path):
    from kerasgen.serving.verify import ExportCheckError
    from kerasgen.serving.verify import verify

    class FloatImages(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32, name="z")])
        def generate(self, z):
            return {"images": tf.zeros((tf.shape(z)[0], 8, 8, 1))}

        @tf.function(input_signature=[tf.TensorSpec((), tf.int32, name="count"),
                                      tf.TensorSpec((), tf.int64, name="seed")])
        def sample(self, count, seed):
            return {"images": tf.zeros((count, 8, 8, 1))}

    module = FloatImages()
    path = str(tmp_path / "1")
    tf.saved_model.save(module, path, signatures={"serving_default": module.generate,
                                                  "sample": module.sample})
    with pytest.raises(ExportCheckError, match="'images' is float32; expected uint8"):
        verify(path)
    with pytest.raises(ExportCheckError, match="no saved_model.pb"):
        verify(str(tmp_path))


def test_readme_rest_bodies_match_the_exported_signatures(tmp_path):
    """Each JSON request body in the README's serving section, fed the way TF Serving's REST
    API converts it (columnar inputs, numbers cast to the signature's dtypes)."""
    import json
    import re

    import kerasgen

    readme = open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "README.md")).read()
    section = readme[readme.index("## Serve with TF Serving"):]
    section = section[:section.index("\n## ", 5)]
    bodies = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", section, re.S)]
    assert len(bodies) == 2
    base = re.search(r"--model_base_path=(\S+)", section).group(1)
    assert f"kerasgen export dcgan_celeba {base}" in section
    models = {False: tiny("dcgan"),
              True: kerasgen.models.ConditionalGAN(image_size=8, channels=1, latent_dim=4,
                                                   generator_width=4, discriminator_width=4,
                                                   num_classes=10)}
    for body in bodies:
        conditional = "labels" in body["inputs"]
        loaded = tf.saved_model.load(export(models[conditional], str(tmp_path / str(conditional))))
        signature = loaded.signatures[body["signature_name"]]
        specs = signature.structured_input_signature[1]
        assert set(body["inputs"]) == set(specs)
        images = signature(**{k: tf.constant(v, specs[k].dtype)
                              for k, v in body["inputs"].items()})["images"]
        assert images.dtype == tf.uint8 and images.shape[0] == body["inputs"]["count"]


def test_text_to_image_export_takes_strings_in_fresh_processes(tmp_path):
    """generate_from_text (strings + seed), serving_default and sample; an unknown word is
    served, numbers and an empty batch refused; saved_model_cli run and TFSMLayer agree."""
    from kerasgen.serving.verify import verify
    from tests.models.test_text2image import tiny_model

    model = tiny_model()
    path = export(model, str(tmp_path / "t2i"))
    report = verify(path)
    signatures = report["load"]["signatures"]
    assert set(signatures) == {"serving_default", "generate_from_text", "sample"}
    assert signatures["generate_from_text"]["images"] == {"dtype": "uint8",
                                                          "shape": [3, 16, 16, 3]}
    assert report["load"]["deterministic"]
    assert "text must hold at least one caption" in report["load"]["refused"]["empty_batch"]
    # Unknown words are named per caption (the toy vocabulary holds only "a" of the first
    # two), and a caption of unknown words only is refused, naming it.
    assert report["load"]["unknown_words"]["named"] == [
        ["smiling", "young", "woman", "with", "wavy", "blond", "hair"],
        ["this", "man", "has", "goatee", "and", "wears", "glasses"], ["zxqvword", "person"]]
    assert report["load"]["unknown_words"]["refused"] == (
        "each caption must hold at least one word of the vocabulary of the model")
    assert report["run"]["images"]["dtype"] == report["tfsmlayer"]["images"]["dtype"] == "uint8"
    # The README's REST body, fed as TF Serving's REST API converts it.
    import json
    import re

    readme = open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "docs",
                               "text2image.md")).read()
    section = readme[readme.index("## Serving"):]
    section = section[:section.index("\n## ", 5)]
    (body,) = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", section, re.S)]
    signature = tf.saved_model.load(path).signatures[body["signature_name"]]
    specs = signature.structured_input_signature[1]
    images = signature(**{k: tf.constant(v, specs[k].dtype)
                          for k, v in body["inputs"].items()})["images"]
    assert images.dtype == tf.uint8 and images.shape[0] == len(body["inputs"]["text"])
