"""Pretrained models and evaluation networks: `kerasgen.zoo.list()`, `info(name)`, `load(name)`.

Artifacts come from the repository's `zoo/` folder, else the cache in $KERASGEN_HOME, else
$KERASGEN_ZOO_URL; every one is verified against the sha256 in its entry before Keras reads it
(with `safe_mode=True`).
"""

import copy

from kerasgen.zoo.artifacts import ChecksumError  # noqa: F401
from kerasgen.zoo.artifacts import fetch
import kerasgen.models  # noqa: F401  (each family registers its zoo entries)
from kerasgen.registry import ALIASES
from kerasgen.registry import PRESETS


def list():  # noqa: A001  (the public name the zoo API promises)
    """Names of all entries (aliases not included)."""
    return sorted(PRESETS)


def resolve(name):
    """The canonical entry name for a name or alias; LookupError listing known names."""
    name = ALIASES.get(name, name)
    if name not in PRESETS:
        known = sorted(PRESETS) + [f"{a} (-> {t})" for a, t in sorted(ALIASES.items())]
        raise LookupError(f"Unknown zoo model {name!r}. Known: {', '.join(known) or '(none)'}.")
    return name


def info(name):
    """A copy of the entry: family, config, artifact, sha256, bytes, dataset, licence, metrics."""
    canonical = resolve(name)
    return dict(copy.deepcopy(PRESETS[canonical]), name=canonical)


def path(name):
    """Local path of the verified artifact (repo zoo/, cache, or downloaded)."""
    return fetch(PRESETS[resolve(name)])


def examples(name):
    """The example inputs shipped with an entry (a translator's held-out (sources, targets),
    float32 in [0, 1]) that its preview shows, after their sha256 is verified; None when it
    ships none."""
    import os

    import numpy as np

    from kerasgen.zoo.artifacts import repo_zoo_dir
    from kerasgen.zoo.artifacts import verify

    entry = PRESETS[resolve(name)]
    shipped = entry.get("examples")
    if not shipped:
        return None
    path = os.path.join(repo_zoo_dir(), shipped["file"])
    verify(path, shipped["sha256"], shipped["bytes"])
    with np.load(path) as f:
        return (f["sources"].astype("float32") / 255.0, f["targets"].astype("float32") / 255.0)


def config_path(name):
    """Absolute path of the entry's training config (configs/ beside zoo/), or None."""
    import os

    from kerasgen.zoo.artifacts import repo_zoo_dir

    entry = PRESETS[resolve(name)]
    if not entry.get("config"):
        return None
    path = os.path.join(os.path.dirname(os.path.abspath(repo_zoo_dir())), entry["config"])
    return path if os.path.isfile(path) else None


def load(name, compile=True):
    """The entry's Keras model, loaded with `safe_mode=True` after its sha256 is verified.

    Artifacts hold architecture and weights, not optimizer state (that would triple their
    size). With `compile=True` the model is compiled with the optimizers of the config it was
    trained with (of a config with stages, the last stage's; fresh moments; a learning-rate
    schedule counted in epochs is replaced by its initial rate), so `model.fit(...)`
    fine-tunes it straight away; entries without a config are compiled by the family's
    defaults.

    Example:
    >>> model = kerasgen.zoo.load("dcgan_celeba")
    >>> images = model.generate(16)            # (16, 64, 64, 3) floats in [0, 1]
    """
    import keras

    import kerasgen.models  # noqa: F401  (registers the classes the artifact refers to)

    model = keras.saving.load_model(path(name), compile=False, safe_mode=True)
    if compile:
        from kerasgen import optimizers
        from kerasgen import yamlio

        cfg = config_path(name)
        if cfg:
            from kerasgen import stages

            if stages.has_stages(cfg):  # the optimizers of the stage that made the artifact
                from kerasgen import config as config_lib

                train = config_lib.to_dict(stages.load(cfg).final_config())["train"]
            else:
                with open(cfg) as f:
                    train = (yamlio.parse_yaml(f.read(), cfg) or {}).get("train") or {}
            # A schedule counted in epochs (constant_then_linear) fine-tunes from its initial
            # learning rate: the config's own epochs are over.
            train = {key: optimizers.initial_rate_if_unfilled(value)
                     if key.endswith("optimizer") else value for key, value in train.items()}
            optimizers.compile_with(model, train)
        else:
            model.compile()
    return model
