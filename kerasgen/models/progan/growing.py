"""What changes as a progressive GAN grows: the phase schedule (level and fade-in alpha after a
number of images), the batch size at each level, and the images at each level's resolution.

Level k works at side 4 * 2^k. Level 0 trains for one phase (`phase_images` images); every
later level first fades in over one phase (alpha rising linearly from 0 to 1) and then
stabilizes for another (alpha 1), as in Karras et al. 2018 (Sec. 3, Fig. 2). After the last
level's stabilization the schedule stays at the last level with alpha 1.

One traced step serves every level: the level (a tensor) picks which level's computation
runs (`at_level`), each traced with the static shapes of its side.
"""

import math

import tensorflow as tf
from keras import ops

from kerasgen.models.common import ArgumentError
from kerasgen.models.common import positive_int


def num_levels(resolution):
    """Levels of a network growing from 4x4 to `resolution` (4 -> 1, 64 -> 5); a side that
    is not 4 * 2^k raises."""
    side = int(resolution)
    k = int(round(math.log2(side))) - 2 if side >= 4 else -1
    if isinstance(resolution, bool) or side != resolution or k < 0 or 4 * 2 ** k != side:
        raise ArgumentError("resolution", f"resolution must be 4 * 2^k (4, 8, 16, 32, 64, "
                                          f"...); received {resolution!r}.")
    return k + 1


def side(level):
    """Image side at `level` (an int or an int tensor): 4 * 2^level."""
    return 4 * 2 ** level


def fade_start(level, phase_images):
    """Images seen when `level` starts fading in (level 0 does not fade: 0)."""
    return 0 if level == 0 else phase_images * (2 * level - 1)


def steps_at_level(images_seen, level, phase_images, images_per_step):
    """Updates made since `level` (an int32 tensor) began fading in, this one included, with
    `images_per_step` images an update (int64 tensors); the generator EMA's warm-up counts
    from there, so a level's new weights are not averaged with their initialisation."""
    level = tf.cast(level, tf.int64)
    start = tf.where(level > 0, int(phase_images) * (2 * level - 1), tf.zeros_like(level))
    return (tf.cast(images_seen, tf.int64) - start) // images_per_step + 1


def schedule_images(levels, phase_images):
    """Images until the last of `levels` levels has stabilized: one phase for level 0, two
    (fade, stabilize) for each later level."""
    return phase_images * (2 * levels - 1)


def level_and_alpha(images_seen, phase_images, levels):
    """(level int32, alpha float32) after `images_seen` images, as tensors."""
    seen = tf.cast(images_seen, tf.float64)
    phase = float(phase_images)
    # Level k >= 1 spans [phase * (2k - 1), phase * (2k + 1)): fade, then stabilize.
    level = tf.cast(tf.floor((seen + phase) / (2.0 * phase)), tf.int32)
    level = tf.minimum(level, levels - 1)
    start = phase * tf.cast(2 * level - 1, tf.float64)
    alpha = tf.where(level > 0, tf.clip_by_value((seen - start) / phase, 0.0, 1.0), 1.0)
    return level, tf.cast(alpha, tf.float32)


def check_batch_sizes(batch_sizes, levels, group):
    """{side: batch} with int sides (JSON gives strings back), each side one of the model's
    and each batch a multiple of the minibatch-stddev `group` (or smaller); None stays None."""
    if batch_sizes is None:
        return None
    if not isinstance(batch_sizes, dict):
        raise ArgumentError("batch_sizes", f"batch_sizes must map image sides to batch sizes, "
                                           f"e.g. {{4: 64, 64: 16}}; received {batch_sizes!r}.")
    sides = [side(k) for k in range(levels)]
    checked = {}
    for key, value in batch_sizes.items():
        at = int(key) if str(key).isdigit() else key
        if at not in sides:
            raise ArgumentError("batch_sizes", f"batch_sizes: {key!r} is not a side of this "
                                               f"model; expected some of {sides}.")
        size = positive_int(f"batch_sizes[{at}]", value)
        if size % group and size > group:
            raise ArgumentError("batch_sizes", f"batch_sizes[{at}] = {size} does not split "
                                               f"into minibatch-stddev groups of {group}; "
                                               f"expected a multiple of {group}.")
        checked[at] = size
    return dict(sorted(checked.items()))


def examples_per_level(batch_sizes, levels, num_replicas, discriminator_steps=1):
    """Examples of one replica's batch a step uses at each level: batch_sizes[side] split
    over the replicas, times the discriminator updates a step makes; a side not listed uses
    the whole batch (2^31 - 1 here)."""
    table = []
    for k in range(levels):
        size = (batch_sizes or {}).get(side(k))
        if size is None:
            table.append(2 ** 31 - 1)
            continue
        if size % num_replicas:
            raise ValueError(f"batch_sizes[{side(k)}] = {size} does not split over "
                             f"{num_replicas} replicas; expected a multiple of {num_replicas}.")
        table.append(size // num_replicas * discriminator_steps)
    return table


def at_level(level, fn, levels):
    """fn(k) for the level k that `level` (an int tensor) holds: one branch per level, each
    traced with its own static shapes (tf.switch_case); a Python int calls fn directly."""
    if isinstance(level, int) or levels == 1:
        return fn(int(level) if isinstance(level, int) else 0)
    return tf.switch_case(tf.convert_to_tensor(level),
                          [lambda k=k: fn(k) for k in range(levels)])


def lerp(a, b, t):
    """a + t (b - a): a at t = 0, b at t = 1."""
    return a + ops.cast(t, a.dtype) * (b - a)


def downsample(x, factor):
    """Average pooling by `factor` (B, H, W, C) -> (B, H / f, W / f, C)."""
    if factor == 1:
        return x
    return ops.average_pool(x, factor, factor, padding="valid")


def upsample(x, factor):
    """Nearest-neighbour upsampling by `factor` (B, H, W, C) -> (B, H f, W f, C)."""
    if factor == 1:
        return x
    return ops.repeat(ops.repeat(x, factor, axis=1), factor, axis=2)


def reals_at(images, level, alpha):
    """Real images (B, R, R, C) as the networks see them at `level` (an int) with fade-in
    `alpha`: average-pooled to the level's side r and blended lerp(upsample(downsample(x_r)),
    x_r, alpha), the real counterpart of the generator's fade-in (Karras et al. Appendix A.1).
    Returns (B, r, r, C); at alpha 1, or at level 0, the pooled images."""
    x = downsample(images, images.shape[1] // side(level))  # (B, r, r, C)
    if level == 0:
        return x
    return lerp(upsample(downsample(x, 2), 2), x, alpha)
