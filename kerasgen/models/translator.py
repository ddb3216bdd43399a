"""What a translation model (pix2pix, CycleGAN) hands to `kerasgen translate` and export."""

import collections

# net: [-1, 1] images -> [-1, 1] images, deterministic. image_size: the square side the net
# takes (inputs are resized to it and back), or None for a fully convolutional net that runs
# at the input's own size, padded to a multiple of `multiple`.
TranslationNet = collections.namedtuple(
    "TranslationNet", "net image_size multiple source_channels target_channels")


def check_direction(model, direction):
    """ValueError unless `direction` is one the model translates in."""
    if direction not in model.directions:
        raise ValueError(f"{type(model).__name__} translates {' and '.join(model.directions)}"
                         f"; received direction {direction!r}.")


def signature_names(model):
    """SavedModel signatures of a translator: `translate` for one direction, else
    `translate_<direction>` for each; `serving_default` is the first direction."""
    if len(model.directions) == 1:
        return {"translate": model.directions[0]}
    return {f"translate_{d}": d for d in model.directions}
