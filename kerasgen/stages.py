"""A config's stages, expanded: one checked ExperimentConfig per stage, and the averaging step.

The syntax and its rules are in the docstring of `kerasgen.config`. Nothing here trains;
`kerasgen.training.staged` runs what `load` returns.

Example:
>>> from kerasgen import stages
>>> recipe = stages.load("configs/wgan_gp_fashion_mnist.yaml")
>>> recipe.names()[:3]                       # ['base', 'finetune', 'finetune_b128']
>>> recipe.stage("finetune").config.train.init_from
'runs/wgan_gp_fashion_mnist/base/model.keras'
"""

import copy
import os
import re
from dataclasses import dataclass
from dataclasses import field
from typing import Optional

from kerasgen import config as config_lib
from kerasgen import yamlio

# A stage's name is a folder name, and `<name><k>` for its repeats.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
# What a stage's `set` may not change: the stage's folder decides them.
_NOT_SET = {"name": "the config of stage S is named <config name>_S",
            "train.output_dir": "stage S trains into <run folder>/S; set train.output_dir at "
                                "the top of the file (or --output-dir) to move the run folder"}


@dataclass
class StageSpec:
    """One entry of `stages` as written."""
    name: Optional[str] = None  # required; None only so that its absence gets its own error
    set: dict = field(default_factory=dict)  # changes to the stage before
    repeat: Optional[int] = None  # N stages <name>1 ... <name>N, train.seed + 0 ... N-1
    init_from: Optional[str] = None  # an earlier stage; its presence is read from the YAML
    init_transform: Optional[str] = None  # kerasgen.registry.INIT_TRANSFORMS


@dataclass
class AverageSpec:
    """The `average` step as written; defaults are `kerasgen average`'s."""
    stages: list = field(default_factory=list)  # stage names; a repeated stage means all
    name: str = "average"  # its folder in the run folder
    greedy: Optional[str] = None  # is / fid / kid: keep what a greedy model soup keeps
    greedy_seeds: list = field(default_factory=lambda: [10, 11])
    greedy_samples: int = 10_000
    steps: int = 100  # batches for the averaged model's batch-norm statistics
    base: int = -1  # the source that gives the config and the discriminator
    features: Optional[str] = None  # greedy's feature extractor (default: the data's)


@dataclass
class Stage:
    """A stage to train: its resolved config (train.output_dir is its folder, train.init_from
    what it starts from) and, with an init_transform, the model the transform reads."""
    name: str
    config: config_lib.ExperimentConfig
    init_transform: Optional[str] = None
    transform_source: Optional[str] = None

    @property
    def output_dir(self):
        return self.config.train.output_dir


@dataclass
class AverageStep:
    """The averaging step: `kerasgen average` of `sources` (stage names, whose folders are
    `source_dirs`) into `output_dir`, with the options of `spec`."""
    spec: AverageSpec
    sources: list
    source_dirs: list
    output_dir: str

    @property
    def name(self):
        return self.spec.name


@dataclass
class Recipe:
    """Every stage of a config file, in order, and its averaging step (or None). `top` is
    the config at the top of the file (what `config.load` returns)."""
    name: str
    output_dir: str  # the run folder the stages' folders are in
    top: config_lib.ExperimentConfig
    stages: list
    average: Optional[AverageStep] = None
    groups: dict = field(default_factory=dict)  # a repeated stage's name -> its repeats

    def stage(self, name):
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise LookupError(f"No stage {name!r}; stages: {', '.join(self.names())}.")

    def names(self):
        return [stage.name for stage in self.stages]

    def final_config(self):
        """The config of the model the recipe ends with: the last stage's, or the config the
        averaging step takes (that of its `base` source, as `kerasgen average`)."""
        if self.average is not None:
            return self.stage(self.average.sources[self.average.spec.base]).config
        return self.stages[-1].config


def has_stages(path):
    """Whether the YAML file at `path` describes stages; False for anything `config.load`
    would refuse, so that it reports the problem as it does for any config."""
    try:
        with open(path, encoding="utf-8") as f:
            raw = yamlio.parse_yaml(f.read(), path)
    except (OSError, UnicodeDecodeError, yamlio.YAMLError):
        return False
    return isinstance(raw, dict) and ("stages" in raw or "average" in raw)


def load(path, overrides=()):
    """The `Recipe` of a config file with stages; `overrides` (`--set` strings) apply to
    every stage, train.output_dir naming the run folder."""
    raw = config_lib.read(path)
    if "stages" not in raw and "average" not in raw:
        raise config_lib.ConfigError(f"{path}: expected a config with stages (a `stages` "
                                     "list); this one has none, so train it as it is.")
    return from_raw(raw, overrides, path)


def final_config(path):
    """The config of the model a config file ends with: `load(path).final_config()` for a
    file with stages, else `config.load(path)`."""
    if has_stages(path):
        return load(path).final_config()
    return config_lib.load(path)


def merge(raw, changes, where):
    """Merge `changes` into the raw config `raw` (in place): a dotted key reaches into
    mappings, a mapping merges key by key into a mapping, anything else replaces."""
    if not isinstance(changes, dict):
        raise config_lib.ConfigError(f"{where}: expected a mapping of config keys to values; "
                                     f"received {type(changes).__name__} {changes!r}.")
    for key, value in changes.items():
        node = raw
        parts = str(key).split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise config_lib.ConfigError(f"{where}: {key!r}: {part!r} is not a mapping.")
        leaf = parts[-1]
        if isinstance(value, dict) and isinstance(node.get(leaf), dict):
            merge(node[leaf], value, where)
        else:
            node[leaf] = copy.deepcopy(value)
    return raw


def _leaves(mapping, prefix=""):
    """Dotted keys of the leaves of a `set` mapping (dotted or nested)."""
    for key, value in mapping.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            yield from _leaves(value, dotted)
        else:
            yield dotted


def _error(where, message):
    return config_lib.ConfigError(f"{where}: {message}")


def from_raw(raw, overrides, where):
    """Expand a raw config mapping with `stages` (and `average`) into a checked `Recipe`."""
    raw = copy.deepcopy(raw)
    specs = raw.pop("stages", None)
    average = raw.pop("average", None)
    if not isinstance(specs, list) or not specs:
        raise _error(where, f"stages: expected a list of stages (each a mapping with a name); "
                            f"received {specs!r}.")
    top = config_lib.from_dict(config_lib.ExperimentConfig,
                               config_lib.apply_overrides(copy.deepcopy(raw), overrides))
    config_lib.validate(top)
    run_dir = top.train.output_dir or os.path.join("runs", top.name)
    chain = raw  # the stage before's raw config, without the command line's overrides
    stages, groups = [], {}
    for index, item in enumerate(specs):
        spec = _stage_spec(item, index, where)
        merge(chain, spec.set, f"{where}: stage {spec.name}: set")
        names = ([f"{spec.name}{k}" for k in range(1, spec.repeat + 1)] if spec.repeat
                 else [spec.name])
        for name in [spec.name] + names:
            if name in groups or any(s.name == name for s in stages):
                raise _error(where, f"stage {name!r} is named twice; expected unique names "
                                    "(a stage with repeat: N also takes <name>1 ... <name>N).")
        if spec.repeat:
            groups[spec.name] = names
        for k, name in enumerate(names):
            stages.append(_stage(name, k, spec, item, chain, overrides, top.name, run_dir,
                                 stages, groups, where))
    recipe = Recipe(name=top.name, output_dir=run_dir, top=top, stages=stages, groups=groups)
    if average is not None:
        recipe.average = _average_step(average, recipe, where)
    return recipe


def _stage_spec(item, index, where):
    if not isinstance(item, dict):
        raise _error(where, f"stages[{index}]: expected a mapping with a name (and set, "
                            f"repeat, init_from, init_transform); received "
                            f"{type(item).__name__} {item!r}.")
    try:
        spec = config_lib.from_dict(StageSpec, item, f"stages[{index}]")
    except config_lib.ConfigError as e:
        raise _error(where, e) from None
    if spec.name is None or not _NAME.match(str(spec.name)):
        raise _error(where, f"stages[{index}].name: expected a folder name (letters, digits, "
                            f"_ . -); received {spec.name!r}.")
    if index == 0 and spec.set:
        raise _error(where, f"stage {spec.name}: the first stage trains the config at the top "
                            "of the file; put its values there instead of in `set`.")
    if index == 0 and item.get("init_from") is not None:
        raise _error(where, f"stage {spec.name}: init_from {spec.init_from!r}: the first stage "
                            "has no earlier stage to start from; set train.init_from at the "
                            "top of the file for a file or zoo model.")
    if spec.repeat is not None and spec.repeat < 1:
        raise _error(where, f"stage {spec.name}: repeat must be >= 1; received {spec.repeat}.")
    for dotted in _leaves(spec.set):
        for key, why in _NOT_SET.items():
            if dotted == key or dotted.startswith(key + "."):
                raise _error(where, f"stage {spec.name}: set {dotted}: not a stage's to set "
                                    f"({why}).")
        if dotted.split(".")[0] in ("stages", "average"):
            raise _error(where, f"stage {spec.name}: set {dotted}: stages cannot nest; "
                                "expected config keys (model, data, train).")
        if dotted == "train.init_from" and not ("init_from" in item and
                                                item["init_from"] is None):
            raise _error(where, f"stage {spec.name}: set train.init_from would be replaced by "
                                "the model of the stage before; add `init_from: null` to the "
                                "stage to start from it instead.")
    return spec


def _stage(name, k, spec, item, chain, overrides, recipe_name, run_dir, earlier, groups,
           where):
    """Stage `name`, the k-th repeat (0 for a stage without repeat) of `spec`."""
    raw = config_lib.apply_overrides(copy.deepcopy(chain), overrides)
    raw["name"] = f"{recipe_name}_{name}"
    try:
        config = config_lib.from_dict(config_lib.ExperimentConfig, raw)
    except config_lib.ConfigError as e:
        raise _error(where, f"stage {name}: {e}") from None
    config.train.seed += k  # each repeat its own latents (and gradient-penalty interpolates)
    folder = os.path.join(run_dir, name)
    config.train.output_dir = folder
    if "init_from" not in item:  # the model of the stage before (the first: the config's)
        source = (os.path.join(earlier[-1].output_dir, "model.keras") if earlier
                  else config.train.init_from)
    elif item["init_from"] is None:
        source = config.train.init_from
    else:
        source = os.path.join(_earlier_folder(spec.init_from, name, earlier, groups, where),
                              "model.keras")
    transform = spec.init_transform
    if transform is not None:
        from kerasgen import models  # noqa: F401  (families register their transforms)
        from kerasgen.registry import INIT_TRANSFORMS

        if transform not in INIT_TRANSFORMS:
            raise _error(where, f"stage {name}: init_transform: unknown {transform!r}; known: "
                                f"{', '.join(INIT_TRANSFORMS.names()) or '(none)'}.")
        if source is None:
            raise _error(where, f"stage {name}: init_transform {transform} needs a model to "
                                "start from; the stage has none (no stage before it and no "
                                "train.init_from).")
        config.train.init_from = os.path.join(folder, f"{transform}.keras")
    else:
        config.train.init_from = source
    try:
        config_lib.validate(config)
    except config_lib.ConfigError as e:
        raise _error(where, f"stage {name}: {e}") from None
    return Stage(name=name, config=config, init_transform=transform,
                 transform_source=source if transform else None)


def _earlier_folder(reference, name, earlier, groups, where):
    known = [s.name for s in earlier]
    if reference in groups:
        raise _error(where, f"stage {name}: init_from {reference!r} is a repeated stage; "
                            f"expected one of its repeats: {', '.join(groups[reference])}.")
    for stage in earlier:
        if stage.name == reference:
            return stage.output_dir
    raise _error(where, f"stage {name}: init_from {reference!r} is not a stage before it; "
                        f"expected one of: {', '.join(known) or '(none)'} (or null for the "
                        "stage's own train.init_from).")


def _average_step(raw, recipe, where):
    if not isinstance(raw, dict):
        raise _error(where, f"average: expected a mapping with the stages to average; "
                            f"received {type(raw).__name__} {raw!r}.")
    try:
        spec = config_lib.from_dict(AverageSpec, raw, "average")
    except config_lib.ConfigError as e:
        raise _error(where, e) from None
    known = recipe.names()
    if not spec.stages:
        raise _error(where, f"average.stages: the averaging step names no stage; expected at "
                            f"least 2 of: {', '.join(known)} (a repeated stage's name stands "
                            "for all its repeats).")
    sources = []
    for reference in spec.stages:
        names = recipe.groups.get(reference, [reference])
        for n in names:
            if n not in known:
                raise _error(where, f"average.stages: {reference!r} is not a stage; expected "
                                    f"names from: {', '.join(known + sorted(recipe.groups))}.")
            if n in sources:
                raise _error(where, f"average.stages: {n!r} is named twice (a repeated "
                                    "stage's name stands for all its repeats).")
            sources.append(n)
    if len(sources) < 2:
        raise _error(where, f"average.stages: averaging needs at least 2 models; received "
                            f"{len(sources)}: {sources}.")
    if not _NAME.match(spec.name) or spec.name in known:
        raise _error(where, f"average.name: expected a folder name that is not a stage's; "
                            f"received {spec.name!r}.")
    from kerasgen.metrics.sample_quality import HIGHER_IS_BETTER

    if spec.greedy is not None and spec.greedy not in HIGHER_IS_BETTER:
        raise _error(where, f"average.greedy: expected one of {', '.join(HIGHER_IS_BETTER)} or "
                            f"null; received {spec.greedy!r}.")
    if not spec.greedy_seeds or not all(isinstance(s, int) and not isinstance(s, bool)
                                        for s in spec.greedy_seeds):
        raise _error(where, f"average.greedy_seeds: expected a list of integers, e.g. [10, "
                            f"11]; received {spec.greedy_seeds!r}.")
    for key, low in (("greedy_samples", 2), ("steps", 1)):
        if getattr(spec, key) < low:
            raise _error(where, f"average.{key}: must be >= {low}; received "
                                f"{getattr(spec, key)}.")
    if not -len(sources) <= spec.base < len(sources):
        raise _error(where, f"average.base: expected an index into the {len(sources)} stages "
                            f"averaged ({', '.join(sources)}); received {spec.base}.")
    return AverageStep(spec=spec, sources=sources,
                       source_dirs=[recipe.stage(n).output_dir for n in sources],
                       output_dir=os.path.join(recipe.output_dir, spec.name))

