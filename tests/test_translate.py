"""pix2pix in use: translation scores, `kerasgen translate`, the SavedModel translate
signature and its fresh-process checks, `kerasgen evaluate` on a translator run."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen import cli
from kerasgen.serving.export import export
from kerasgen.metrics.translation import evaluate_translation
from kerasgen.metrics.translation import identity
from kerasgen.metrics.translation import pair_scores
from kerasgen.models import Pix2Pix
from tests import helpers


def tiny_pix2pix(source_channels=1):
    keras.utils.set_random_seed(0)
    model = Pix2Pix(image_size=16, source_channels=source_channels, generator_width=4,
                    discriminator_width=8, patch_size=16)
    model.compile()
    return model


def test_pair_scores_on_known_images():
    target = np.full((2, 16, 16, 3), 0.5, np.float32)
    same = pair_scores(target, target)
    assert same["l1"].tolist() == [0.0, 0.0] and same["psnr"].tolist() == [60.0, 60.0]
    np.testing.assert_allclose(same["ssim"], 1.0, atol=1e-6)
    off = pair_scores(target + 0.1, target)
    np.testing.assert_allclose(off["l1"], 0.1, atol=1e-6)
    np.testing.assert_allclose(off["psnr"], 20.0, atol=1e-3)  # 10 log10(1 / 0.01)
    grey = np.full((2, 16, 16, 1), 128, np.uint8)
    colour = np.repeat(grey, 3, -1)
    scores = evaluate_translation(lambda x: identity(x, 3), grey, colour, ("l1", "ssim"),
                                  verbose=False)
    assert scores["l1"] == 0.0 and scores["ssim"] == pytest.approx(1.0, abs=1e-6)


def test_cycle_scores_tell_a_code_in_the_finest_pixels_from_visible_content():
    from kerasgen.metrics.translation import cycle_scores

    sources = np.full((2, 16, 16, 1), 0.5, np.float32)
    rows, cols = np.indices((16, 16))
    checker = np.where((rows + cols) % 2, 0.2, -0.2).astype(np.float32)[None, :, :, None]
    coded = sources + checker  # the source plus a pattern one pixel wide
    targets = sources + 0.1
    scores = cycle_scores(lambda y: y, sources, coded, targets)  # "back" copies its input
    np.testing.assert_allclose(scores["cycle_l1"], 0.2, atol=1e-6)
    assert (scores["cycle_l1_blurred"] < 0.05).all()  # a 3x3 blur all but removes it
    np.testing.assert_allclose(scores["back_from_target_l1"], 0.1, atol=1e-6)
    shifted = sources + 0.2  # visible content: a blur keeps it
    np.testing.assert_allclose(cycle_scores(lambda y: y, sources, shifted, targets)[
        "cycle_l1_blurred"], 0.2, atol=1e-6)
    grey = (sources * 255).astype(np.uint8)
    with pytest.raises(ValueError, match="'cycle' scores a translator that also translates"):
        evaluate_translation(lambda x: x, grey, grey, ("l1", "cycle"), verbose=False)


def test_deterministic_generator_shares_weights_and_drops_dropout():
    model = tiny_pix2pix()
    x = np.random.default_rng(0).uniform(0, 1, (2, 16, 16, 1)).astype("float32")
    a, b = model.translate(x, stochastic=False), model.translate(x, stochastic=False)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(model.translate(x), model.translate(x))
    model.generator.weights[0].assign(model.generator.weights[0] * 2.0)  # weights follow
    assert not np.array_equal(model.translate(x, stochastic=False), a)


def write_png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tf.io.write_file(path, tf.io.encode_png(np.asarray(array, np.uint8)))


def test_cli_translate_keeps_each_input_size(tmp_path, capfd, monkeypatch):
    from kerasgen.evaluation import loading

    model = tiny_pix2pix()
    monkeypatch.setattr(loading, "load_model", lambda spec: (model, {}, None))
    write_png(str(tmp_path / "in" / "a.png"), np.zeros((37, 53, 3)))
    write_png(str(tmp_path / "in" / "sub" / "b.png"), np.zeros((20, 20, 1)))
    write_png(str(tmp_path / "c.png"), np.zeros((90, 30, 3)))
    code = cli.main(["translate", "m", str(tmp_path / "in"), str(tmp_path / "*.png"), "--out",
                     str(tmp_path / "out"), "--quiet"])
    assert code == 0, capfd.readouterr().err
    sizes = {name: tf.io.decode_png(tf.io.read_file(str(tmp_path / "out" / name))).shape
             for name in sorted(os.listdir(tmp_path / "out"))}
    assert sizes == {"a.png": (37, 53, 3), "b.png": (20, 20, 3), "c.png": (90, 30, 3)}
    code = cli.main(["translate", "m", str(tmp_path / "nothing*.jpg"), "--out",
                     str(tmp_path / "o2")])
    assert code == 2 and "neither an image file, a folder nor a glob" in capfd.readouterr().err


def test_translate_export_serves_odd_sizes_and_passes_the_fresh_process_checks(tmp_path):
    from kerasgen.serving.verify import verify

    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = tiny_pix2pix()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    path = export(model, str(tmp_path / "m"))
    loaded = tf.saved_model.load(path)
    assert set(loaded.signatures) == {"serving_default", "translate"}
    images = np.random.default_rng(0).integers(0, 256, (2, 37, 53, 1)).astype("uint8")
    out = loaded.signatures["translate"](images=tf.constant(images))["images"]
    assert out.dtype == tf.uint8 and out.shape == (2, 37, 53, 3)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"images must have shape \(batch, height, width, 1\) uint8"):
        loaded.signatures["translate"](images=tf.zeros((1, 8, 8, 3), tf.uint8))
    report = verify(path)
    assert report["load"]["size"] == {"in": [3, 37, 53, 1], "out": [3, 37, 53, 3]}
    assert report["load"]["deterministic"]
    assert report["load"]["refused"]["wrong_channels"].startswith("images must have shape")
    assert set(report["show"]["signatures"]) == {"serving_default", "translate"}
    assert report["run"]["images"]["shape"] == [3, 37, 53, 3]


def test_cli_evaluate_scores_a_translator_run_beside_the_identity_baseline(tmp_path, capfd):
    from kerasgen.training.train import train

    folder = tmp_path / "faces"
    rng = np.random.default_rng(0)
    for i in range(24):
        write_png(str(folder / f"{i:03d}.png"), rng.integers(0, 255, (20, 20, 3)))
    config = helpers.tiny_pix2pix_config("pix2pix_colorize_faces.yaml", folder,
                                         tmp_path / "run", batch_size=8)
    train(config, verbose=0)
    # pixels:8 (192 features): the default for these faces, pixels:32, costs two 3072-dim
    # matrix square roots, minutes on 2 cores, for nothing this test checks.
    code = cli.main(["evaluate", str(tmp_path / "run"), "--quiet", "--features", "pixels:8",
                     "--json", str(tmp_path / "r.json")])
    out, err = capfd.readouterr()
    assert code == 0, err
    import json

    report = json.load(open(tmp_path / "r.json"))
    metrics = report["metrics"]
    for name in ("model", "identity"):
        for metric in ("l1", "psnr", "ssim", "fid", "kid_mean"):
            assert np.isfinite(metrics[f"{name}.{metric}"]), (name, metric)
    assert "8 held-out pairs" in report["protocol"]["pairs"]
    assert report["protocol"]["features"]["name"] == "pixels:8"


def test_readme_translate_body_matches_the_exported_signature(tmp_path):
    import json
    import re

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    readme = open(os.path.join(root, "docs", "pix2pix.md")).read()
    section = readme[readme.index("## Serving"):]
    section = section[:section.index("\n## ", 5)]
    (body,) = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", section, re.S)]
    loaded = tf.saved_model.load(export(tiny_pix2pix(), str(tmp_path / "m")))
    signature = loaded.signatures[body["signature_name"]]
    images = signature(images=tf.constant(body["inputs"]["images"], tf.uint8))["images"]
    assert images.dtype == tf.uint8 and images.shape == (2, 2, 2, 3)
