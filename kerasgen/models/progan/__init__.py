"""Progressive GAN (Karras et al. 2018): networks that grow from 4x4, new levels faded in."""

from kerasgen.models.progan import presets  # noqa: F401  (registers the family's zoo entries)
from kerasgen.models.progan.discriminator import ProGANDiscriminator
from kerasgen.models.progan.generator import ProGANGenerator
from kerasgen.models.progan.progan import ProGAN
from kerasgen.registry import INIT_TRANSFORMS

__all__ = ["ProGAN", "ProGANGenerator", "ProGANDiscriminator"]


def _grow(model):
    from kerasgen.models.progan.grow import grow

    return grow(model)


# A config stage's `init_transform: grow_progan`: the model of the stage before, one level
# larger (grow.py).
INIT_TRANSFORMS.register("grow_progan", _grow)
