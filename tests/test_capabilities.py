"""Each capability asked of every family that declares it, and a family that adds itself.

The toy family below exists only in this file: a Sampler and a DensityModel in a few lines.
It goes through `kerasgen train` -> `sample` -> `export --verify` -> `evaluate` with no
change anywhere else, which is what "a family adds itself" means.
"""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen import cli
from kerasgen import registry
from kerasgen.models import capabilities as caps
from tests import helpers
from tests.families import TINY

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# -- the toy family --------------------------------------------------------------------------
@registry.register_model("toy_pixels")
class ToyPixels(caps.Sampler, caps.DensityModel, keras.Model):
    """Independent Bernoulli pixels: p(x) = prod_i sigmoid(logit_i)^x_i (1 - ...)^(1 - x_i)."""

    binary = True

    def __init__(self, image_shape=(8, 8, 1), **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.logits = self.add_weight(shape=self.image_shape, initializer="zeros", name="logits")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.built = True  # its weights exist: `.keras` files and backups restore into them

    @property
    def metrics(self):
        return [self.loss_tracker]

    def log_prob(self, x, num_samples=None, **conditions):
        x = tf.cast(x, tf.float32)
        log_p = -tf.nn.sigmoid_cross_entropy_with_logits(
            labels=x, logits=tf.broadcast_to(self.logits, tf.shape(x)))
        return tf.reduce_sum(log_p, axis=[1, 2, 3])  # (B,)

    def generate(self, num_samples=None, seed=None, **options):
        seed = tf.constant([0 if seed is None else seed, 0]) if seed is None or isinstance(
            seed, int) else seed
        u = tf.random.stateless_uniform(tf.concat([[num_samples], self.image_shape], 0), seed)
        return tf.cast(u < tf.sigmoid(self.logits), tf.float32)

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(self.log_prob(data))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        self.loss_tracker.update_state(-tf.reduce_mean(self.log_prob(data)))
        return {"loss": self.loss_tracker.result()}

    def get_config(self):
        return dict(super().get_config(), image_shape=list(self.image_shape))


def test_a_family_defined_here_trains_samples_exports_and_evaluates(tmp_path, capfd):
    folder = helpers.write_idx_folder(str(tmp_path / "digits"), num_train=64, num_test=32,
                                      size=8)
    config = tmp_path / "toy.yaml"
    config.write_text(
        "name: toy\nmodel: {family: toy_pixels, args: {image_shape: [8, 8, 1]}}\n"
        f"data: {{source: idx, path: {folder}, binarize: true, batch_size: 16}}\n"
        "train: {epochs: 2, num_samples: 16, optimizer: {name: adam, learning_rate: 0.1}}\n")
    run = str(tmp_path / "run")
    assert cli.main(["train", str(config), "--output-dir", run, "--quiet"]) == 0
    assert os.path.getsize(os.path.join(run, "samples", "samples_latest.png")) > 0
    grid = str(tmp_path / "grid.png")
    assert cli.main(["sample", run, "--num", "9", "--out", grid]) == 0
    assert os.path.getsize(grid) > 0
    assert cli.main(["export", run, str(tmp_path / "served"), "--verify"]) == 0
    out = capfd.readouterr().out
    assert "signatures: serving_default, log_prob, sample" in out
    assert "Verified in fresh processes" in out
    report = str(tmp_path / "report.json")
    assert cli.main(["evaluate", run, "--metrics", "nll,kid", "--features", "pixels:8",
                     "--num-generated", "64", "--json", report, "--quiet"]) == 0
    import json

    metrics = json.load(open(report))["metrics"]
    # 64 binary pixels: at most 64 ln 2 = 44.4 nats for a model still at p = 1/2.
    assert 0 < metrics["nll_nats"] < 64 * np.log(2) and "kid_mean" in metrics


# -- every family, by capability -------------------------------------------------------------
def test_every_registered_family_has_a_tiny_instance():
    import kerasgen.models  # noqa: F401

    families = set(registry.MODELS.names()) - {"toy_pixels"}
    assert families == set(TINY), (
        f"tests/families.py lacks {sorted(families - set(TINY))} (or has stale "
        f"{sorted(set(TINY) - families)}): add a tiny instance of each registered family")


def _declaring(capability):
    return [name for name, build in TINY.items()
            if capability in _CAPABILITIES_OF.setdefault(name, caps.capabilities(build()))]


_CAPABILITIES_OF = {}


def _check_same_weights(a, b):
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_every_family_loads_after_a_bare_import(tmp_path):
    """Saved in this process, loaded in a fresh one after `import kerasgen` alone: every
    class is registered with Keras on import (KerasHub's habit), and the weights come back."""
    expected = {}
    for family, build in TINY.items():
        model = build()
        model.save(str(tmp_path / f"{family}.keras"))
        np.savez(str(tmp_path / f"{family}.npz"), *[np.asarray(w) for w in model.weights])
        expected[family] = type(model).__name__
    code = ("import sys, numpy as np, keras, kerasgen\n"
            "for family in sys.argv[1:]:\n"
            "    m = keras.saving.load_model(family + '.keras')\n"
            "    w = np.load(family + '.npz')\n"
            "    assert len(m.weights) == len(w.files), (family, len(m.weights))\n"
            "    for v, k in zip(m.weights, w.files):\n"
            "        np.testing.assert_array_equal(np.asarray(v), w[k])\n"
            "    print(family, type(m).__name__)\n")
    result = subprocess.run([sys.executable, "-c", code, *expected], capture_output=True,
                            text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
                                                PYTHONPATH=ROOT),
                            cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = dict(line.split() for line in result.stdout.strip().splitlines()[-len(expected):])
    assert loaded == expected


@pytest.mark.parametrize("family", ["vae", "cvae", "dcgan", "cgan", "gan", "text2image",
                                    "pixelcnn", "began", "progan", "stylegan",
                                    "independent_pixels"])
def test_samplers_preview_and_sample_by_seed(family):
    model = TINY[family]()
    assert isinstance(model, caps.Sampler)
    grid = model.preview(6, seed=3)
    assert grid.dtype == np.uint8 and grid.ndim == 3
    np.testing.assert_array_equal(grid, model.preview(6, seed=3))
    options = model.cycling_options(5)
    a = np.asarray(model.generate(5, seed=1, **options))
    assert a.shape[0] == 5 and a.min() >= 0.0 and a.max() <= 1.0
    if model.num_classes_declared:  # the count follows from the labels, names or ids
        names = model.class_names
        by_name = np.asarray(model.generate(labels=[names[1], names[2]], seed=1))
        by_id = np.asarray(model.generate(labels=[1, 2], seed=1))
        np.testing.assert_array_equal(by_name, by_id)
        with pytest.raises(ValueError, match="known classes: " + ", ".join(names)):
            model.generate(labels=["unicorn"], seed=1)


def test_sampler_families_are_the_ones_declaring_it():
    declared = set(_declaring("Sampler"))
    assert declared == {"vae", "cvae", "dcgan", "cgan", "gan", "text2image", "pixelcnn",
                        "began", "progan", "stylegan", "independent_pixels"}
    assert set(_declaring("Translator")) == {"pix2pix", "cyclegan"}
    assert set(_declaring("DensityModel")) == {"vae", "cvae", "pixelcnn",
                                               "independent_pixels"}
    assert set(_declaring("Completer")) == {"pixelcnn"}
    assert set(_declaring("Projector")) == {"stylegan"}


@pytest.mark.parametrize("family", ["vae", "cvae", "dcgan", "cgan", "pix2pix", "cyclegan",
                                    "text2image", "pixelcnn", "began", "progan", "stylegan",
                                    "independent_pixels"])
def test_exported_endpoints_answer_as_declared(family, tmp_path):
    """Every endpoint a model declares is written and answers a request built from its own
    signature (the checks `--verify` runs, here in this process)."""
    from kerasgen.serving import verify
    from kerasgen.serving.export import export

    model = TINY[family]()
    path = export(model, str(tmp_path / "m"))
    assert set(verify.signature_names(path)) == {"serving_default"} | set(
        model.serving_endpoints())
    workdir = tmp_path / "work"
    workdir.mkdir()
    report = verify._worker_load(path, str(workdir))
    assert set(report["signatures"]) == set(verify.signature_names(path))
    if model.num_classes_declared and model.class_names:  # names as well as ids
        assert report["class_names"] == model.class_names


@pytest.mark.parametrize("family", ["vae", "cvae", "pixelcnn", "independent_pixels"])
def test_density_models_score_images_in_nats(family):
    from kerasgen.evaluation.evaluate import negative_log_likelihood

    model = TINY[family]()
    side = model.image_shape[0]
    images = (np.random.default_rng(0).uniform(size=(6, side, side, 1)) * 255).astype(np.uint8)
    labels = np.arange(6) % 3 if model.num_classes_declared else None
    report = negative_log_likelihood(model, images, 4, labels=labels, verbose=False)
    assert report["nll_nats"] > 0
    assert report["bits_per_dim"] == pytest.approx(report["nll_nats"] / (side * side * np.log(2)))
    x = (images > 127) if model.binary else images / 255.0  # what it trains on
    bits = model.bits_per_dim(x.astype("float32"), num_samples=4,
                              **({"labels": labels} if labels is not None else {}))
    assert bits.shape == (6,)


def test_translators_preview_their_examples():
    for family in ("pix2pix", "cyclegan"):
        model = TINY[family]()
        assert model.preview(4, 0, None) is None  # nothing to show without examples
        sources = np.random.default_rng(0).uniform(size=(2, 16, 16, 1)).astype("float32")
        targets = np.random.default_rng(1).uniform(size=(2, 16, 16, 3)).astype("float32")
        grid = model.preview(4, 0, (sources, targets))
        assert grid.dtype == np.uint8 and grid.shape[-1] == 3


def test_kerasgen_help_imports_no_tensorflow():
    result = subprocess.run([sys.executable, "-c", "import sys, kerasgen_cli\n"
                             "try:\n    kerasgen_cli.main(['--help'])\nexcept SystemExit:\n"
                             "    pass\nprint('tensorflow' in sys.modules)"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_pipeline_code_never_asks_what_family_a_model_is():
    """Outside kerasgen/models/ nothing probes a model's attributes or checks its class or
    family name: training, serving, evaluation and the CLI ask for capabilities."""
    import re

    probes = re.compile(r"(hasattr|getattr)\((self\.)?model\b|isinstance\([^)]*\b("
                        + "|".join(sorted({type(TINY[f]()).__name__ for f in TINY}))
                        + r")\b|family (==|!=|in|not in) ")
    found = []
    for folder, _, files in os.walk(os.path.join(ROOT, "kerasgen")):
        if os.path.join("kerasgen", "models") in folder:
            continue
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                for number, line in enumerate(open(path), 1):
                    if probes.search(line):
                        found.append(f"{os.path.relpath(path, ROOT)}:{number}: {line.strip()}")
    for path in ("kerasgen_cli.py",):
        for number, line in enumerate(open(os.path.join(ROOT, path)), 1):
            if probes.search(line):
                found.append(f"{path}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_a_model_trained_on_class_folders_knows_its_class_names(tmp_path, capfd):
    """Class names come from the class subfolders, are saved in the model (not only in the
    run's config.yaml) and are what `kerasgen sample --label` and the served
    `sample_by_name` take; an unknown name is refused with the known ones."""
    from kerasgen import config as config_lib
    from kerasgen.training.train import train

    rng = np.random.default_rng(0)
    for name in ("cat", "dog", "ship"):
        os.makedirs(tmp_path / "img" / name)
        for i in range(8):
            tf.io.write_file(str(tmp_path / "img" / name / f"{i}.png"), tf.io.encode_png(
                rng.integers(0, 256, (8, 8, 1)).astype(np.uint8)))
    config = config_lib.from_dict(config_lib.ExperimentConfig, {
        "name": "named", "model": {"family": "cgan", "args": {
            "image_size": 8, "channels": 1, "latent_dim": 4, "generator_width": 4,
            "discriminator_width": 4, "num_classes": 3}},
        "data": {"source": "folder", "path": str(tmp_path / "img"), "image_size": 8,
                 "channels": 1, "labels": "inferred", "eval_split": None, "batch_size": 8},
        "train": {"epochs": 1, "output_dir": str(tmp_path / "run"), "num_samples": 6}})
    train(config, verbose=0)
    model = keras.saving.load_model(str(tmp_path / "run" / "model.keras"))
    assert model.class_names == ["cat", "dog", "ship"]
    out = str(tmp_path / "dogs.png")
    assert cli.main(["sample", str(tmp_path / "run"), "--label", "dog", "--label", "2",
                     "--num", "4", "--out", out]) == 0
    assert cli.main(["sample", str(tmp_path / "run"), "--label", "horse", "--out", out]) == 2
    assert "Unknown class name 'horse'; known classes: cat, dog, ship" in capfd.readouterr().err


@pytest.mark.parametrize("family", ["pixelcnn"])
def test_completers_keep_the_known_rows_and_write_grids(family, tmp_path, capsys):
    """`kerasgen sample MODEL --complete IMAGES --known-rows N`: one grid row per image
    (occluded | completions | input), the known rows kept in every completion."""
    from kerasgen.models.common import image_shape

    model = TINY[family]()
    h, w, c = image_shape(model)
    images = np.random.default_rng(0).integers(0, 256, (3, h, w, c)).astype("uint8")
    labels = {"labels": [0, 1, 2]} if model.num_classes_declared else {}
    done = np.asarray(model.complete(model.completion_input(images), 2, seed=4, **labels))
    seen = np.asarray(model.complete(model.completion_input(images), h))
    np.testing.assert_array_equal(done[:, :2], seen[:, :2])
    assert done.shape == images.shape and 0 <= done.min() and done.max() <= 1
    grid = model.completion_grid(images, 2, completions=3, seed=4, **labels)
    assert grid.shape[:2] == (3 * (h + 2) + 2, 5 * (w + 2) + 2)
    model.save(str(tmp_path / "m.keras"))
    np.savez(tmp_path / "x.npz", images=images)
    flags = sum((["--label", str(i)] for i in range(3)), []) if labels else []
    code = cli.main(["sample", str(tmp_path / "m.keras"), "--complete",
                     str(tmp_path / "x.npz"), "--known-rows", "2", "--completions", "3",
                     "--num", "2", "--out", str(tmp_path / "g.png"), *flags])
    assert code in (0, None)
    written = tf.io.decode_png(tf.io.read_file(str(tmp_path / "g.png"))).numpy()
    assert written.shape[:2] == (2 * (h + 2) + 2, 5 * (w + 2) + 2)
    assert "occluded | completions | input" in capsys.readouterr().out
    code = cli.main(["sample", str(tmp_path / "m.keras"), "--complete",
                     str(tmp_path / "x.npz"), "--out", str(tmp_path / "g.png")])
    assert code not in (0, None)
    assert "--complete needs --known-rows" in capsys.readouterr().err


@pytest.mark.parametrize("family", ["stylegan"])
def test_projectors_find_latents_of_their_own_images(family):
    """A few steps in the default space, one image at a time, with a feature extractor's maps
    in the distance: the latents, images of the targets' shape in [0, 1], per-image distances,
    the target | projection grid; the model's own weights stay as they were."""
    from kerasgen.models.common import image_shape

    model = TINY[family]()
    before = [np.array(w) for w in model.weights]
    h, w, c = image_shape(model)
    targets = np.round(np.asarray(model.generate(2, seed=1)) * 255).astype(np.uint8)
    perceptual = caps.FeatureExtractor  # the kind of network `perceptual` is
    net = helpers.tiny_classifier(size=h)
    assert isinstance(net, perceptual) and net.image_shape[-1] == c
    found = model.project(targets, steps=2, perceptual=net, seed=0, batch_size=1)  # 2 batches
    assert isinstance(found, caps.Projection) and found.space == model.projection_spaces[0]
    assert len(found.latents) == 2 and found.images.shape == targets.shape
    assert 0.0 <= found.images.min() and found.images.max() <= 1.0
    assert {"mse", "psnr", "perceptual"} <= set(found.distances)
    assert all(np.shape(v) == (2,) and np.isfinite(v).all() for v in found.distances.values())
    grid = model.projection_grid(targets, found)
    assert grid.dtype == np.uint8 and grid.shape == (h + 4, 4 * (w + 2) + 2, c)
    for a, b in zip(before, model.weights):
        np.testing.assert_array_equal(a, np.array(b))


SCALAR_OPTIONS = ("temperature", "truncation")


def test_families_with_scalar_sampling_options_are_listed_below():
    declaring = {name for name, build in TINY.items()
                 if set(getattr(build(), "sampling_options", ())) & set(SCALAR_OPTIONS)}
    assert declaring == {"pixelcnn", "stylegan"}


@pytest.mark.parametrize("family", ["pixelcnn", "stylegan"])
def test_scalar_sampling_options_reach_every_batch(family, tmp_path, capsys):
    """`kerasgen sample --temperature 0.9` (or --truncation): one value for all samples, in
    every batch of a run longer than one batch."""
    model = TINY[family]()
    path = str(tmp_path / "m.keras")
    model.save(path)
    for option in set(model.sampling_options) & set(SCALAR_OPTIONS):
        out = str(tmp_path / f"{option}.npz")
        assert cli.main(["sample", path, f"--{option}", "0.9", "--num", "300", "--out", out,
                         "--quiet"]) in (0, None), capsys.readouterr().err
        assert np.load(out)["images"].shape[0] == 300
