"""Nothing lost, nothing silent: crash-safe backups, the non-finite guard, runs that would
not train, and the data mistakes that used to pass without a word."""

import json
import os
import shutil
import warnings

import keras
import numpy as np
import pytest

from kerasgen import config as config_lib
from kerasgen.training.callbacks import EpochAndStepBackup
from kerasgen.training.callbacks import TrainingClock
from kerasgen.training.callbacks import TrainingDiverged
from kerasgen.training.train import train
from kerasgen.zoo.artifacts import sha256_file
from kerasgen.zoo.curve import read_scalars
from tests import helpers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def vae_config(tmp_path, *overrides):
    """configs/vae_mnist.yaml shrunk to seconds, on a synthetic idx folder."""
    folder = tmp_path / "idx"
    if not folder.exists():
        helpers.write_idx_folder(str(folder), num_train=96, num_test=32)
    return config_lib.load(os.path.join(ROOT, "configs", "vae_mnist.yaml"), [
        f"data.path={folder}", "data.batch_size=16", "data.eval_split=null",
        "model.args.hidden_dims=[8, 8]", "model.args.latent_dim=4", "train.epochs=2",
        "train.steps_per_epoch=3", "train.checkpoint_every_steps=2", "train.num_samples=4",
        f"train.output_dir={tmp_path / 'run'}", *overrides])


def backup_files(run):
    return {name: sha256_file(os.path.join(run, "backup", name))
            for name in sorted(os.listdir(os.path.join(run, "backup")))
            if not os.path.isdir(os.path.join(run, "backup", name))}


# -- 1. backups ----------------------------------------------------------------------------
def test_a_backup_cut_off_mid_write_falls_back_to_the_previous_one(tmp_path):
    config = vae_config(tmp_path)
    train(config, verbose=0)
    backup = tmp_path / "run" / "backup"
    meta = json.loads((backup / "training_metadata.json").read_text())
    previous = json.loads((backup / "previous_training_metadata.json").read_text())
    # The last backup is epoch 2's end; the one before, step 3 of epoch 2 (Keras records the
    # epoch in progress as 1 completed epoch, so resuming from it redoes epoch 2).
    assert (meta["epoch"], meta["batch"]) == (2, 0)
    assert (previous["epoch"], previous["batch"]) == (1, 2)
    # Only a backup from inside an epoch carries the step counts at that epoch's start.
    assert "epoch_start_steps" not in meta and previous["epoch_start_steps"] == {"optimizer": 3}
    latest = backup / "latest.weights.h5"
    latest.write_bytes(latest.read_bytes()[: latest.stat().st_size // 2])  # killed mid-write
    config = vae_config(tmp_path, "train.epochs=3")
    with pytest.warns(UserWarning, match="damaged .*sha256 does not match.*resumed from the "
                                         "previous backup instead \\(epoch 1\\)"):
        model, history = train(config, verbose=0)
    assert len(history.history["loss"]) == 2  # epochs 2 and 3, from the previous backup
    # That backup was written inside epoch 2, which restarts from its first batch, and so
    # does the step count: 3 steps of epoch 1, then 3 each of epochs 2 and 3.
    assert int(model.optimizer.iterations) == 3 + 6


def test_epoch_end_backups_resume_with_the_step_counts_they_saved(tmp_path):
    train(vae_config(tmp_path, "train.checkpoint_every_steps=null"), verbose=0)
    meta = json.loads((tmp_path / "run" / "backup" / "training_metadata.json").read_text())
    assert (meta["epoch"], meta["batch"]) == (2, 0) and "epoch_start_steps" not in meta
    model, history = train(vae_config(tmp_path, "train.checkpoint_every_steps=null",
                                      "train.epochs=3"), verbose=0)
    assert len(history.history["loss"]) == 1 and int(model.optimizer.iterations) == 9


class CrashInEpoch(keras.callbacks.Callback):
    """Raises after batch `batch` of epoch `epoch` (0-based), after that batch's backup."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.epoch, self.batch, self._now = epoch, batch, None

    def on_epoch_begin(self, epoch, logs=None):
        self._now = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self._now, batch) == (self.epoch, self.batch):
            raise RuntimeError("simulated crash")


def test_a_resumed_run_killed_before_its_first_epoch_end_resumes_that_epoch(tmp_path):
    train(vae_config(tmp_path, "train.epochs=1"), verbose=0)
    # Resumed at epoch 2, killed in it after the backup of its second step.
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(vae_config(tmp_path, "train.epochs=3"), verbose=0,
              callbacks=[CrashInEpoch(epoch=1, batch=1)])
    meta = json.loads((tmp_path / "run" / "backup" / "training_metadata.json").read_text())
    assert (meta["epoch"], meta["batch"]) == (1, 1)  # it recorded 0, so the run restarted
    model, history = train(vae_config(tmp_path, "train.epochs=3"), verbose=0)
    assert len(history.history["loss"]) == 2  # epochs 2 and 3
    assert int(model.optimizer.iterations) == 9


class CrashAtStep(keras.callbacks.Callback):
    """Counts the steps this fit trains; raises after the optimizer's step `step` (after that
    step's backup)."""

    def __init__(self, step=None):
        super().__init__()
        self.step, self.trained = step, 0

    def on_train_batch_end(self, batch, logs=None):
        self.trained += 1
        if int(self.model.optimizer.iterations) == self.step:
            raise RuntimeError("simulated crash")


def test_a_run_killed_mid_epoch_goes_on_from_its_backup_without_redoing_the_epoch(tmp_path):
    # Epochs are passes over the 96 images (6 steps of 16); a backup every 2 steps.
    config = vae_config(tmp_path, "train.steps_per_epoch=null", "train.epochs=3")
    backup = tmp_path / "run" / "backup" / "training_metadata.json"
    first = CrashAtStep(9)  # after the backups of steps 2, 4, 6 (epoch 1's end) and 8
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(config, verbose=0, callbacks=[first])
    meta = json.loads(backup.read_text())
    assert (meta["epoch"], meta["batch"], meta["steps_into_epoch"]) == (1, 1, 2)
    # Killed again in the epoch it went on with: its backup counts from the epoch's start.
    second = CrashAtStep(11)
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(config, verbose=0, callbacks=[second])
    assert second.trained == 3  # steps 9-11: only step 9, lost with the first crash, again
    meta = json.loads(backup.read_text())
    assert (meta["epoch"], meta["batch"], meta["steps_into_epoch"]) == (1, 3, 4)
    assert meta["epoch_start_steps"] == {"optimizer": 6}
    last = CrashAtStep()
    model, history = train(config, verbose=0, callbacks=[last])
    assert last.trained == 2 + 6  # steps 11-12 of epoch 2, then epoch 3 (Keras' way: 6 + 6)
    assert len(history.history["loss"]) == 2 and int(model.optimizer.iterations) == 18
    meta = json.loads(backup.read_text())
    assert (meta["epoch"], meta["batch"], meta["steps_into_epoch"]) == (3, 0, 0)


def test_a_truncated_backup_without_checksum_still_falls_back(tmp_path):
    # Backups written before checksums were recorded: loading itself must fail over.
    train(vae_config(tmp_path), verbose=0)
    backup = tmp_path / "run" / "backup"
    for name in ("training_metadata.json", "previous_training_metadata.json"):
        meta = json.loads((backup / name).read_text())
        del meta["weights_sha256"]
        (backup / name).write_text(json.dumps(meta))
    latest = backup / "latest.weights.h5"
    latest.write_bytes(latest.read_bytes()[:5000])
    with pytest.warns(UserWarning, match="damaged"):
        model, _ = train(vae_config(tmp_path, "train.epochs=3"), verbose=0)
    assert int(model.optimizer.iterations) == 9  # from the previous backup, as above


def test_a_crash_between_write_and_rename_leaves_the_last_backup_intact(tmp_path, monkeypatch):
    train(vae_config(tmp_path), verbose=0)
    run = str(tmp_path / "run")
    before = backup_files(run)
    real_replace = os.replace

    def crash(src, dst):
        if ".incoming-" in src and dst.endswith("latest.weights.h5"):
            raise OSError("simulated kill between write and rename")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated kill"):
        train(vae_config(tmp_path, "train.epochs=3"), verbose=0)
    monkeypatch.setattr(os, "replace", real_replace)
    after = backup_files(run)
    assert after["latest.weights.h5"] == before["latest.weights.h5"]
    assert not [n for n in os.listdir(os.path.join(run, "backup")) if "incoming" in n]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the backup is whole: no fallback
        model, history = train(vae_config(tmp_path, "train.epochs=3"), verbose=0)
    assert int(model.optimizer.iterations) == 9


def test_when_no_backup_loads_the_run_starts_afresh_and_says_so(tmp_path):
    train(vae_config(tmp_path), verbose=0)
    backup = tmp_path / "run" / "backup"
    for name in ("latest.weights.h5", "previous.weights.h5"):
        (backup / name).write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    with pytest.warns(UserWarning, match="No backup .* could be restored.*from scratch"):
        model, history = train(vae_config(tmp_path), verbose=0)
    assert len(history.history["loss"]) == 2
    assert (backup / "damaged" / "latest.weights.h5").exists()


def test_the_backup_callback_rotates_by_rename(tmp_path):
    callback = EpochAndStepBackup(str(tmp_path / "b"), save_freq=1)
    model = helpers.tiny_classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(np.zeros((8, 8, 8, 1)), np.zeros(8), batch_size=4, epochs=1, verbose=0,
              callbacks=[callback])
    names = sorted(os.listdir(tmp_path / "b"))
    assert names == ["latest.weights.h5", "previous.weights.h5",
                     "previous_training_metadata.json", "training_metadata.json"]


# -- 2. non-finite losses ------------------------------------------------------------------
def test_a_diverged_run_stops_and_keeps_the_good_backup_and_model(tmp_path):
    train(vae_config(tmp_path), verbose=0)
    run = str(tmp_path / "run")
    backup_before = backup_files(run)
    model_before = sha256_file(os.path.join(run, "model.keras"))
    config = vae_config(tmp_path, "train.epochs=4", "train.optimizer.learning_rate=1e6")
    assert config.train.optimizer["learning_rate"] == 1e6  # a float, not the string '1e6'
    with pytest.raises(TrainingDiverged, match=r"non-finite at epoch 3.*still holds the last "
                                               r"good state \(epoch 2, step 0\).*rerun"):
        with pytest.warns(UserWarning, match="learning rate 1e\\+06 from the config"):
            train(config, verbose=0)
    assert backup_files(run) == backup_before
    assert sha256_file(os.path.join(run, "model.keras")) == model_before
    # The advice works: the same command with a sane rate resumes from epoch 2.
    model, history = train(vae_config(tmp_path, "train.epochs=3"), verbose=0)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"]).all()


def test_non_finite_weights_are_never_written(tmp_path):
    from kerasgen.training.callbacks import save_model_atomically

    model = helpers.tiny_classifier()
    path = str(tmp_path / "m.keras")
    save_model_atomically(model, path)
    good = sha256_file(path)
    model.weights[0].assign(np.full(model.weights[0].shape, np.nan, "float32"))
    with pytest.raises(TrainingDiverged, match="NaN or infinite"):
        save_model_atomically(model, path)
    assert sha256_file(path) == good


# -- 3. runs that would not train ----------------------------------------------------------
def test_fewer_images_than_one_batch_is_refused_with_the_numbers(tmp_path):
    config = vae_config(tmp_path, "data.batch_size=128", "train.steps_per_epoch=null")
    with pytest.raises(config_lib.ConfigError, match="data: 96 training image.* fewer than one "
                                                     "batch of 128.*at most 96"):
        train(config, verbose=0)
    assert not (tmp_path / "run" / "model.keras").exists()


def test_steps_per_epoch_must_be_positive_and_may_exceed_one_pass(tmp_path):
    with pytest.raises(config_lib.ConfigError, match="train.steps_per_epoch: must be >= 1"):
        vae_config(tmp_path, "train.steps_per_epoch=-2")
    # 96 images are 6 batches of 16; 10 steps per epoch repeat the data instead of stopping.
    model, history = train(vae_config(tmp_path, "train.steps_per_epoch=10"), verbose=0)
    assert int(model.optimizer.iterations) == 20


def test_fit_gets_no_ignored_shuffle_warning(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train(vae_config(tmp_path, "train.epochs=1"), verbose=0)
    assert not [w for w in caught if "shuffle" in str(w.message)]


# -- time budgets ------------------------------------------------------------------------------
class FakeTimer:
    """Seconds that advance by `tick` at every reading."""

    def __init__(self, tick):
        self.now, self.tick = 0.0, tick

    def __call__(self):
        self.now += self.tick
        return self.now


def test_the_clock_stops_mid_epoch_when_the_budget_is_spent_and_a_rerun_trains_no_more(
        tmp_path):
    model = helpers.tiny_classifier()
    model.compile(optimizer="adam")
    x, y = helpers.fake_images(32, size=8), np.arange(32) % 3
    path = str(tmp_path / "training_time.json")
    # Each step reads each timer once as it begins and once as it ends: 10 s of wall and 4 s of
    # CPU a step, so a CPU budget of 1 minute is spent after the 15th step, 3 into epoch 4.
    clock = TrainingClock(path, budget_minutes=1, clock="cpu",
                          timers={"wall": FakeTimer(10.0), "cpu": FakeTimer(4.0)})
    history = model.fit(x, y, batch_size=8, epochs=10, callbacks=[clock], verbose=0)
    assert len(history.history["loss"]) == 4
    assert int(model.optimizer.iterations) == 15
    saved = json.loads(open(path).read())
    assert saved == {"wall_seconds": 150.0, "cpu_seconds": 60.0, "steps": 15,
                     "examples": 0, "budget_spent": True, "steps_by_policy": {"float32": 15}}
    weights = [w.copy() for w in model.get_weights()]
    again = TrainingClock(path, budget_minutes=1, clock="cpu")
    history = model.fit(x, y, batch_size=8, epochs=10, callbacks=[again], verbose=0)
    assert history.history == {} and int(model.optimizer.iterations) == 15
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    # A larger budget in the same folder continues from the time already counted.
    more = TrainingClock(path, budget_minutes=1.5, clock="cpu",
                         timers={"wall": FakeTimer(10.0), "cpu": FakeTimer(4.0)})
    model.fit(x, y, batch_size=8, epochs=10, callbacks=[more], verbose=0)
    saved = json.loads(open(path).read())
    assert saved["steps"] == 15 + 8 and saved["steps_by_policy"] == {"float32": 15 + 8}
    with pytest.raises(ValueError, match="clock must be one of wall, cpu; received 'gpu'"):
        TrainingClock(path, clock="gpu")


def test_train_time_budget_ends_the_run_and_keeps_its_model(tmp_path):
    with pytest.raises(config_lib.ConfigError, match="time_budget_minutes: must be > 0"):
        vae_config(tmp_path, "train.time_budget_minutes=0")
    with pytest.raises(config_lib.ConfigError, match="time_budget_clock: expected one of "
                                                      "wall, cpu; received 'sun'"):
        vae_config(tmp_path, "train.time_budget_clock=sun")
    with pytest.raises(config_lib.ConfigError, match="not available with strategy "
                                                      "multi_worker"):
        vae_config(tmp_path, "train.time_budget_minutes=5", "train.strategy=multi_worker")
    # A budget of a millionth of a minute is spent by the first step.
    model, history = train(vae_config(tmp_path, "train.time_budget_minutes=1e-6"), verbose=0)
    run = tmp_path / "run"
    spent = json.loads((run / "training_time.json").read_text())
    assert spent["steps"] == 1 and spent["budget_spent"] and spent["wall_seconds"] > 0
    assert len(history.history["loss"]) == 1 and int(model.optimizer.iterations) == 1
    weights = model.get_weights()
    model, history = train(vae_config(tmp_path, "train.time_budget_minutes=1e-6"), verbose=0)
    assert "loss" not in history.history and int(model.optimizer.iterations) == 1
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    # Without a budget the clock still records the time and the images the steps took
    # (3 steps of 16 an epoch), also per epoch in TensorBoard.
    model, history = train(vae_config(tmp_path / "free"), verbose=0)
    free = tmp_path / "free" / "run"
    spent = json.loads((free / "training_time.json").read_text())
    assert (spent["steps"], spent["examples"], spent["budget_spent"]) == (6, 96, False)
    clock = read_scalars(str(free / "logs" / "clock"))
    assert clock["images"] == [(1, 48.0), (2, 96.0)]
    assert [s for s, _ in clock["cpu_minutes"]] == [1, 2]
    assert 0 < clock["wall_minutes"][0][1] <= clock["wall_minutes"][1][1]


# -- data ------------------------------------------------------------------------------------
def write_png(path, array):
    import tensorflow as tf

    os.makedirs(os.path.dirname(path), exist_ok=True)
    tf.io.write_file(path, tf.io.encode_png(np.asarray(array, np.uint8)))


def class_folder(tmp_path, classes=("cat", "dog", "emu"), per_class=12, size=16, channels=3):
    folder = tmp_path / "classes"
    rng = np.random.default_rng(0)
    for c, name in enumerate(classes):
        for i in range(per_class):
            image = rng.integers(0, 60, (size, size, channels))
            image[:, c * 5:(c + 1) * 5] = 255
            write_png(str(folder / name / f"{i:03d}.png"), image)
    return folder


def test_class_subfolders_give_inferred_labels(tmp_path):
    from kerasgen.data.pipeline import load_arrays

    folder = class_folder(tmp_path)
    images, labels, names = load_arrays("folder", str(folder), image_size=16, channels=3,
                                        labels="inferred", verbose=False,
                                        return_class_names=True)
    assert names == ["cat", "dog", "emu"] and images.shape == (36, 16, 16, 3)
    np.testing.assert_array_equal(np.bincount(labels), [12, 12, 12])
    # Without labels the nested images are read too (they used to be "no images").
    assert load_arrays("folder", str(folder), image_size=16, channels=3,
                       verbose=False)[0].shape[0] == 36
    write_png(str(folder / "stray.png"), np.zeros((16, 16, 3)))
    with pytest.raises(ValueError, match="1 image.* sit directly in it .*'stray.png'"):
        load_arrays("folder", str(folder), image_size=16, channels=3, labels=True,
                    verbose=False)


def test_conditional_gan_trains_on_class_subfolders_and_saves_the_names(tmp_path):
    folder = class_folder(tmp_path)
    config = config_lib.load(os.path.join(ROOT, "configs", "cgan_mnist.yaml"), [
        "data.source=folder", f"data.path={folder}", "data.image_size=16", "data.channels=3",
        "data.labels=inferred", "data.batch_size=8", "data.eval_split=null",
        "model.args.num_classes=3", "model.args.image_size=16", "model.args.channels=3",
        "model.args.generator_width=8", "model.args.discriminator_width=8",
        "model.args.extra_layers=0", "train.mixed_precision=float32",
        "train.epochs=1", "train.steps_per_epoch=2", "train.num_samples=3",
        "train.metrics_every_epochs=null", f"train.output_dir={tmp_path / 'run'}"])
    model, _ = train(config, verbose=0)
    saved = config_lib.load(str(tmp_path / "run" / "config.yaml"))
    assert saved.data.class_names == ["cat", "dog", "emu"]
    assert model.generate(3, labels=np.arange(3), seed=0).shape == (3, 16, 16, 3)


def test_tiny_images_are_refused_and_small_ones_upscaled_with_a_warning(tmp_path):
    from kerasgen.data.images import load_image_folder

    folder = tmp_path / "img"
    write_png(str(folder / "a.png"), np.zeros((1, 1, 3)))
    with pytest.raises(ValueError, match="a.png: image is 1x1 pixels; expected at least 8x8"):
        load_image_folder(str(folder), image_size=64, channels=3, verbose=False)
    write_png(str(folder / "a.png"), np.zeros((20, 30, 3)))
    write_png(str(folder / "b.png"), np.zeros((80, 80, 3)))
    with pytest.warns(UserWarning, match="1 of 2 images are smaller than 64x64 .*a.png: 30x20"):
        load_image_folder(str(folder), image_size=64, channels=3, verbose=False)


def folder_config(folder, **kwargs):
    return config_lib.DataConfig(source="folder", path=str(folder), image_size=16, channels=3,
                                 **kwargs)


def test_evaluation_refuses_held_out_images_that_are_training_images(tmp_path):
    from kerasgen.evaluation.evaluate import check_distinct_splits
    from kerasgen.evaluation.evaluate import data_config

    folder = class_folder(tmp_path)
    with pytest.raises(ValueError, match="share 36 file"):
        check_distinct_splits(folder_config(folder))  # default slices: the same files
    check_distinct_splits(folder_config(folder, stop=24, eval_start=24))
    copy = tmp_path / "copy"
    shutil.copytree(folder / "dog", copy)  # another folder, same bytes: still caught
    with pytest.raises(ValueError, match="share 12 file"):
        check_distinct_splits(folder_config(folder, eval_path=str(copy)))
    # `evaluate RUN --data FOLDER` compares with FOLDER but keeps the run's training images
    # as the nearest-neighbour reference (it used to replace both).
    run = config_lib.ExperimentConfig(data=folder_config(folder, stop=24, eval_start=24))
    data = data_config(None, run, data_path=str(copy))
    assert data.path == str(folder) and data.eval_path == str(copy)


def test_validation_on_training_images_is_skipped_with_a_warning(tmp_path):
    folder = class_folder(tmp_path, size=28, channels=1)
    config = vae_config(tmp_path, "data.source=folder", f"data.path={folder}",
                        "data.image_size=28", "data.eval_split=test", "train.epochs=1")
    with pytest.warns(UserWarning, match="no held-out images .*validation is skipped"):
        _, history = train(config, verbose=0)
    assert not [k for k in history.history if k.startswith("val_")]
    # A distinct held-out slice is validated on.
    config = vae_config(tmp_path, "data.source=folder", f"data.path={folder}",
                        "data.image_size=28", "data.eval_split=test", "train.epochs=1",
                        "data.stop=24", "data.eval_start=24", "data.batch_size=8",
                        f"train.output_dir={tmp_path / 'run2'}")
    _, history = train(config, verbose=0)
    assert "val_loss" in history.history
    # So is the last files of each class (CIFAR-10's held-out 500 per class).
    config = vae_config(tmp_path, "data.source=folder", f"data.path={folder}",
                        "data.image_size=28", "data.eval_split=test", "train.epochs=1",
                        "data.holdout_per_class=4", "data.batch_size=8",
                        f"train.output_dir={tmp_path / 'run3'}")
    _, history = train(config, verbose=0)
    assert "val_loss" in history.history


def test_default_extractor_error_names_pixels(tmp_path):
    from kerasgen.evaluation.evaluate import default_extractor

    with pytest.raises(ValueError, match="pixels:SIZE"):
        default_extractor(folder_config(tmp_path))


def test_bernoulli_vae_on_rgb_images_is_refused_unless_asked_for(tmp_path):
    from kerasgen.training.train import build_model
    from kerasgen.training.train import check_data

    config = config_lib.load(os.path.join(ROOT, "configs", "vae_mnist.yaml"), [
        "data.source=folder", "data.path=x", "data.channels=3", "data.binarize=false",
        "model.args={image_shape: [32, 32, 3], latent_dim: 2, hidden_dims: [4]}"])
    with pytest.raises(config_lib.ConfigError,
                       match="model.args.likelihood: the default 'bernoulli'.*discretized"):
        check_data(build_model(config), config)
    config.model.args["likelihood"] = "bernoulli"
    with pytest.warns(UserWarning, match="discretized_logistic"):
        check_data(build_model(config), config)
    config.model.args["likelihood"] = "discretized_logistic"
    check_data(build_model(config), config)


# -- config values ---------------------------------------------------------------------------
def test_yaml_exponents_are_floats_and_bad_values_name_their_key(tmp_path):
    path = os.path.join(ROOT, "configs", "vae_mnist.yaml")
    config = config_lib.load(path, ["train.optimizer.learning_rate=3e-4"])
    assert config.train.optimizer["learning_rate"] == pytest.approx(3e-4)
    for override, message in (("data.shuffle_buffer=-1", "data.shuffle_buffer: must be >= 1"),
                              ("train.run_end_steps=0",
                               "train.run_end_steps: must be >= 1; received 0"),
                              ("data.labels=sometimes", "data.labels: expected true, false or"),
                              ("train.epochs=[1,", "--set train.epochs=\\[1,: not valid YAML")):
        with pytest.raises(config_lib.ConfigError, match=message):
            config_lib.load(path, [override])
    from kerasgen.training.train import build_model

    with pytest.raises(config_lib.ConfigError,
                       match="model.args.latent_dim: must be a positive integer; received 0"):
        build_model(config_lib.load(path, ["model.args.latent_dim=0"]))


def test_data_sources_are_a_registry_that_fails_loudly(tmp_path):
    import tensorflow as tf

    from kerasgen.data.pipeline import DATA_SOURCES
    from kerasgen.data.pipeline import make_dataset
    from kerasgen.data.pipeline import register_source

    with pytest.raises(config_lib.ConfigError, match="data.source: Unknown data source "
                                                     "'imgs'. Known data sources: captions, "
                                                     "folder, idx, paired, tfds, unpaired"):
        vae_config(tmp_path, "data.source=imgs")

    @register_source("constant_test_source")
    def constant(config, value_range, split, shuffle, batch_size, verbose):
        images = tf.data.Dataset.from_tensors(tf.zeros((28, 28, 1), tf.uint8)).repeat(8)
        return images.batch(batch_size), 8

    try:
        config = vae_config(tmp_path, "data.source=constant_test_source")
        ds, count = make_dataset(config.data, "unit", batch_size=4)
        assert count == 8 and next(iter(ds)).shape == (4, 28, 28, 1)
        with pytest.raises(KeyError, match="already registered"):
            register_source("constant_test_source")(constant)
    finally:
        DATA_SOURCES._items.pop("constant_test_source")
