"""Grow a trained progressive GAN by one level: the model a later config stage trains further
(`init_transform: grow_progan`), e.g. a finished 32x32 run continued to 64x64."""

from kerasgen.models.progan import growing
from kerasgen.models.progan.progan import ProGAN


def grow(model):
    """A copy of the ProGAN `model` with twice its resolution: every level it has keeps its
    weights (generator, its EMA copy and discriminator), the new level starts from its
    initialisation, and the schedule stands at the start of the new level's fade-in (images
    seen = phase_images * (2L - 1) for L old levels), so training fades it in from alpha 0.
    Its optimizers start afresh (a stage's `train.init_from` copies weights only).

    The config that trains the grown model must keep the other constructor arguments; with
    another `phase_images` its schedule would place the same images seen elsewhere."""
    if not isinstance(model, ProGAN):
        raise TypeError(f"grow needs a kerasgen ProGAN; received {type(model).__name__}.")
    finished = growing.schedule_images(model.num_levels, model.phase_images)
    seen = int(model.images_seen.numpy())
    if seen < finished:
        raise ValueError(f"grow: this {model.resolution}x{model.resolution} model has seen "
                         f"{seen:,} images of the {finished:,} its schedule takes to stabilize "
                         "its last level; expected a finished run (train it longer first).")
    config = model.get_config()
    config["resolution"] = 2 * model.resolution
    grown = ProGAN.from_config(config)
    pairs = [(model.generator, grown.generator, ("blocks", "to_rgb")),
             (model.discriminator, grown.discriminator, ("blocks", "from_rgb"))]
    if model.ema_generator is not None:
        pairs.append((model.ema_generator, grown.ema_generator, ("blocks", "to_rgb")))
    for old, new, lists in pairs:
        for name in lists:  # one layer per level: levels 0 .. L-1 keep index and shapes
            for before, after in zip(getattr(old, name), getattr(new, name)):
                after.set_weights(before.get_weights())
    start = growing.fade_start(model.num_levels, model.phase_images)
    grown.images_seen.assign(start)
    grown.follow_schedule()
    return grown
