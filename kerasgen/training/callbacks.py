"""Training callbacks: fixed-seed sample grids, crash-safe backups, a non-finite-loss guard,
a training clock with an optional time budget, and the standard set `kerasgen train` uses."""

import hashlib
import json
import math
import os
import time
import warnings

import keras
import numpy as np
import tensorflow as tf

from kerasgen.config import TIME_BUDGET_CLOCKS
from kerasgen.files import atomic_path
from kerasgen.files import fsync_dir
from kerasgen.files import fsync_file
from kerasgen.images import save_png


class TrainingDiverged(RuntimeError):
    """The loss or the weights became NaN or infinite; nothing from that state was saved."""


def model_variables(model):
    """The model's variables and those of its built optimizers (one or a GAN's two), once each."""
    variables, seen = [], set()
    for v in list(model.weights) + [v for o in model.optimizers_by_name().values()
                                    if getattr(o, "built", False) for v in o.variables]:
        if id(v) not in seen:
            seen.add(id(v))
            variables.append(v)
    return variables


def random_states(model):
    """The model's random-number states (its `keras.random.SeedGenerator`s): the variables
    that `model.variables` holds beyond `model.weights`, which `save_weights` leaves out."""
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def non_finite_variables(model):
    """Paths of the model's (and its optimizers') variables holding a NaN or an infinity."""
    bad = []
    for v in model_variables(model):
        if "float" in keras.backend.standardize_dtype(v.dtype):
            if not np.all(np.isfinite(np.asarray(v, np.float32))):
                bad.append(getattr(v, "path", v.name))
    return bad


def check_finite(model, what):
    """Raise TrainingDiverged before `what` is written from a model with non-finite state."""
    bad = non_finite_variables(model)
    if bad:
        raise TrainingDiverged(
            f"{len(bad)} variable(s) hold NaN or infinite values (e.g. {bad[0]}); refused to "
            f"write {what}, so the last good copy is kept.")


def save_model_atomically(model, path):
    """`model.save(path)` through a temporary file, fsync and rename: a crash mid-write leaves
    the previous file intact. Refuses (TrainingDiverged) when any weight is not finite."""
    check_finite(model, path)
    with atomic_path(path) as tmp:
        model.save(tmp)
    return path


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SampleGrid(keras.callbacks.Callback):
    """Write the model's preview (`model.preview`: a fixed-seed sample grid, or a translator's
    grid of fixed examples) each `every_n_epochs` epochs, as PNG and as a TensorBoard image, so
    progress can be compared image to image across epochs.

    Args:
        output_dir: folder for `samples_epoch_XXXX.png` (and `samples_latest.png`).
        log_dir: TensorBoard log folder; None skips the TensorBoard image.
        num_samples: images per grid.
        seed: latent seed; fixed so every grid shows the same latents.
        every_n_epochs: grid cadence.

    Example:
    >>> model.fit(ds, callbacks=[kerasgen.training.callbacks.SampleGrid("runs/x/samples")])
    """

    def __init__(self, output_dir, log_dir=None, num_samples=64, seed=0, every_n_epochs=1,
                 examples=None):
        super().__init__()
        self.examples = examples  # translators: fixed (source, target) in [0, 1]
        self.output_dir = output_dir
        self.log_dir = log_dir
        self.num_samples = int(num_samples)
        self.seed = int(seed)
        self.every_n_epochs = int(every_n_epochs)
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        grid = self.model.preview(self.num_samples, self.seed, self.examples)
        if grid is None:  # nothing to show (e.g. a classifier, a translator without examples)
            return
        path = save_png(os.path.join(self.output_dir, f"samples_epoch_{epoch + 1:04d}.png"),
                        grid)
        latest = os.path.join(self.output_dir, "samples_latest.png")
        tf.io.gfile.copy(path, latest, overwrite=True)
        if self.log_dir:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "samples"))
            with self._writer.as_default():
                tf.summary.image("samples", grid[None], step=epoch + 1)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class NonFiniteGuard(keras.callbacks.Callback):
    """Stop training with `TrainingDiverged` at the first batch whose logged losses are NaN or
    infinite.

    Not `keras.callbacks.TerminateOnNaN`: that one sets `stop_training`, so `fit` returns
    normally and the caller goes on to save the diverged model (and exits 0). Raising here
    stops `fit` before any later callback of the same batch (backups, checkpoints) runs; put
    it first in the callback list.
    """

    def __init__(self):
        super().__init__()
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = {}
        for name, value in (logs or {}).items():
            try:
                number = float(np.asarray(value))
            except (TypeError, ValueError):
                continue
            if not math.isfinite(number):
                bad[name] = number
        if bad:
            values = ", ".join(f"{k}={v}" for k, v in sorted(bad.items()))
            raise TrainingDiverged(f"the loss became non-finite at epoch {self._epoch + 1}, "
                                   f"step {batch + 1} ({values}).")


class EpochAndStepBackup(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore`, made crash-safe.

    - Also backs up at every epoch end when `save_freq` is a step count (Keras then saves on
      the step cadence only, so epochs shorter than the cadence had no backup at all).
    - Atomic: weights and metadata are written to temporary files, fsynced and renamed into
      place; the previous backup is kept as `previous.weights.h5` (by hard link, so a good
      backup exists at every instant). The metadata records the weights' sha256, so a weights file cut off
      mid-write, or one that does not belong to its metadata, is detected before loading.
    - A damaged backup never blocks a run: restoring falls back to the previous one and says
      so (a warning); if neither loads, the damaged files are moved to `backup/damaged/` and
      training starts afresh, with a warning.
    - Never writes non-finite weights (raises `TrainingDiverged` instead), so a diverged run
      cannot replace a good backup.

    Keras' own `double_checkpoint=True` copies the old file and then overwrites the current
    one in place, and falls back only on `OSError`; the failure modes above needed more.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=False, restore_dir=None):
        """`restore_dir`: where backups are read from, when not `backup_dir` (a multi-worker
        run's non-chief workers write to a temporary folder and restore the chief's)."""
        super().__init__(backup_dir, save_freq=save_freq, delete_checkpoint=delete_checkpoint)
        # Keras' `latest.weights.h5.bkp` cannot be passed to load_weights (it wants the
        # `.weights.h5` suffix), so the previous pair gets names of its own.
        self._prev_weights_path = os.path.join(backup_dir, "previous.weights.h5")
        self._prev_training_metadata_path = os.path.join(backup_dir,
                                                         "previous_training_metadata.json")
        self.restore_dir = restore_dir or backup_dir
        self.restored_from = None  # "latest", "previous", None (fresh start)
        self._epoch_start_steps = None
        self._at_epoch_end = False
        self._continued = 0  # steps of the current epoch trained before this fit
        self._restored_epoch_start_steps = None

    def continue_epoch(self, steps_done):
        """The next fit trains the rest of the epoch a backup was written inside, after its
        first `steps_done` steps (`kerasgen train` does this): restoring keeps the
        optimizers' step counts, and backups in that epoch count its steps from its start.
        Without this call, Keras' way: the epoch is redone from its first batch, and the step
        counts are rewound to its start."""
        self._continued = int(steps_done)

    # -- saving --------------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        # Every optimizer's step count as the epoch starts: a run resumed from a backup
        # written inside this epoch redoes the epoch from its first batch, so it must count
        # from here too, or epoch-based learning-rate schedules run ahead of the data (a
        # resumed run reached the end of its decay 1,189 steps early).
        self._epoch_start_steps = optimizer_steps(self.model)
        if self._continued and self._restored_epoch_start_steps is not None:
            self._epoch_start_steps = self._restored_epoch_start_steps
        # The epoch a backup inside this epoch records (the epochs completed before it).
        # Keras sets it only at epoch ends, so a resumed run's backups before its first
        # epoch end recorded 0, and a kill there restarted the run from its first epoch.
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        # Either save here records (epoch + 1, batch 0): resume at the next epoch, with the
        # step counts as they are (Keras saves in its on_epoch_end when save_freq="epoch").
        self._at_epoch_end = True
        try:
            super().on_epoch_end(epoch, logs)
            if self.save_freq != "epoch":
                self._save_model()
        finally:
            self._at_epoch_end = False
            self._continued = 0

    def _save_model(self):
        check_finite(self.model, f"a backup to {self.backup_dir}")
        os.makedirs(self.backup_dir, exist_ok=True)
        incoming = os.path.join(self.backup_dir, f".incoming-{os.getpid()}.weights.h5")
        incoming_meta = incoming + ".json"
        try:
            self.model.save_weights(incoming, overwrite=True)
            fsync_file(incoming)
            # With the random states, a resumed run draws the latents and noise the
            # uninterrupted run would have drawn.
            inside = 0 if self._at_epoch_end else self._continued + self._last_batch_seen + 1
            metadata = {"epoch": self._current_epoch,
                        "batch": inside - 1 if inside else self._last_batch_seen,
                        "steps_into_epoch": inside,
                        "weights_sha256": _sha256(incoming),
                        "random_states": {v.path: np.asarray(v).tolist()
                                          for v in random_states(self.model)}}
            if inside and self._epoch_start_steps is not None:
                metadata["epoch_start_steps"] = self._epoch_start_steps
            with open(incoming_meta, "w") as f:
                json.dump(metadata, f)
                f.flush()
                os.fsync(f.fileno())
            # Keep the current pair as the previous one without a moment with no backup.
            for current, previous in ((self._weights_path, self._prev_weights_path),
                                      (self._training_metadata_path,
                                       self._prev_training_metadata_path)):
                if os.path.exists(current):
                    _link_or_copy(current, previous)
            os.replace(incoming, self._weights_path)
            os.replace(incoming_meta, self._training_metadata_path)
            fsync_dir(self.backup_dir)
        finally:
            for path in (incoming, incoming_meta):
                if os.path.exists(path):
                    os.remove(path)

    # -- restoring -----------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        if not self.model.built:
            raise ValueError(f"{type(self.model).__name__} must be built before fit() can "
                             "restore a backup into it.")
        candidates = [
            (label, os.path.join(self.restore_dir, os.path.basename(weights)),
             os.path.join(self.restore_dir, os.path.basename(meta)))
            for label, weights, meta in (
                ("latest", self._weights_path, self._training_metadata_path),
                ("previous", self._prev_weights_path, self._prev_training_metadata_path))]
        present = [c for c in candidates if os.path.exists(c[1])]
        if not present:
            return
        snapshot = self._state()
        problems = []
        for label, weights, meta in present:
            try:
                epoch = self._restore(weights, meta)
            except Exception as e:  # noqa: BLE001  (h5py raises OSError, KeyError, ValueError...)
                self._assign(snapshot)  # undo a partial load before trying the next one
                problems.append(f"{label} backup {weights}: {_one_line(e)}")
                continue
            self.restored_from = label
            if problems:
                warnings.warn(f"The backup in {self.backup_dir} is damaged ({problems[0]}); "
                              f"resumed from the previous backup instead (epoch {epoch}).",
                              stacklevel=2)
            return
        if os.path.abspath(self.restore_dir) != os.path.abspath(self.backup_dir):
            # Another process's backups (the chief's): not this worker's to move.
            raise RuntimeError(f"No backup in {self.restore_dir} could be restored "
                               f"({'; '.join(problems)}).")
        damaged = os.path.join(self.backup_dir, "damaged")
        os.makedirs(damaged, exist_ok=True)
        for _, weights, meta in candidates:
            for path in (weights, meta):
                if os.path.exists(path):
                    os.replace(path, os.path.join(damaged, os.path.basename(path)))
        warnings.warn(f"No backup in {self.backup_dir} could be restored ({'; '.join(problems)})"
                      f"; moved them to {damaged} and started training from scratch.",
                      stacklevel=2)

    def _restore(self, weights, meta):
        epoch = 0
        metadata = None
        if os.path.exists(meta):
            with open(meta) as f:
                metadata = json.load(f)
            expected = metadata.get("weights_sha256")
            if expected and _sha256(weights) != expected:
                raise ValueError(f"sha256 does not match {os.path.basename(meta)} (cut off "
                                 "mid-write?)")
            epoch = int(metadata["epoch"])
        optimizer = self.model.optimizer
        if optimizer is not None and not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        configured = _learning_rates(self.model)
        self.model.load_weights(weights)
        # The backup holds each optimizer's learning-rate variable; the run's config decides
        # it (resuming a diverged run with a lower rate must use the lower rate).
        for name, (variable, rate) in configured.items():
            restored = float(np.asarray(variable))
            if not math.isclose(restored, rate, rel_tol=1e-6):
                variable.assign(rate)
                warnings.warn(f"{name}: learning rate {rate:g} from the config, not the "
                              f"{restored:g} the backup was trained with.", stacklevel=2)
        bad = non_finite_variables(self.model)
        if bad:
            raise ValueError(f"holds non-finite values (e.g. {bad[0]})")
        # A backup from inside an epoch: continued (`continue_epoch`), or, Keras' way, that
        # epoch restarts from its first batch, and so do the optimizers' step counts (the
        # weights keep what the epoch's first steps taught).
        rewind = (metadata or {}).get("epoch_start_steps", {})
        self._restored_epoch_start_steps = rewind or None
        for name, optimizer in self.model.optimizers_by_name().items():
            if name in rewind and not self._continued:
                steps_variable(optimizer).assign(int(rewind[name]))
        saved = (metadata or {}).get("random_states", {})
        states = random_states(self.model)
        # In the model's order: a variable's path carries a number Keras makes unique per
        # process ("seed_generator_1/..." where another SeedGenerator was made first), so the
        # same model built again, in the same process or a new one, may name it otherwise.
        if len(saved) == len(states):
            pairs = zip(states, saved.values())
        else:
            pairs = [(v, saved[v.path]) for v in states if v.path in saved]
        for variable, value in pairs:
            variable.assign(np.asarray(value, dtype=variable.dtype))
        self.model._initial_epoch = epoch
        return epoch

    def _state(self):
        return [(v, np.array(v)) for v in model_variables(self.model) +
                random_states(self.model)]

    def _assign(self, snapshot):
        for variable, value in snapshot:
            variable.assign(value)


def steps_into_epoch(metadata):
    """How many steps of its epoch a backup's metadata (training_metadata.json) was written
    after: 0 for a backup at an epoch's end, or none."""
    if not metadata:
        return 0
    if "steps_into_epoch" in metadata:
        return int(metadata["steps_into_epoch"])
    # Written before the count was recorded: only backups inside an epoch carried the step
    # counts at its start, and Keras' `batch` is the index of the last step taken.
    return int(metadata["batch"]) + 1 if "epoch_start_steps" in metadata else 0


def steps_variable(optimizer):
    """The variable counting an optimizer's updates (a LossScaleOptimizer's inner one's)."""
    return getattr(optimizer, "inner_optimizer", optimizer)._iterations


def optimizer_steps(model):
    """{optimizer name: updates so far} of the optimizers training updates."""
    return {name: int(np.asarray(steps_variable(optimizer)))
            for name, optimizer in model.optimizers_by_name().items()
            if steps_variable(optimizer) is not None}


def _learning_rates(model):
    """{optimizer name: (learning-rate variable, its value)} for optimizers with a constant
    rate (a schedule has no variable to restore)."""
    rates = {}
    for name, optimizer in model.optimizers_by_name().items():
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
        variable = getattr(optimizer, "_learning_rate", None)
        if isinstance(variable, keras.Variable):
            rates[name] = (variable, float(np.asarray(variable)))
    return rates


def _link_or_copy(src, dst):
    tmp = dst + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    try:
        os.link(src, tmp)
    except OSError:  # filesystems without hard links
        import shutil

        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def _one_line(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


class FiniteModelCheckpoint(keras.callbacks.Callback):
    """Write the model to `path` at every epoch end, atomically and only with finite weights.

    Replaces `keras.callbacks.ModelCheckpoint`, which writes the `.keras` zip in place (a crash
    mid-write leaves a broken file) and would save a diverged model.
    """

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        save_model_atomically(self.model, self.path)


class TrainingClock(keras.callbacks.Callback):
    """The time a run spends in its training steps, summed across resumes; optionally stops
    the run once a time budget is spent.

    Counted: each training step, its input pipeline included, from `on_train_batch_begin` to
    `on_train_batch_end`. Not counted: epoch-end work (validation, sample grids, FID, backups),
    so runs that evaluate at different cadences are compared on the same terms. Two clocks:
    "wall" (elapsed seconds) and "cpu" (the process's CPU seconds, all its threads), the
    steadier measure of work on a machine other jobs share.

    The totals go to `path` (JSON: wall_seconds, cpu_seconds, steps, examples,
    budget_spent, and steps_by_policy: the steps taken under each dtype policy, e.g.
    {"float32": 1200, "mixed_bfloat16": 3400} for a run resumed on machines of two kinds
    under `train.mixed_precision: auto`) at most every `write_every_seconds` and at each epoch
    end and at the end of training; a run started again in the same folder continues them
    (the time of steps that a crash lost since the last backup still counts: it was spent).
    `examples` counts `examples_per_step` a step. With `log_dir`, each epoch end also writes TensorBoard
    scalars at step epoch + 1 (the step of `SampleQuality`'s scores): `images` (the model's
    `examples_seen()`, else `examples`), `wall_minutes` and `cpu_minutes`, the x axes of a
    quality-against-training-cost chart (`python -m kerasgen.zoo.curve --compare`).

    When `budget_minutes` of `clock` are spent, training stops after the current step; the
    epoch then ends as usual (backup, checkpoint), and a later run in the folder trains no
    further epochs. Put it after the backup callback, which sets the epoch a resumed run
    starts from.
    """

    CLOCKS = TIME_BUDGET_CLOCKS  # what train.time_budget_clock may name

    def __init__(self, path, budget_minutes=None, clock="wall", write_every_seconds=30.0,
                 timers=None, examples_per_step=0, log_dir=None):
        """`timers`: {"wall": f, "cpu": g}, functions returning seconds (tests pass fakes);
        default `time.perf_counter` and `time.process_time`."""
        super().__init__()
        if clock not in self.CLOCKS:
            raise ValueError(f"clock must be one of {', '.join(self.CLOCKS)}; received "
                             f"{clock!r}.")
        if budget_minutes is not None and not budget_minutes > 0:
            raise ValueError(f"budget_minutes must be > 0 (or None); received "
                             f"{budget_minutes}.")
        self.path = path
        self.budget_minutes = budget_minutes
        self.clock = clock
        self.write_every_seconds = float(write_every_seconds)
        self.timers = timers or {"wall": time.perf_counter, "cpu": time.process_time}
        self.examples_per_step = int(examples_per_step)
        self.log_dir = log_dir
        self.totals = {"wall_seconds": 0.0, "cpu_seconds": 0.0, "steps": 0, "examples": 0,
                       "budget_spent": False, "steps_by_policy": {}}
        self._policy = None
        self._writer = None
        self._start = None
        self._last_write = None
        self._initial_epoch_before = None

    def spent(self):
        """True when a budget is set and its clock's total has reached it."""
        return (self.budget_minutes is not None
                and self.totals[f"{self.clock}_seconds"] >= 60.0 * self.budget_minutes)

    def on_train_begin(self, logs=None):
        if os.path.exists(self.path):
            with open(self.path) as f:
                saved = json.load(f)
            self.totals.update({k: saved[k] for k in self.totals if k in saved})
        self.totals["budget_spent"] = self.spent()  # against this run's budget
        self._policy = self.model.dtype_policy.name  # every Keras model has one
        self._last_write = self.timers["wall"]()
        self._initial_epoch_before = None
        if self.spent():
            print(f"The time budget of {self.budget_minutes:g} minutes ({self.clock} clock) "
                  f"was spent by an earlier run in this folder "
                  f"({self.totals[self.clock + '_seconds'] / 60:.1f} minutes); training no "
                  "further.")
            # fit reads the epoch to start from after on_train_begin (the backup callback
            # sets it the same way): starting at the last epoch trains none.
            self._initial_epoch_before = (self.model._initial_epoch,)
            self.model._initial_epoch = self.params["epochs"]
            self.model.stop_training = True

    def on_train_batch_begin(self, batch, logs=None):
        self._start = {name: timer() for name, timer in self.timers.items()}

    def on_train_batch_end(self, batch, logs=None):
        if self._start is None:
            return
        for name, timer in self.timers.items():
            self.totals[f"{name}_seconds"] += timer() - self._start[name]
        self.totals["steps"] += 1
        by_policy = self.totals["steps_by_policy"]
        by_policy[self._policy] = by_policy.get(self._policy, 0) + 1
        self.totals["examples"] += self.examples_per_step
        self._start = None
        if self.spent() and not self.totals["budget_spent"]:
            self.totals["budget_spent"] = True
            self.model.stop_training = True
            print(f"\nThe time budget of {self.budget_minutes:g} minutes ({self.clock} clock) "
                  f"is spent after {self.totals['steps']} steps; stopping.")
            self._write()
        elif self.timers["wall"]() - self._last_write >= self.write_every_seconds:
            self._write()

    def on_epoch_end(self, epoch, logs=None):
        self._write()
        if self.log_dir:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(self.log_dir)
            seen = self.model.examples_seen()
            with self._writer.as_default():
                for name, value in (
                        ("images", self.totals["examples"] if seen is None else seen),
                        ("wall_minutes", self.totals["wall_seconds"] / 60.0),
                        ("cpu_minutes", self.totals["cpu_seconds"] / 60.0)):
                    tf.summary.scalar(name, float(value), step=epoch + 1)
            self._writer.flush()

    def on_train_end(self, logs=None):
        self._write()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._initial_epoch_before is not None:  # a later fit of this model starts afresh
            self.model._initial_epoch = self._initial_epoch_before[0]

    def _write(self):
        self._last_write = self.timers["wall"]()
        with atomic_path(self.path) as tmp, open(tmp, "w") as f:
            json.dump(self.totals, f, indent=1)


def standard_callbacks(output_dir, num_samples=64, seed=0, sample_every_epochs=1,
                       checkpoint_every_steps=None, tensorboard_update_freq="epoch",
                       examples=None, restore_dir=None, model_callbacks=(),
                       time_budget_minutes=None, time_budget_clock="wall",
                       examples_per_step=0):
    """What `kerasgen train` uses: a non-finite-loss guard, crash-safe backups, the training
    clock (`training_time.json` and `logs/clock`; it stops the run when
    `time_budget_minutes` of `time_budget_clock` are spent), TensorBoard scalars, sample
    grids and a `.keras` file of the model after every epoch.

    The backup holds the model and all optimizers' state (every epoch, and every
    `checkpoint_every_steps` steps); rerunning the same command resumes from it.
    `model_callbacks` (the model's `training_callbacks()`) run right after the guard, so an
    epoch's backup, scalars and checkpoint include what they changed at its end.
    """
    log_dir = os.path.join(output_dir, "logs")
    update_freq = tensorboard_update_freq
    if isinstance(update_freq, str) and update_freq.isdigit():
        update_freq = int(update_freq)
    return [
        NonFiniteGuard(),  # first: a NaN batch stops fit before anything below saves
        *model_callbacks,
        EpochAndStepBackup(os.path.join(output_dir, "backup"),
                           save_freq=checkpoint_every_steps or "epoch",
                           restore_dir=restore_dir),
        TrainingClock(os.path.join(output_dir, "training_time.json"), time_budget_minutes,
                      time_budget_clock, examples_per_step=examples_per_step,
                      log_dir=os.path.join(log_dir, "clock")),
        keras.callbacks.TensorBoard(log_dir, update_freq=update_freq),
        SampleGrid(os.path.join(output_dir, "samples"), log_dir, num_samples, seed,
                   sample_every_epochs, examples),
        FiniteModelCheckpoint(os.path.join(output_dir, "model.keras")),
    ]
