"""Every CLI failure is one `error: ...` line naming what was received and what was expected,
a non-zero exit, and no traceback (unless --debug)."""

import json
import os
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from kerasgen import cli
from kerasgen import registry as presets  # the zoo entries each family registers
from tests import helpers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VAE = os.path.join(ROOT, "configs", "vae_mnist.yaml")


def run_cli(capfd, *argv):
    code = cli.main(list(argv))
    out, err = capfd.readouterr()
    return code, out, err


def crafted_keras(tmp_path):
    """A .keras file whose config names a class outside Keras (subprocess.Popen)."""
    good = str(tmp_path / "good.keras")
    helpers.tiny_classifier().save(good)
    crafted = str(tmp_path / "crafted.keras")
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(crafted, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                config.update(module="subprocess", class_name="Popen", registered_name=None)
                data = json.dumps(config).encode()
            zout.writestr(item, data)
    return crafted


@pytest.fixture
def no_zoo(tmp_path, monkeypatch):
    """The zoo with no local artifacts and a mirror that lacks every file."""
    monkeypatch.setenv("KERASGEN_ZOO_DIR", str(tmp_path / "empty_zoo"))
    monkeypatch.setenv("KERASGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERASGEN_ZOO_URL", (tmp_path / "mirror").as_uri())
    (tmp_path / "mirror").mkdir()


def test_bad_input_sweep_prints_one_error_line_and_no_traceback(tmp_path, capfd, no_zoo):
    small = tmp_path / "three"
    for i in range(3):
        os.makedirs(small, exist_ok=True)
        (small / f"{i}.png").write_bytes(_png())
    cases = [
        (["sample", "dcgan_mnist"], "Could not download file://.*dcgan_mnist.keras"),
        (["train", VAE, "--set", "model.args.latent_dim=[1,"], "not valid YAML"),
        (["train", VAE, "--set", "data.shuffle_buffer=-1"],
         "data.shuffle_buffer: must be >= 1; received -1"),
        (["train", VAE, "--set", "train.steps_per_epoch=-2"], "train.steps_per_epoch"),
        (["train", VAE, "--set", "model.args.latent_dim=0", "--output-dir", str(tmp_path / "r")],
         "model.args.latent_dim: must be a positive integer; received 0"),
        (["train", os.path.join(ROOT, "configs", "dcgan_celeba_64.yaml"), "--set",
          f"data.path={small}", "--output-dir", str(tmp_path / "r2")],
         "3 training image.* fewer than one batch of 64"),
        (["train", str(tmp_path / "missing.yaml")], "missing.yaml' does not exist"),
        (["train", str(tmp_path)], "expected a YAML text file"),
        (["sample", "x", "--num", "-5"], "--num must be >= 1; received -5"),
        (["sample", "x", "--num", "0"], "--num must be >= 1; received 0"),
        (["sample", crafted_keras(tmp_path)], "cannot load it as a Keras model .*'Popen'"),
        (["sample", str(tmp_path / "nope.keras")], "does not exist"),
        (["sample", "no_such_model"], "Unknown zoo model 'no_such_model'. Known: "),
        (["evaluate", "x", "--num-generated", "0"], "--num-generated must be >= 1"),
        (["project", "x", "y", "--out", str(tmp_path / "p"), "--steps", "0"],
         "--steps must be >= 1; received 0"),
        (["project", str(tmp_path / "good.keras"), str(small), "--out", str(tmp_path / "p")],
         "good.keras \\(Classifier: FeatureExtractor\\) does not project images; families "
         "that do: stylegan"),
    ]
    for argv, message in cases:
        code, out, err = run_cli(capfd, *argv)
        assert code != 0, (argv, out, err)
        # One error line, after any `warning: ` lines (e.g. a slow mixed-precision policy).
        lines = [line for line in err.splitlines() if not line.startswith("warning: ")]
        assert lines and lines[0].startswith("error: ") and "Traceback" not in err, (argv, err)
        assert __import__("re").search(message, err), (argv, err)


def test_a_cached_copy_that_fails_verification_is_reported_as_such(tmp_path, monkeypatch,
                                                                     capfd, no_zoo):
    from kerasgen.zoo.package import package

    _, sha, size = package(helpers.tiny_classifier(), "tiny", str(tmp_path / "served"))
    monkeypatch.setitem(presets.PRESETS, "tiny", {
        "family": "classifier", "artifact": "tiny/tiny.keras", "sha256": sha, "bytes": size})
    monkeypatch.delenv("KERASGEN_ZOO_URL")
    cached = tmp_path / "home" / "zoo" / "tiny" / "tiny.keras"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"tampered")
    code, _, err = run_cli(capfd, "sample", "tiny")
    assert code == 2 and not cached.exists()
    assert "failed verification" in err and "was removed" in err and "Traceback" not in err


def test_unexpected_errors_suggest_debug_and_debug_shows_the_traceback(monkeypatch, capfd):
    def boom(args):
        raise RuntimeError("something odd")

    from kerasgen import commands

    monkeypatch.setattr(commands, "sample", boom)
    code, _, err = run_cli(capfd, "sample", "x")
    assert code == 1 and "RuntimeError: something odd" in err and "--debug" in err
    with pytest.raises(RuntimeError, match="something odd"):
        cli.main(["sample", "x", "--debug"])


def test_sample_writes_large_counts_in_bounded_batches(tmp_path, capfd, monkeypatch):
    from kerasgen.evaluation import loading
    from kerasgen.images import MAX_GRID_SAMPLES
    from kerasgen.images import to_uint8
    from kerasgen.models import ConditionalGAN

    model = ConditionalGAN(num_classes=3, image_size=16, channels=1, latent_dim=4,
                           generator_width=4, discriminator_width=4)
    sizes = []
    generate = model.generate

    def counting(n, **kwargs):
        sizes.append(n)
        return generate(n, **kwargs)

    model.generate = counting
    monkeypatch.setattr(loading, "load_model", lambda spec: (model, {}, None))
    code, _, err = run_cli(capfd, "sample", "m", "--num", "600", "--out",
                           str(tmp_path / "s.npz"), "--quiet")
    assert code == 0, err
    assert max(sizes) == 256 and sum(sizes) == 600
    with np.load(tmp_path / "s.npz") as saved:
        images, labels = saved["images"], saved["labels"]
    assert images.shape == (600, 16, 16, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(labels[:6], [0, 1, 2, 0, 1, 2])
    first = to_uint8(generate(256, seed=0, labels=np.arange(256) % 3)).numpy()
    np.testing.assert_array_equal(images[:256], first)
    code, _, _ = run_cli(capfd, "sample", "m", "--num", "5", "--out", str(tmp_path / "pngs"))
    assert code == 0 and sorted(os.listdir(tmp_path / "pngs"))[-1] == "000004.png"
    code, _, err = run_cli(capfd, "sample", "m", "--num", str(MAX_GRID_SAMPLES + 1),
                           "--out", str(tmp_path / "g.png"))
    assert code == 2 and "at most 1024" in err and ".npz" in err


def test_help_is_instant_and_start_up_noise_is_silenced():
    start = time.time()
    result = subprocess.run([sys.executable, "-m", "kerasgen_cli", "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and time.time() - start < 5  # was 15 s
    # The parser lives outside the package: importing it does not import the library.
    check = subprocess.run([sys.executable, "-c", "import sys, kerasgen_cli; "
                            "print('tensorflow' in sys.modules)"], capture_output=True,
                           text=True)
    assert check.stdout.strip() == "False"
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    result = subprocess.run([sys.executable, "-m", "kerasgen_cli", "train", "missing.yaml"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: Config file 'missing.yaml' does not exist."]


def _png():
    import tensorflow as tf

    return tf.io.encode_png(np.zeros((64, 64, 3), np.uint8)).numpy()


def test_export_summary_of_a_text_to_image_model(monkeypatch, capfd, tmp_path):
    """The summary names the string signature, prints a string request and reports the text
    checks (it once read the image models' report keys and stopped after a passed check). The
    export is real; the fresh-process checks are the report of a verified one."""
    from kerasgen.evaluation import loading
    from kerasgen.serving import verify as export_verify
    from tests.models.test_text2image import tiny_model

    monkeypatch.setattr(loading, "load_model", lambda spec: (tiny_model(), {}, None))
    report = {"load": {"signatures": {"serving_default": {}, "generate_from_text": {},
                                      "sample": {}},
                       "caption_changes_image": True,
                       "refused": {"numbers_for_text": "expected a string tensor",
                                   "empty_batch": "text must hold at least one caption"}}}
    monkeypatch.setattr(export_verify, "verify", lambda path: report)
    code, out, err = run_cli(capfd, "export", "m", str(tmp_path), "--verify")
    assert code == 0, err
    assert "signatures: serving_default, generate_from_text, sample" in out
    request = json.loads(out.split("curl -s -X POST -d '")[1].split("'")[0])
    assert request["signature_name"] == "generate_from_text"
    assert isinstance(request["inputs"]["text"][0], str)
    assert "strings in, another caption changes the image" in out
    assert "text must hold at least one caption" in out
