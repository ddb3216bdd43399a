"""`kerasgen train` for a config with stages: each stage in turn, then the averaging step.

Each stage's folder records how it was made (stage.json: its resolved config and the sha256
of each model it read), written before the stage starts, and marked finished with its
model's sha256 when it ends (model.keras alone would not say so: training rewrites it after
every epoch). On a rerun a finished stage with the same record is skipped, an unfinished one
resumes from its backup (the per-run resume of `kerasgen.training.train`), and one whose
record differs stops the run: its keys are named, and nothing is overwritten.
"""

import copy
import gc
import json
import os

from kerasgen import config as config_lib
from kerasgen.files import atomic_path

RECORD = "stage.json"


def train_stages(recipe, until=None, verbose="auto", log=print):
    """Train every stage of `recipe` (a `kerasgen.stages.Recipe`) that is not finished yet,
    then run its averaging step; with `until` (a stage's or the averaging step's name), stop
    after that one. Returns the folder of the last model made or found.

    Raises:
        ConfigError: a stage folder made with another config or from other models, `until`
            naming nothing, or a multi-worker strategy (stages run in one process).
    """
    from kerasgen.training.train import train

    for stage in recipe.stages:
        if stage.config.train.strategy == "multi_worker":
            raise config_lib.ConfigError(
                f"stage {stage.name}: train.strategy multi_worker: a config with stages runs "
                "them one after another in one process; expected default or mirrored (train "
                "a stage's config.yaml on its own on a cluster).")
    stages, average = _selected(recipe, until)
    total = len(recipe.stages) + (recipe.average is not None)
    last = None
    for number, stage in enumerate(stages, 1):
        last = stage.output_dir
        head = f"Stage {number}/{total} {stage.name}:"
        inputs = [stage.transform_source if stage.init_transform else stage.config.train.init_from]
        expected = {"stage": stage.name, "config": config_lib.to_dict(stage.config),
                    "init_transform": stage.init_transform,
                    "transform_source": stage.transform_source}
        model_path = os.path.join(stage.output_dir, "model.keras")
        state = _state(stage.output_dir, expected, model_path)
        if state == "done":
            log(f"{head} finished earlier, skipped ({model_path})")
            continue
        _start_record(stage.output_dir, expected, inputs)
        if stage.init_transform:
            _transform(stage, log)
        backup = os.path.join(stage.output_dir, "backup")
        start = stage.config.train.init_from or "scratch"
        log(f"{head} resuming from its backup in {backup}"
            if state == "resume" and os.path.isdir(backup)
            else f"{head} training {stage.config.train.epochs} epoch(s) from {start} into "
                 f"{stage.output_dir}")
        # A copy: train() writes what it fills in (an epoch's steps) into the config it gets.
        model, history = train(copy.deepcopy(stage.config), verbose=verbose)
        _finish(stage.output_dir, model_path)
        final = {k: round(float(v[-1]), 4) for k, v in history.history.items()}
        log(f"Finished stage {stage.name}: {final}")
        del model, history
        _free_memory()
    if average is not None:
        last = average.output_dir
        _average(average, total, log)
    log(f"Model: {os.path.join(last, 'model.keras')}")
    log(f"TensorBoard (every stage): tensorboard --logdir {recipe.output_dir}")
    return last


def _selected(recipe, until):
    """The stages to run, and the averaging step or None."""
    if until is None:
        return recipe.stages, recipe.average
    if recipe.average is not None and until == recipe.average.name:
        return recipe.stages, recipe.average
    last = recipe.groups.get(until, [until])[-1]
    names = recipe.names()
    if last not in names:
        known = names + sorted(recipe.groups) + ([recipe.average.name] if recipe.average
                                                 else [])
        raise config_lib.ConfigError(f"--until {until!r}: no such stage; expected one of: "
                                     f"{', '.join(known)}.")
    return recipe.stages[:names.index(last) + 1], None


def _sha256(path):
    from kerasgen.zoo.artifacts import sha256_file

    return sha256_file(path)


def _input_hashes(inputs):
    """sha256 of each model file a step reads (zoo names are checked by the zoo itself)."""
    return {path: _sha256(path) for path in inputs if path and os.path.isfile(path)}


def _read_record(folder):
    path = os.path.join(folder, RECORD)
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except ValueError as e:
        raise config_lib.ConfigError(f"{path} is damaged ({e}); remove {folder} to redo "
                                     "its stage.") from None


def _write_record(folder, record):
    with atomic_path(os.path.join(folder, RECORD)) as tmp, open(tmp, "w") as f:
        json.dump(record, f, indent=2)


def _start_record(folder, expected, inputs):
    """Record, before the step starts, what it is and the models it reads."""
    _write_record(folder, dict(expected, inputs=_input_hashes(inputs)))


def _finish(folder, model_path):
    """Mark the step in `folder` finished, with the sha256 of the model it wrote."""
    record = _read_record(folder)
    record["finished"] = {"sha256": _sha256(model_path)}
    _write_record(folder, record)


def _state(folder, expected, model_path):
    """"done" when the step in `folder` finished as `expected` from the same input models,
    "resume" when it started so and did not finish, "new" when it has not started. Raises
    when the folder holds anything else."""
    recorded = _read_record(folder)
    stage = expected["stage"]
    if recorded is None:
        if os.path.exists(model_path) or os.path.isdir(os.path.join(folder, "backup")):
            raise config_lib.ConfigError(
                f"Stage {stage}: {folder} holds a run that these stages did not start (no "
                f"{RECORD}); expected no folder there. Move it away, or set another "
                "train.output_dir.")
        return "new"
    inputs = recorded.pop("inputs", {})
    finished = recorded.pop("finished", None)
    made = "trained" if finished else "started"
    wanted = json.loads(json.dumps(expected))  # through JSON, as the record went
    if recorded != wanted:
        raise config_lib.ConfigError(
            f"Stage {stage}: {folder} was {made} with another config "
            f"({'; '.join(_differences(recorded, wanted))}). Rerun with the config it was "
            f"{made} with, or remove {folder} to {'train' if finished else 'start'} the stage "
            "afresh.")
    if not finished:
        return "resume"
    made_from = dict(inputs, **{model_path: finished["sha256"]})
    changed = [(path, sha) for path, sha in made_from.items() if _sha256_or_missing(path) != sha]
    if changed:
        path, sha = changed[0]
        raise config_lib.ConfigError(
            f"Stage {stage}: {folder} was made {'as' if path == model_path else 'from'} "
            f"{path} with sha256 {sha[:12]}..., which is now "
            f"{_sha256_or_missing(path)[:12]}...: a stage before it was redone, or the file "
            f"replaced. Remove {folder} (and the stages after it) to redo it.")
    return "done"


def _sha256_or_missing(path):
    return _sha256(path) if os.path.isfile(path) else "(missing)"


def _differences(recorded, wanted, limit=4):
    """'key: old then, new now' for each dotted key whose value differs (at most `limit`)."""
    def flat(value, prefix=""):
        if isinstance(value, dict) and value:
            out = {}
            for key, item in value.items():
                out.update(flat(item, f"{prefix}.{key}" if prefix else str(key)))
            return out
        return {prefix: value}

    then, now = flat(recorded), flat(wanted)
    keys = sorted(k for k in set(then) | set(now) if then.get(k, ()) != now.get(k, ()))
    shown = [f"{k.removeprefix('config.')}: {then.get(k, '(absent)')!r} then, "
             f"{now.get(k, '(absent)')!r} now" for k in keys[:limit]]
    return shown + ([f"{len(keys) - limit} more"] if len(keys) > limit else [])


def _transform(stage, log):
    """Write the stage's start model: its init transform applied to the model it starts
    from, unless an interrupted run wrote it already (the transform is deterministic)."""
    import keras

    from kerasgen.registry import INIT_TRANSFORMS
    from kerasgen.training.callbacks import save_model_atomically

    target = stage.config.train.init_from
    if os.path.isfile(target):
        return
    source = stage.transform_source
    # Loaded and rewritten as `python -m kerasgen.models.dcgan.widen` does in a fresh process:
    # float32 layers (the stage before left its policy set; the stage sets its own again).
    keras.mixed_precision.set_global_policy("float32")
    if source.endswith(".keras"):
        model = keras.saving.load_model(source, compile=False)
    else:
        from kerasgen import zoo

        model = zoo.load(source, compile=False)
    model = INIT_TRANSFORMS.get(stage.init_transform)(model)
    save_model_atomically(model, target)
    log(f"  {stage.init_transform}: {source} -> {target}")


def _average(step, total, log):
    from kerasgen.training.average import average_runs

    spec = step.spec
    head = f"Stage {total}/{total} {step.name}:"
    expected = {"stage": step.name, "average": {
        "sources": list(step.source_dirs), "greedy": spec.greedy,
        "greedy_seeds": list(spec.greedy_seeds), "greedy_samples": spec.greedy_samples,
        "steps": spec.steps, "base": spec.base, "features": spec.features}}
    sources = [os.path.join(folder, "model.keras") for folder in step.source_dirs]
    model_path = os.path.join(step.output_dir, "model.keras")
    if _state(step.output_dir, expected, model_path) == "done":
        log(f"{head} finished earlier, skipped ({model_path})")
        return
    _start_record(step.output_dir, expected, sources)
    how = f"greedy soup by {spec.greedy}" if spec.greedy else "uniform average"
    log(f"{head} {how} of {', '.join(step.sources)} into {step.output_dir}")
    # config=None: the data and config of the base source's run, as `kerasgen average`.
    average_runs(list(step.source_dirs), step.output_dir, base=spec.base, steps=spec.steps,
                 greedy=spec.greedy, greedy_seeds=tuple(spec.greedy_seeds),
                 greedy_samples=spec.greedy_samples, features=spec.features, log=log)
    _finish(step.output_dir, model_path)
    _free_memory()


def _free_memory():
    """Drop the finished step's models before the next builds its own."""
    import keras

    keras.backend.clear_session()
    gc.collect()
