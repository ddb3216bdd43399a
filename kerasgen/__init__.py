"""kerasgen: VAEs and GANs for Keras 3 that train with `fit`, save to `.keras` and export."""

import importlib

__version__ = "0.1.0"

# Submodules load on first use (PEP 562), so `import kerasgen` and `kerasgen --help` do not
# pay for importing TensorFlow; `kerasgen.zoo.load(...)` works right after `import kerasgen`.
_SUBMODULES = ("data", "latent", "losses", "models", "metrics", "zoo", "training", "serving",
               "evaluation")


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"kerasgen.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'kerasgen' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
