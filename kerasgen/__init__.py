"""kerasgen: generative models for Keras 3 that train with `fit`, save to `.keras` and export.

Importing kerasgen registers every model class with Keras (KerasHub does the same on import),
so `keras.saving.load_model("runs/x/model.keras")` works right after `import kerasgen`. The
command line's parser (`kerasgen_cli`) lives outside the package, so `kerasgen --help`
answers without importing TensorFlow.
"""

import importlib

from kerasgen import models  # noqa: F401  (registers the classes and the zoo entries)

__version__ = "0.1.0"

# Other submodules load on first use (PEP 562): `kerasgen.zoo.load(...)` works right after
# `import kerasgen`. `kerasgen.export` is the serving module (its old name).
_SUBMODULES = {"data": "data", "latent": "latent", "losses": "losses", "metrics": "metrics",
               "zoo": "zoo", "training": "training", "serving": "serving",
               "evaluation": "evaluation", "export": "serving.export"}


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"kerasgen.{_SUBMODULES[name]}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'kerasgen' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
