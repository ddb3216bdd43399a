"""Loading a model the way every command does: by zoo name, run folder or `.keras` file, with
the run's config when there is one, and the examples a preview shows."""

import os

import keras

from kerasgen import config as config_lib
from kerasgen import stages


def load_model(spec):
    """A model from a zoo name, a run folder (model.keras + config.yaml) or a `.keras` file.

    Returns (model, description dict, ExperimentConfig or None).
    """
    import kerasgen.models  # noqa: F401  (registers the classes)
    from kerasgen import zoo

    if os.path.isdir(spec):
        path = os.path.join(spec, "model.keras")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Run folder {spec!r} has no model.keras.")
    elif os.path.isfile(spec):
        path = spec
    elif spec.endswith(".keras") or os.sep in spec:
        raise FileNotFoundError(f"Model file {spec!r} does not exist.")
    else:
        model = zoo.load(spec)  # LookupError listing the known names for anything else
        entry = zoo.info(spec)
        config_path = zoo.config_path(spec)
        # A config with stages: the config of the stage (or average) that made the artifact.
        run_config = stages.final_config(config_path) if config_path else None
        return model, {"zoo": entry["name"], "sha256": entry["sha256"]}, run_config
    from kerasgen.zoo.artifacts import sha256_file

    model = load_keras_file(path)
    config_path = os.path.join(os.path.dirname(path), "config.yaml")
    run_config = config_lib.load(config_path) if os.path.isfile(config_path) else None
    return model, {"file": os.path.abspath(path), "sha256": sha256_file(path)}, run_config


def load_keras_file(path):
    """`keras.saving.load_model(path, safe_mode=True)`, with any failure to read or rebuild
    the file (a crafted config naming a class Keras does not know, a damaged zip, a lambda
    refused by safe mode) reported as a ValueError that names the file."""
    import zipfile

    try:
        return keras.saving.load_model(path, safe_mode=True)
    except (TypeError, ValueError, KeyError, AttributeError, OSError,
            zipfile.BadZipFile) as e:
        detail = " ".join(str(e).split())
        if detail.startswith("Could not locate"):  # Keras goes on with the whole config
            detail = detail.split(". ")[0] + "."
        if len(detail) > 300:
            detail = detail[:300] + " ..."
        raise ValueError(f"{path}: cannot load it as a Keras model ({type(e).__name__}: "
                         f"{detail}); expected a .keras file saved by Keras 3 with kerasgen "
                         "or Keras classes only.") from None


def preview_examples(spec, run_config=None, count=16):
    """Examples for a preview that shows data (a translator's inputs and targets): those
    shipped with a zoo preset (its `examples` file, checksummed like the artifact), else the
    run config's held-out data, else None."""
    from kerasgen import zoo
    from kerasgen.data.examples import preview_examples as data_examples

    if not (os.path.exists(spec) or spec.endswith(".keras")):
        shipped = zoo.examples(spec)
        if shipped is not None:
            return tuple(part[:int(count)] for part in shipped)
    if run_config is not None:
        try:
            return data_examples(run_config.data, count)
        except (OSError, ValueError):
            return None  # the training data is not on this machine
    return None
