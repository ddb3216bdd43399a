import glob
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kerasgen import config as config_lib
from kerasgen.training.train import train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERASGEN = [sys.executable, "-m", "kerasgen.cli"]


def tiny_overrides(out):
    return [f"train.output_dir={out}", "train.epochs=2", "train.steps_per_epoch=3",
            "train.num_samples=16", "data.stop=512", "data.batch_size=16",
            "model.args.generator_width=8", "model.args.discriminator_width=8",
            "train.mixed_precision=float32",
            "train.metrics_every_epochs=null"]  # sample-quality metrics have their own tests


def scalar_and_image_tags(log_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    tags = {"scalars": set(), "images": set(), "tensors": set()}
    for events in glob.glob(os.path.join(log_dir, "**", "events.*"), recursive=True):
        acc = EventAccumulator(events, size_guidance={"tensors": 0, "scalars": 0})
        acc.Reload()
        for kind in tags:
            tags[kind] |= set(acc.Tags().get(kind, []))
    return tags


def test_cli_train_writes_config_logs_samples_and_model(data_dir, tmp_path):
    out = tmp_path / "run"
    # The first stage of configs/dcgan_mnist.yaml as a config of its own (the file's stages
    # have their own tests in test_stages.py).
    plain = str(tmp_path / "dcgan_mnist.yaml")
    config_lib.save(config_lib.load(os.path.join(ROOT, "configs", "dcgan_mnist.yaml")), plain)
    cmd = KERASGEN + ["train", plain, "--quiet"]
    for item in tiny_overrides(out):
        cmd += ["--set", item]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    saved = config_lib.load(str(out / "config.yaml"))
    assert saved.train.epochs == 2 and saved.model.family == "dcgan"
    assert (out / "samples" / "samples_epoch_0002.png").exists()
    assert (out / "model.keras").exists()
    tags = scalar_and_image_tags(str(out / "logs"))
    names = tags["scalars"] | tags["tensors"]
    for metric in ("d_loss", "g_loss", "real_score", "fake_score"):
        assert f"epoch_{metric}" in names, names
    assert "samples" in tags["images"] | tags["tensors"]
    grid = out / "grid.png"
    result = subprocess.run(KERASGEN + ["sample", str(out / "model.keras"), "--num", "9",
                                        "--out", str(grid)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_reports_bad_config_keys(tmp_path):
    result = subprocess.run(KERASGEN + ["train", os.path.join(ROOT, "configs", "vae_mnist.yaml"),
                                        "--set", "train.learning_rate=0.1"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "train.learning_rate" in result.stderr
    assert subprocess.run(KERASGEN + ["--help"], capture_output=True).returncode == 0
    help_text = subprocess.run(KERASGEN + ["train", "--help"], capture_output=True, text=True)
    assert "--set" in help_text.stdout


class Crash(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.g_optimizer.iterations) == 5:
            raise RuntimeError("simulated crash")


def crash_then_resume(tmp_path, checkpoint_every_steps, extra=()):
    """A 3-epoch, 3-steps-per-epoch DCGAN run that crashes at step 5 (in epoch 2), then the
    same run again, which resumes from the backup; returns (model, history) of the rerun."""
    overrides = tiny_overrides(tmp_path / "run") + [
        "train.epochs=3", f"train.checkpoint_every_steps={checkpoint_every_steps}", *extra]
    config = config_lib.load(os.path.join(ROOT, "configs", "dcgan_mnist.yaml"), overrides)
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(config, verbose=0, callbacks=[Crash()])
    return train(config, verbose=0)


def test_interrupted_run_resumes_model_and_optimizers(data_dir, tmp_path):
    # Backups were written at steps 2, 3 (epoch end), 4 before the crash at step 5.
    model, history = crash_then_resume(tmp_path, checkpoint_every_steps=2)
    assert len(history.history["g_loss"]) == 2  # epochs 2 and 3 only: epoch 1 was kept
    # Epoch 2 went on after the step-4 backup (its steps 2-3), then epoch 3: 9 steps in all.
    assert int(model.g_optimizer.iterations) == 3 + 1 + 2 + 3
    assert int(model.d_optimizer.iterations) == 3 + 1 + 2 + 3
    assert np.isfinite(history.history["d_loss"]).all()


def test_a_run_resumed_mid_epoch_ends_as_the_uninterrupted_run_did(data_dir, tmp_path):
    # With the data in a fixed order (no shuffle), the resumed run is the run that was never
    # interrupted: the weights and optimizer states of step 4, the latents the random states
    # restored with them draw (in a process whose SeedGenerator has another name), then steps
    # 5-9 on the batches that run saw. (Shuffled, the steps after the interrupted epoch see
    # the stream's next permutations instead, as a new pass over the data would.)
    fixed = ["data.shuffle_buffer=1"]
    model, _ = crash_then_resume(tmp_path, checkpoint_every_steps=2, extra=fixed)
    config = config_lib.load(os.path.join(ROOT, "configs", "dcgan_mnist.yaml"),
                             tiny_overrides(tmp_path / "whole") + ["train.epochs=3"] + fixed)
    whole, _ = train(config, verbose=0)
    for resumed, expected in zip(model.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(resumed, expected, rtol=1e-6, atol=1e-7)


def test_the_run_end_statistics_use_train_run_end_steps_batches(data_dir, tmp_path, monkeypatch):
    from kerasgen.models import training

    counted = []
    precise = training.precise_batch_norm

    def counting(network, batches):
        counted.append(precise(network, batches))
        return counted[-1]

    monkeypatch.setattr(training, "precise_batch_norm", counting)
    config = config_lib.load(os.path.join(ROOT, "configs", "dcgan_mnist.yaml"),
                             tiny_overrides(tmp_path / "run") + ["train.epochs=1",
                                                                 "train.run_end_steps=3"])
    model, _ = train(config, verbose=0)
    assert counted == [3, 3]  # the generator and its EMA copy, 3 batches each


def test_epochs_shorter_than_the_backup_cadence_are_still_backed_up(data_dir, tmp_path):
    # 100 steps were never reached before the crash, but epoch 1 ended at step 3.
    model, history = crash_then_resume(tmp_path, checkpoint_every_steps=100)
    assert len(history.history["g_loss"]) == 2  # resumed at epoch 2, epoch 1 not redone
    assert int(model.g_optimizer.iterations) == 3 + 6
