"""See the package docstring of kerasgen.models."""
from kerasgen.models.dcgan import presets  # noqa: F401  (registers the family's zoo entries)
from kerasgen.registry import INIT_TRANSFORMS


def _widen_discriminator(model):
    # Imported on use, not here: `python -m kerasgen.models.dcgan.widen` imports this package
    # first, and a widen module already in sys.modules would make runpy warn.
    from kerasgen.models.dcgan.widen import widen_discriminator

    return widen_discriminator(model)  # the defaults of that command (noise 0.05, seed 0)


# A config stage's `init_transform: widen_discriminator` (Net2WiderNet, see widen.py).
INIT_TRANSFORMS.register("widen_discriminator", _widen_discriminator)
