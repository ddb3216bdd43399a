"""Typed experiment configs: YAML files override dataclass defaults (Model Garden style).

An unknown key or a value of the wrong type is rejected with its dotted key named; model
constructor arguments are checked against the family's constructor signature, since the
constructor arguments *are* the model config.

Stages. A preset that took several runs is still one file: its top is the first run's config,
`stages` lists the runs in order, each a named set of changes to the one before, and an
optional `average` step averages chosen stages' models (what `kerasgen average` does):

    model: {family: dcgan, args: {...}}
    data: {...}
    train: {epochs: 16, ...}
    stages:
      - name: base                  # the config above, as written
      - name: cycle                 # cycle1 ... cycle6, each from the one before,
        repeat: 6                   # train.seed 101, 102, ..., 106
        set:
          train.epochs: 1           # a dotted key, as --set takes ...
          train: {seed: 101, metrics_every_epochs: null}   # ... or a nested mapping
    average:                        # optional
      name: average                 # its folder (default "average")
      stages: [base, cycle]         # a repeated stage's name stands for all its repeats
      greedy: null                  # is / fid / kid: a greedy soup, as kerasgen average
                                    # --greedy; also greedy_seeds, greedy_samples, steps,
                                    # base and features, with that command's defaults

- Each stage trains into `<run folder>/<stage name>`, the run folder being train.output_dir
  (`--output-dir`) or runs/<config name>; the stage's config is named
  `<config name>_<stage name>`.
- `set` is merged into the config of the stage before: a dotted key reaches into mappings
  as `--set` does, a mapping merges key by key into a mapping, anything else replaces. It
  may not set `name` or train.output_dir (the stage's folder gives them). The first stage
  takes no `set`: the top of the file is its config.
- A stage starts from the model of the stage before (`train.init_from`); the first stage,
  like any config, from train.init_from if it is set. `init_from: <earlier stage>` names
  another stage; `init_from: null` starts from the stage's own train.init_from (nothing, or
  a file or zoo name its `set` gives; setting train.init_from needs this). `init_transform:
  <name>` (kerasgen.registry.INIT_TRANSFORMS, e.g. widen_discriminator) rewrites that model
  first, into `<stage folder>/<name>.keras`.
- `repeat: N` gives N stages `<name>1` ... `<name>N`, each from the one before (all from the
  named stage when `init_from` names one), train.seed raised by 0, 1, ..., N-1.
- `kerasgen train FILE` runs every stage in order, then the average. A stage whose folder
  records (stage.json) that it finished, with the same resolved config, from the same input
  models, is skipped; one that was interrupted resumes from its backup; one whose folder
  records another config stops with the keys that differ. `--set` values apply to every
  stage, after its own `set`, except train.output_dir, which names the run folder;
  `--until STAGE` stops after that stage. Stages run in one process: no multi_worker.
- `load` reads such a file as the config at its top (the first stage's, on its own, in
  runs/<config name>), after checking every stage; `kerasgen.stages.load` returns them all.
"""

import dataclasses
import inspect
import os
import typing
from dataclasses import dataclass
from dataclasses import field
from typing import Optional
from typing import Union

import yaml

from kerasgen import yamlio


@dataclass
class DataConfig:
    source: str = "idx"  # "idx" (MNIST-style), "folder" (JPEG/PNG), "paired", "unpaired", "tfds"
    path: Optional[str] = None  # idx or image folder; relative paths are under $KERASGEN_DATA
    name: Optional[str] = None  # TFDS dataset name, e.g. "mnist"
    data_dir: Optional[str] = None  # TFDS data_dir (prepared data; no download needed)
    split: str = "train"
    eval_split: Optional[str] = "test"  # evaluated after each epoch; None to skip
    image_size: Optional[int] = None  # resize to a square side; None keeps the source size
    channels: int = 1
    crop: str = "center"  # "center": square centre crop before resizing (CelebA faces)
    start: int = 0  # image folders: slice of the sorted file list used for training
    stop: Optional[int] = None
    eval_start: int = 0  # image folders: held-out slice (of eval_path, else of path)
    eval_stop: Optional[int] = None
    # Yield (image, label) pairs; conditional models need them. Image folders take labels
    # from labels_file, else from class subfolders ("inferred", as
    # keras.utils.image_dataset_from_directory: sorted subfolder names are classes 0, 1, ...).
    labels: Union[bool, str] = False
    labels_file: Optional[str] = None  # image folders: CSV of filename,label
    class_names: Optional[list] = None  # written by kerasgen train for inferred labels
    eval_path: Optional[str] = None  # image folders: a held-out folder for eval_split
    # image folders with class subfolders: hold out the last N files (sorted names) of each
    # class as eval_split and train on the rest (e.g. 500 of each CIFAR-10 class)
    holdout_per_class: Optional[int] = None
    # source "paired" (translation): side_by_side (A|B files), folders (A/, B/), or pairs
    # derived from an image folder: edges (XDoG line drawings) or grayscale (colourization).
    pairs: Optional[str] = None
    direction: str = "AtoB"  # side_by_side / folders: which side is the source
    jitter: bool = True  # paired/unpaired training data: resize by 286/256, random crop, mirror
    # source "unpaired" (CycleGAN): cyclegan (trainA/ trainB/ testA/ testB), folders (path and
    # path_b), attribute (path split by `attribute` of labels_file: A without, B with), edges
    # or grayscale (A derived from the first half of the slice, B the second half), tfds.
    domains: Optional[str] = None
    path_b: Optional[str] = None  # domains: folders
    attribute: Optional[str] = None  # domains: attribute, e.g. Eyeglasses
    # domains: attribute: attributes of labels_file (e.g. [Male, Young]) whose combinations
    # training draws A in B's proportions, so the domains differ by `attribute` and not by
    # what goes with it in the data (CelebA's faces with glasses are mostly older men).
    match_attributes: Optional[list] = None
    channels_a: Optional[int] = None  # domain A's channels when they differ from `channels`
    # source "captions" (text-to-image): a caption file or folder for the images of `path`
    # (.jsonl / .csv / COCO .json / a folder of CUB-style .txt files), or a caption scheme
    # phrasing captions from labels_file (5 per image, deterministic given data.seed):
    # "celeba_attributes" (the first presets'), "celeba_attributes_v2" (as people write).
    captions: Optional[str] = None
    # caption schemes: faces with rare attributes (bald, glasses, grey hair, hats) get their
    # captions times max(1, sqrt(repeat_threshold / share of faces with it)) in training
    # (LVIS repeat-factor sampling); None: 5 each.
    repeat_threshold: Optional[float] = None
    binarize: bool = False  # dynamic binarization: x ~ Bernoulli(pixel) every time it is seen
    batch_size: int = 128  # per generator/ELBO step; GANs read k times this per step
    shuffle_buffer: int = 60000  # the whole of MNIST: a full shuffle costs ~47 MB
    seed: Optional[int] = 0


@dataclass
class ModelConfig:
    family: str = "vae"  # a name in kerasgen.registry.MODELS
    args: dict = field(default_factory=dict)  # the family's constructor arguments


@dataclass
class TrainConfig:
    epochs: int = 10
    steps_per_epoch: Optional[int] = None  # None: one pass over the data
    # "float32", "mixed_bfloat16", "mixed_float16", or "auto": mixed_bfloat16 where the
    # machine computes bfloat16, else float32 (kerasgen.training.precision.resolve)
    mixed_precision: str = "float32"
    jit_compile: bool = False  # XLA: the 64x64 DCGAN ran at 0.6x without-XLA speed on CPU
    # "default": one device. "mirrored": tf.distribute.MirroredStrategy over every local GPU
    # (or the devices TensorFlow sees). "multi_worker": MultiWorkerMirroredStrategy over the
    # machines `cluster` names. Under both, data.batch_size is the global batch, split evenly
    # over the replicas (see docs/DISTRIBUTED.md).
    strategy: str = "default"
    # multi_worker only: where the cluster comes from. "tf_config": the TF_CONFIG environment
    # variable (what `kerasgen train --workers N` sets); "slurm": the SLURM job's variables.
    cluster: str = "tf_config"
    # multi_worker only: how long a worker waits for the others to answer at start-up before
    # it stops with an error naming the addresses that did not.
    cluster_timeout_seconds: int = 300
    optimizer: Optional[dict] = None  # VAEs/autoencoders: {name: adam, learning_rate: 1e-3}
    g_optimizer: Optional[dict] = None  # GANs; None uses the loss's paper default
    d_optimizer: Optional[dict] = None
    output_dir: Optional[str] = None  # default runs/<experiment name>
    num_samples: int = 64  # sample grid size (a square number gives a square grid)
    sample_every_epochs: int = 1
    checkpoint_every_steps: Optional[int] = 500  # backup cadence; None: every epoch only
    tensorboard_update_freq: str = "epoch"  # or a number of steps, as a string
    seed: int = 0
    # Start from another model's weights (fine-tuning): a zoo name or a .keras file of the
    # same architecture; a backup in output_dir, when there is one, wins (resume).
    init_from: Optional[str] = None
    # Sample-quality metrics during training (kerasgen.metrics.SampleQuality), logged to
    # TensorBoard and History; None turns them off.
    metrics_every_epochs: Optional[int] = None
    metrics: list = field(default_factory=lambda: ["fid"])  # fid, kid, is, pr, swd, ms_ssim
    metrics_features: Optional[str] = None  # default: the data folder's domain classifier
    metrics_num_generated: int = 5000
    # Batches the model's run-end steps use after the last epoch (`run_end_callbacks`:
    # GANs' and pix2pix's batch-norm statistics of the final weights, Wu & Johnson 2021):
    # more batches, steadier statistics; each is a forward pass per generator.
    run_end_steps: int = 100
    # Stop training once this many minutes of training steps are spent (counted across
    # resumes, in training_time.json; epoch-end evaluation is not counted): runs compared at
    # equal time. "cpu" counts the process's CPU seconds, steadier than "wall" on shared
    # machines. None: train every epoch.
    time_budget_minutes: Optional[float] = None
    time_budget_clock: str = "wall"


@dataclass
class ExperimentConfig:
    name: str = "experiment"
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


MIXED_PRECISION = ("float32", "mixed_bfloat16", "mixed_float16", "auto")
TIME_BUDGET_CLOCKS = ("wall", "cpu")
STRATEGIES = ("default", "mirrored", "multi_worker")
CLUSTERS = ("tf_config", "slurm")
_OPTIONAL_COUNTS = ("steps_per_epoch", "checkpoint_every_steps", "metrics_every_epochs")


class ConfigError(ValueError):
    """A config key is unknown or has a value of the wrong type."""


def _type_name(tp):
    return getattr(tp, "__name__", str(tp))


def _coerce(value, tp, key):
    origin = typing.get_origin(tp)
    if origin is typing.Union:  # Optional[X], Union[X, Y]
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None and len(args) < len(typing.get_args(tp)):
            return None
        for arg in args[:-1]:
            try:
                return _coerce(value, arg, key)
            except ConfigError:
                pass
        return _coerce(value, args[-1], key)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping of {tp.__name__} fields; received "
                              f"{type(value).__name__} {value!r}.")
        return from_dict(tp, value, key)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp in (int, float) and isinstance(value, bool):
        raise ConfigError(f"{key}: expected {_type_name(tp)}; received bool {value!r}.")
    if not isinstance(value, tp):
        raise ConfigError(f"{key}: expected {_type_name(tp)}; received "
                          f"{type(value).__name__} {value!r}.")
    return value


def from_dict(cls, data, prefix=""):
    """Build dataclass `cls` from a dict, rejecting unknown keys and wrong types."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in (data or {}).items():
        dotted = f"{prefix}.{key}" if prefix else key
        if key not in names:
            raise ConfigError(f"Unknown config key {dotted!r}; {cls.__name__} has: "
                              f"{', '.join(sorted(names))}.")
        kwargs[key] = _coerce(value, hints[key], dotted)
    return cls(**kwargs)


def to_dict(config):
    return dataclasses.asdict(config)


def parse_yaml(text, where):
    """YAML text -> Python value (`kerasgen.yamlio`), broken YAML as a ConfigError."""
    try:
        return yamlio.parse_yaml(text, where)
    except yamlio.YAMLError as e:
        raise ConfigError(str(e)) from None


def apply_overrides(raw, overrides):
    """Apply `key.sub=value` strings to a raw config dict; values are parsed as YAML."""
    for item in overrides or ():
        if "=" not in item:
            raise ConfigError(f"Override {item!r} is not of the form key=value.")
        key, text = item.split("=", 1)
        value = parse_yaml(text, f"--set {item}")
        node = raw
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"Override {key!r}: {part!r} is not a mapping.")
        node[parts[-1]] = value
    return raw


def read(path):
    """The raw mapping of a YAML experiment file, its `name` defaulting to the file's."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"Config file {path!r} does not exist.") from None
    except (IsADirectoryError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: expected a YAML text file ({e}).") from None
    raw = parse_yaml(text, path) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level; received "
                          f"{type(raw).__name__}.")
    raw.setdefault("name", os.path.splitext(os.path.basename(path))[0])
    return raw


def load(path, overrides=()):
    """Read a YAML experiment file, apply overrides, and return a checked ExperimentConfig.
    A file with stages gives the config at its top, once every stage has been checked."""
    raw = read(path)
    if "stages" in raw or "average" in raw:
        from kerasgen import stages  # it builds on this module

        return stages.from_raw(raw, overrides, path).top
    config = from_dict(ExperimentConfig, apply_overrides(raw, overrides))
    validate(config)
    return config


def save(config, path):
    from kerasgen.files import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w") as f:
        yaml.safe_dump(to_dict(config), f, sort_keys=False)


def constructor_parameters(cls):
    """Named constructor parameters of `cls`, following **kwargs up to keras.Model."""
    import keras

    params = {}
    for klass in cls.__mro__:
        if klass in (keras.Model,) or "__init__" not in vars(klass):
            continue
        signature = inspect.signature(klass.__init__)
        for name, p in signature.parameters.items():
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                params.setdefault(name, p.default)
        if not any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values()):
            break
    params.setdefault("name", None)
    return params


def check_model_args(cls, args, prefix="model.args"):
    """Reject unknown constructor arguments, and values whose type differs from a non-None
    default (ints are accepted for floats, lists for tuples)."""
    params = constructor_parameters(cls)
    for key, value in args.items():
        dotted = f"{prefix}.{key}"
        if key not in params:
            raise ConfigError(f"Unknown config key {dotted!r}; {cls.__name__} takes: "
                              f"{', '.join(sorted(params))}.")
        default = params[key]
        if default is None or default is inspect.Parameter.empty or value is None:
            continue
        expected = type(default)
        ok = isinstance(value, expected) and not (
            isinstance(value, bool) and expected is not bool)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if expected in (tuple, list) and isinstance(value, (tuple, list)):
            ok = True
        if not ok:
            raise ConfigError(f"{dotted}: expected {expected.__name__} (like the default "
                              f"{default!r}); received {type(value).__name__} {value!r}.")


def validate(config):
    """Cross-field checks that need the registry."""
    from kerasgen import models  # noqa: F401  (registers the families)
    from kerasgen.registry import MODELS

    if config.train.mixed_precision not in MIXED_PRECISION:
        raise ConfigError(f"train.mixed_precision: expected one of {', '.join(MIXED_PRECISION)}; "
                          f"received {config.train.mixed_precision!r}.")
    if config.train.strategy not in STRATEGIES:
        raise ConfigError(f"train.strategy: expected one of {', '.join(STRATEGIES)}; received "
                          f"{config.train.strategy!r}.")
    if config.train.cluster not in CLUSTERS:
        raise ConfigError(f"train.cluster: expected one of {', '.join(CLUSTERS)}; received "
                          f"{config.train.cluster!r}.")
    if config.train.time_budget_clock not in TIME_BUDGET_CLOCKS:
        raise ConfigError(f"train.time_budget_clock: expected one of "
                          f"{', '.join(TIME_BUDGET_CLOCKS)}; received "
                          f"{config.train.time_budget_clock!r}.")
    if config.train.time_budget_minutes is not None:
        if not config.train.time_budget_minutes > 0:
            raise ConfigError(f"train.time_budget_minutes: must be > 0 (or null); received "
                              f"{config.train.time_budget_minutes}.")
        if config.train.strategy == "multi_worker":
            # Each worker would read its own clock and could stop a step before the others,
            # which then wait for it in an all-reduce.
            raise ConfigError("train.time_budget_minutes: not available with strategy "
                              "multi_worker (workers could stop at different steps); set "
                              "train.epochs or train.steps_per_epoch instead.")
    try:
        cls = MODELS.get(config.model.family)
    except LookupError as e:
        raise ConfigError(f"model.family: {e}") from None
    check_model_args(cls, config.model.args)
    for dotted in ("data.batch_size", "data.shuffle_buffer", "train.epochs",
                   "train.num_samples", "train.sample_every_epochs", "train.steps_per_epoch",
                   "train.checkpoint_every_steps", "train.metrics_every_epochs",
                   "train.metrics_num_generated", "train.cluster_timeout_seconds",
                   "train.run_end_steps"):
        section, key = dotted.split(".")
        value = getattr(getattr(config, section), key)
        if value is not None and value < 1:
            optional = " (or null)" if key in _OPTIONAL_COUNTS else ""
            raise ConfigError(f"{dotted}: must be >= 1{optional}; received {value}.")
    data = config.data
    from kerasgen.data.pipeline import check_source_config

    for dotted, value in (("data.start", data.start), ("data.eval_start", data.eval_start)):
        if value < 0:
            raise ConfigError(f"{dotted}: must be >= 0; received {value}.")
    try:
        check_source_config(data)
    except LookupError as e:
        raise ConfigError(f"data.source: {e}") from None
    except ValueError as e:
        raise ConfigError(str(e)) from None
    from kerasgen.metrics.sample_quality import check_metrics

    try:
        check_metrics(config.train.metrics)
    except ValueError as e:
        raise ConfigError(f"train.metrics: {e}") from None
    return config
