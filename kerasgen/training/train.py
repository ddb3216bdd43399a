"""Build a model from an ExperimentConfig and train it with `model.fit`."""

import json
import os
import shutil
import tempfile
import warnings

import keras

from kerasgen import config as config_lib
from kerasgen.training import distribute
from kerasgen.training import precision
from kerasgen import optimizers
from kerasgen.training.callbacks import EpochAndStepBackup
from kerasgen.training.callbacks import TrainingDiverged
from kerasgen.training.callbacks import save_model_atomically
from kerasgen.training.callbacks import standard_callbacks
from kerasgen.training.callbacks import steps_into_epoch
from kerasgen.data.examples import MAX_EXAMPLES
from kerasgen.data.examples import preview_examples
from kerasgen.data.examples import slices_overlap
from kerasgen.data.pipeline import DATA_SOURCES
from kerasgen.data.pipeline import make_dataset
from kerasgen.registry import MODELS


def build_model(config):
    """The model named by `config.model`, under the config's mixed-precision policy."""
    from kerasgen.models.common import ArgumentError

    config_lib.validate(config)
    keras.mixed_precision.set_global_policy(precision.resolve(config.train.mixed_precision))
    args = dict(config.model.args)
    try:
        return MODELS.get(config.model.family)(**args)
    except ArgumentError as e:  # a constructor's own check names its argument
        message = str(e)
        if message.startswith(e.argument + " "):
            message = message[len(e.argument) + 1:]
        raise config_lib.ConfigError(f"model.args.{e.argument}: {message}") from None


def compile_model(model, config):
    try:
        return optimizers.compile_with(model, config.train, config.train.jit_compile)
    except ValueError as e:
        raise config_lib.ConfigError(str(e)) from None


def output_dir(config):
    return config.train.output_dir or os.path.join("runs", config.name)


def _sample_quality(model, config, out):
    """The SampleQuality callback against the config's eval split (test images)."""
    from kerasgen.evaluation import evaluate
    from kerasgen.metrics import SampleQuality

    split = config.data.eval_split or "test"
    images, _, _ = evaluate.real_images(config.data, split, verbose=False)
    features = config.train.metrics_features or evaluate.default_extractor(config.data)
    return SampleQuality(images, features, config.train.metrics,
                         config.train.metrics_num_generated, config.train.metrics_every_epochs,
                         os.path.join(out, "logs"), seed=config.train.seed)


def check_data(model, config):
    """The model's own check of the data it is about to train on (e.g. a Bernoulli VAE on
    8-bit colour), its errors reported against the config's keys."""
    from kerasgen.models.common import ArgumentError

    try:
        model.check_data(config.data, given=tuple(config.model.args))
    except ArgumentError as e:
        message = str(e)
        if message.startswith(e.argument + ": "):
            message = message[len(e.argument) + 2:]
        raise config_lib.ConfigError(f"model.args.{e.argument}: {message}") from None


def _eval_dataset(config, model):
    """The validation dataset, or None, refusing to validate on the training images."""
    data = config.data
    if not data.eval_split or not model.validates:
        return None
    if data.source in ("folder", "paired") and not data.eval_path \
            and not data.holdout_per_class:  # that splits each class folder in two
        overlap = slices_overlap((data.start, data.stop), (data.eval_start, data.eval_stop))
        if overlap:
            warnings.warn(
                f"data.eval_split: image folder {data.path!r} has no held-out images (eval "
                f"slice [{data.eval_start}:{data.eval_stop}] overlaps the training slice "
                f"[{data.start}:{data.stop}]), so validation is skipped rather than computed "
                "on training images. Set data.eval_path to a held-out folder, or "
                "data.eval_start/eval_stop to a slice outside training.", stacklevel=2)
            return None
    eval_ds, _ = make_dataset(data, model.data_range, split=data.eval_split, shuffle=False)
    return model.prepare_dataset(eval_ds, training=False)


def _joined(first, second):
    """One History of two fits: the interrupted epoch's rest, then the epochs after it."""
    for key, values in first.history.items():
        second.history[key] = list(values) + list(second.history.get(key, []))
    second.epoch = list(first.epoch) + list(second.epoch)
    return second


def _last_backup(out):
    path = os.path.join(out, "backup", "training_metadata.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def train(config, verbose="auto", callbacks=()):
    """Train as `kerasgen train` does. Rerunning with the same output_dir resumes from the last
    backup: model weights and optimizer state as of the last backup, and the interrupted
    epoch goes on from the step after it (only the steps since that backup are trained
    again). `callbacks` are added to the standard ones.

    Raises:
        ConfigError: for a config that cannot train (e.g. fewer images than one batch).
        TrainingDiverged: when a loss or a weight became NaN or infinite; nothing from that
            state is written, and the message says how to resume from the last good backup.

    Returns (model, history).
    """
    # First: a multi-worker strategy sets up the process's collective ops before any other op.
    strategy = distribute.make_strategy(config.train)
    slow = precision.slow_policy_warning(config.train.mixed_precision)
    if slow:
        warnings.warn(slow, stacklevel=2)
    if config.train.mixed_precision == "auto" and verbose:
        print(f"train.mixed_precision=auto: training in "
              f"{precision.resolve('auto')} on this machine (training_time.json counts the "
              f"steps of each policy).")
    run_dir = output_dir(config)
    # Only the chief writes the run's files. The other workers run the same callbacks (saving
    # may need every worker to take part) into a temporary folder they remove at the end, and
    # restore from the chief's backups (run_dir must be storage every worker sees).
    out = run_dir if distribute.writes_outputs(strategy) else tempfile.mkdtemp(
        prefix="kerasgen-worker-")
    try:
        os.makedirs(out, exist_ok=True)
        # Written before training starts, so a crashed run still records what it was.
        config_lib.save(config, os.path.join(out, "config.yaml"))
        keras.utils.set_random_seed(config.train.seed)
        with strategy.scope():  # variables of the model, its optimizers and metrics per replica
            return _train_in_scope(config, out, strategy, verbose, callbacks, run_dir)
    finally:
        if out != run_dir:
            shutil.rmtree(out, ignore_errors=True)


def _init_from(model, source):
    """Copy the weights of `source` (a zoo name or a .keras file) into `model`, which must
    have the same architecture; constructor arguments that hold no weights (a loss weighting)
    may differ."""
    if source.endswith(".keras"):
        donor = keras.saving.load_model(source, compile=False)
    else:
        from kerasgen import zoo

        donor = zoo.load(source, compile=False)
    mine, theirs = model.get_weights(), donor.get_weights()
    shapes = [w.shape for w in mine], [w.shape for w in theirs]
    if shapes[0] != shapes[1]:
        raise config_lib.ConfigError(
            f"train.init_from: {source!r} has {len(theirs)} weight arrays that do not match "
            f"the model's {len(mine)} (first difference: "
            f"{next(((a, b) for a, b in zip(*shapes) if a != b), 'count')}); expected a model "
            "of the same architecture.")
    model.set_weights(theirs)


def _train_in_scope(config, out, strategy, verbose, callbacks, run_dir):
    model = build_model(config)
    check_data(model, config)
    if config.train.init_from:
        _init_from(model, config.train.init_from)
    replicas = strategy.num_replicas_in_sync
    if config.data.batch_size % replicas:
        raise config_lib.ConfigError(
            f"data.batch_size: {config.data.batch_size} does not split evenly over "
            f"{replicas} replicas; expected a multiple of {replicas}.")
    distributed = config.train.strategy != "default"
    batch = model.examples_per_step(config.data.batch_size)  # e.g. k batches for k D steps
    # Distributed: a stream of per-replica batches that distribute.per_replica_input deals out.
    # On a cluster, a source that can be read by parts (an image folder) is: each worker
    # decodes only its own files (i::num_workers), instead of all of them to keep every
    # num_workers-th batch.
    shard = distribute.input_shard(strategy)
    if shard is not None and not DATA_SOURCES.get(config.data.source).shards:
        shard = None
    train_ds, count = make_dataset(config.data, model.data_range,
                                   batch_size=batch // replicas if distributed else batch,
                                   shard=shard)
    if count is not None and count < batch:
        steps = batch // config.data.batch_size
        per = f" ({config.data.batch_size} x {steps} per step)" if steps > 1 else ""
        raise config_lib.ConfigError(
            f"data: {count} training image(s) found in {config.data.path!r}, fewer than one "
            f"batch of {batch}{per}; expected at least {batch}. Lower data.batch_size to at "
            f"most {max(1, count // steps)} or add images.")
    class_names = getattr(train_ds, "class_names", None)  # inferred from class subfolders
    if class_names and class_names != config.data.class_names:
        config.data.class_names = list(class_names)  # saved with the run: label i's name
        config_lib.save(config, os.path.join(out, "config.yaml"))
    model.learn_class_names(config.data.class_names)  # saved in the model too
    train_ds = model.prepare_dataset(train_ds, training=True)
    examples = preview_examples(config.data, min(config.train.num_samples, MAX_EXAMPLES))
    model.adopt_examples(examples)
    _fill_schedule_steps(config, count, batch, out)
    model = compile_model(model, config)
    steps_per_epoch = config.train.steps_per_epoch
    if distributed and not steps_per_epoch:
        # Every worker must run the same number of steps (a worker that stops early leaves
        # the others waiting in an all-reduce): one pass of the global batch per epoch.
        if count is None:
            raise config_lib.ConfigError(
                f"train.strategy {config.train.strategy}: data.source {config.data.source} "
                "does not say how many examples it has; set train.steps_per_epoch.")
        steps_per_epoch = count // batch
    last = _last_backup(run_dir)
    epoch = int(last["epoch"]) if last else 0
    done = steps_into_epoch(last)
    if done and (epoch >= config.train.epochs
                 or (steps_per_epoch and done >= steps_per_epoch)):
        # A backup after an epoch's last step but before its end (or a config with fewer
        # epochs or steps since): Keras' own resume, the epoch redone from its first batch.
        done = 0
    # Per-replica batches of the stream per step: all replicas' (one stream for the
    # cluster), or this worker's replicas' (its own part of the files).
    per_step = replicas // shard[0] if shard else replicas

    def stream(epoch, steps_done=0):
        """The training input from step `steps_done` of `epoch` (0-based). Epochs of N steps
        read a repeated stream (an epoch may span more than one pass; fit keeps one iterator
        over it for the whole run), so the steps before are skipped; epochs that are passes
        over the data skip only the first `steps_done` batches of the pass, which is shuffled
        anew, so they are the rest of another permutation. The first iterator a process
        makes over a seeded shuffle draws the permutations an uninterrupted run drew; a
        second one (the fit after a continued epoch) draws the next ones, a different but
        equally random order."""
        if steps_per_epoch:
            skip = (epoch * steps_per_epoch + steps_done) * per_step
            ds = train_ds.repeat()
            ds = ds.skip(skip) if skip else ds
        else:
            ds = train_ds.skip(steps_done) if steps_done else train_ds
        return distribute.per_replica_input(strategy, ds, shard) if distributed else ds
    if config.train.strategy == "multi_worker":
        model.train_step = distribute.vector_logs(model.train_step)
        model.test_step = distribute.vector_logs(model.test_step)
    eval_ds = _eval_dataset(config, model)
    standard = standard_callbacks(
        out, config.train.num_samples, config.train.seed, config.train.sample_every_epochs,
        config.train.checkpoint_every_steps, config.train.tensorboard_update_freq,
        examples=examples, restore_dir=os.path.join(run_dir, "backup"),
        model_callbacks=model.training_callbacks(),
        time_budget_minutes=config.train.time_budget_minutes,
        time_budget_clock=config.train.time_budget_clock, examples_per_step=batch)
    if config.train.metrics_every_epochs:
        standard.append(_sample_quality(model, config, out))
    run_end = model.run_end_callbacks(train_ds.repeat() if steps_per_epoch else train_ds,
                                      config.train.run_end_steps)

    def fit(data, epochs, steps, last_part=True):
        # shuffle=False: the tf.data pipeline shuffles; Keras would only warn that it ignores it.
        return model.fit(data, epochs=epochs, steps_per_epoch=steps, validation_data=eval_ds,
                         shuffle=False, verbose=verbose,
                         callbacks=standard + (run_end if last_part else []) + list(callbacks))

    try:
        history = None
        if done:
            # A backup from inside an epoch: that epoch goes on from the next step, as a fit
            # of its remaining steps (Keras' own resume would redo it from its first batch),
            # then the epochs after it.
            backup = next(c for c in standard if isinstance(c, EpochAndStepBackup))
            backup.continue_epoch(done)
            if verbose:
                print(f"Resuming epoch {epoch + 1} after its step {done}.")
            history = fit(stream(epoch, done), epoch + 1,
                          steps_per_epoch and steps_per_epoch - done,
                          last_part=epoch + 1 >= config.train.epochs)
            epoch += 1
        if history is None or (epoch < config.train.epochs and not model.stop_training):
            rest = fit(stream(epoch), config.train.epochs, steps_per_epoch)
            history = _joined(history, rest) if history else rest
        save_model_atomically(model, os.path.join(out, "model.keras"))
    except TrainingDiverged as e:
        raise TrainingDiverged(_diverged_message(e, config, run_dir)) from None
    return model, history


def _fill_schedule_steps(config, count, batch, out):
    """Epoch-counted learning-rate schedules (constant_then_linear) get the run's steps per
    epoch, saved with the run's config so a reload builds the same schedule."""
    steps = config.train.steps_per_epoch or (count // batch if count else None)
    changed = False
    for key in ("optimizer", "g_optimizer", "d_optimizer"):
        spec = getattr(config.train, key)
        filled = optimizers.fill_steps_per_epoch(spec, steps) if steps else spec
        rate = optimizers.unfilled_schedule(filled)
        if rate is not None:
            raise config_lib.ConfigError(
                f"train.{key}.learning_rate: {rate['name']} counts epochs, and this data "
                "source does not say how many steps an epoch has; set train.steps_per_epoch.")
        if filled is not spec:
            setattr(config.train, key, filled)
            changed = True
    if changed:
        config_lib.save(config, os.path.join(out, "config.yaml"))


def _diverged_message(error, config, out):
    keys = ("train.g_optimizer.learning_rate / train.d_optimizer.learning_rate"
            if config.train.g_optimizer or config.train.d_optimizer
            else "train.optimizer.learning_rate")
    fixes = f"a lower learning rate ({keys})"
    if precision.resolve(config.train.mixed_precision) != "float32":
        fixes += " or train.mixed_precision=float32"
    last = _last_backup(out)
    if last:
        return (f"Training diverged: {error} Stopped without writing anything from the "
                f"diverged state: {os.path.join(out, 'backup')} still holds the last good "
                f"state (epoch {last['epoch']}, step {last['batch']}). To resume from it, rerun "
                f"the same command (same output folder {out}) with {fixes}.")
    return (f"Training diverged: {error} Stopped without writing anything from the diverged "
            f"state; there was no backup yet. Rerun with {fixes}.")
