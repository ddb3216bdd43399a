"""StyleGAN2's projector (Karras et al. 2020, "Analyzing and Improving the Image Quality of
StyleGAN", Sec. 5 and Appendix D; the reference code's projector.py): latents w that make the
synthesis network reproduce given images.

Per image: w starts at the average of mapped latents; Adam (0.9, 0.999) moves it, and the
noise maps of every synthesis layer (drawn N(0, 1), renormalised to zero mean and unit variance
after each step), to lower the distance of the synthesised image to the target plus 1e5 times
the noise maps' autocorrelation (`kerasgen.losses.projection.noise_regularization`). The
learning rate ramps up over the first 5% of the steps and down along half a cosine over the
last 25%; noise of scale 0.05 x the spread of w, decaying quadratically to 0 at 75% of the
steps, is added to w so the search looks around before it settles.

Where this differs: the paper's distance is LPIPS on VGG16 features, which kerasgen does not
ship; here it is the same formula with unlearned weights on the feature maps of a network we do
ship (`perceptual`, e.g. the CelebA attribute classifier), plus `pixel_weight` times the
pixels' mean squared error (on [0, 1]), or the pixel term alone. The paper optimises one w for
every layer; `space="w+"` optimises one per layer (Abdal et al. 2019, "Image2StyleGAN"), which
reproduces images more closely and edits less predictably. Images are projected `batch_size` at
a time, each with its own w, noise maps and (elementwise) Adam state: the same as one at a time.
"""

import dataclasses
import math

import keras
import numpy as np
import tensorflow as tf

from kerasgen.losses import projection as projection_losses
from kerasgen.models.capabilities import FeatureExtractor
from kerasgen.models.capabilities import Projection
from kerasgen.models.stylegan.layers import noise_inputs
from kerasgen.models.stylegan.layers import noise_maps

SPACES = ("w", "w+")  # one w for every synthesis layer; one per layer


@dataclasses.dataclass(frozen=True)
class ProjectorOptions:
    """The projector's settings; the defaults are the reference code's."""

    w_avg_samples: int = 10_000  # mapped latents for w's mean (the start) and spread
    initial_learning_rate: float = 0.1  # Adam's rate between the ramps
    lr_rampup_length: float = 0.05  # fraction of the steps the rate rises over, linearly
    lr_rampdown_length: float = 0.25  # last fraction of the steps it falls over (half a cosine)
    initial_noise_factor: float = 0.05  # noise added to w at the start, x w's spread
    noise_ramp_length: float = 0.75  # fraction of the steps that noise fades over (squared)
    regularize_noise_weight: float = 1e5  # weight of the noise maps' autocorrelation
    pixel_weight: float = 1.0  # weight of the pixels' MSE in the distance (0: features alone)
    batch_size: int = 16  # images projected together (each independently)


def learning_rate(t, options):
    """The rate at `t` = step / steps in [0, 1): linear ramp-up, then half a cosine down."""
    down = min(1.0, (1.0 - t) / options.lr_rampdown_length)
    ramp = (0.5 - 0.5 * math.cos(down * math.pi)) * min(1.0, t / options.lr_rampup_length)
    return options.initial_learning_rate * ramp


def w_noise_scale(t, w_std, options):
    """The scale of the noise added to w at `t`: w_std x factor x (1 - t / ramp)^2, then 0."""
    return w_std * options.initial_noise_factor * max(0.0, 1.0 - t / options.noise_ramp_length) ** 2


def w_statistics(mapping, latent_dim, samples, seed):
    """(mean w (w_dim,), spread sqrt(E||w - mean||^2)) of `samples` latents mapped."""
    ws = []
    z_seed = tf.constant([int(seed), 123], tf.int32)
    for start in range(0, int(samples), 1000):
        count = min(1000, int(samples) - start)
        z = tf.random.stateless_normal([count, latent_dim], z_seed + [0, start])
        ws.append(np.asarray(mapping(z, training=False), np.float64))
    ws = np.concatenate(ws)
    mean = ws.mean(axis=0)
    return mean.astype(np.float32), float(np.sqrt(np.sum((ws - mean) ** 2) / len(ws)))


def check_targets(images, shape):
    """float32 (N, H, W, C) in [0, 1] from uint8 or [0, 1] float images of `shape`."""
    array = np.asarray(images)
    if array.ndim != 4 or array.shape[1:] != tuple(shape) or not len(array):
        raise ValueError(f"project takes images (N, {', '.join(map(str, shape))}) of the "
                         f"model's size, uint8 or floats in [0, 1]; received {array.dtype} "
                         f"{array.shape}.")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    array = array.astype(np.float32)
    if array.min() < 0.0 or array.max() > 1.0:
        raise ValueError(f"project takes float images in [0, 1] (or uint8); received values "
                         f"in [{array.min():.3g}, {array.max():.3g}].")
    return array


class _Distance:
    """Per-image distance of images in [0, 1] to the targets: pixel_weight x MSE plus the
    feature distance of `perceptual`'s maps (both images resized to what it reads)."""

    def __init__(self, perceptual, pixel_weight, shape):
        self.perceptual = perceptual
        self.pixel_weight = float(pixel_weight)
        if perceptual is None:
            if not self.pixel_weight > 0:
                raise ValueError(f"Without a perceptual network the distance is pixel_weight "
                                 f"x MSE; pixel_weight must be > 0, received {pixel_weight}.")
            return
        if not isinstance(perceptual, FeatureExtractor):
            raise ValueError(f"perceptual must be a feature extractor (a kerasgen Classifier, "
                             f"e.g. kerasgen.zoo.load('classifier_celeba_attributes')) or "
                             f"None; received {type(perceptual).__name__}.")
        wanted = tuple(perceptual.image_shape)
        if wanted[-1] != shape[-1]:
            raise ValueError(f"The perceptual network reads {wanted[-1]}-channel images and "
                             f"the model makes {shape[-1]}-channel ones; pass one of "
                             f"{shape[-1]} channels, or none (pixels alone).")

    def resize(self, images):
        """`images` at the perceptual network's size (`kerasgen.images.resize_for`)."""
        from kerasgen.images import resize_for

        return resize_for(images, self.perceptual.image_shape)

    def features(self, images):
        return self.perceptual.feature_maps(self.resize(images))

    def __call__(self, images, targets, target_maps):
        """(total (B,), {name: (B,)})"""
        parts = {"mse": projection_losses.pixel_mse(images, targets)}
        total = self.pixel_weight * parts["mse"]
        if self.perceptual is not None:
            parts["perceptual"] = projection_losses.feature_distance(
                self.features(images), target_maps)
            total += parts["perceptual"]
        return total, parts


def project(model, images, space=None, steps=1000, perceptual=None, seed=0, verbose=False,
            use_ema=True, **options):
    """`StyleGAN.project`: see there and the module's docstring."""
    try:
        options = ProjectorOptions(**options)
    except TypeError:
        known = ", ".join(f.name for f in dataclasses.fields(ProjectorOptions))
        raise ValueError(f"Unknown projector option(s) {sorted(options)}; known: "
                         f"{known}.") from None
    space = SPACES[0] if space is None else space
    if space not in SPACES:
        raise ValueError(f"space must be one of {', '.join(SPACES)} ('w': one w for every "
                         f"layer, 'w+': one per layer); received {space!r}.")
    steps = int(steps)
    if steps < 1:
        raise ValueError(f"steps must be >= 1; received {steps}.")
    shape = (model.image_size, model.image_size, model.channels)
    targets = check_targets(images, shape)
    distance = _Distance(perceptual, options.pixel_weight, shape)
    net = model._network(use_ema)
    mapping, synthesis = net.get_layer("mapping"), net.get_layer("synthesis")
    w_avg, w_std = w_statistics(mapping, model.latent_dim, options.w_avg_samples, seed)

    batch = max(1, min(int(options.batch_size), len(targets)))
    layers = 1 if space == "w" else model.num_ws
    w = keras.Variable(np.zeros((batch, layers, model.w_dim), np.float32), name="w")
    sides = noise_inputs(synthesis)
    noise = {name: keras.Variable(np.zeros((batch, r, r, 1), np.float32), name=name)
             for name, r in sides.items()}
    variables = [w] + list(noise.values())
    optimizer = keras.optimizers.Adam(options.initial_learning_rate, beta_1=0.9,
                                      beta_2=0.999, epsilon=1e-8)
    optimizer.build(variables)
    target = keras.Variable(np.zeros((batch,) + shape, np.float32), trainable=False)

    def synthesize(ws, maps):
        ws = tf.broadcast_to(ws, [batch, model.num_ws, model.w_dim])
        with noise_maps(synthesis, maps):
            return (synthesis(ws, training=False) + 1.0) / 2.0  # (B, S, S, C), unclipped

    @tf.function(autograph=False)  # plain Python control flow; autograph only slows tracing
    def step(w_scale, step_seed, target_maps):
        with tf.GradientTape() as tape:
            ws = w + tf.random.stateless_normal(tf.shape(w), step_seed) * w_scale
            maps = {name: tf.convert_to_tensor(v) for name, v in noise.items()}
            total, _ = distance(synthesize(ws, maps), target, target_maps)
            penalty = tf.add_n([projection_losses.noise_regularization(m)
                                for m in maps.values()])
            loss = tf.reduce_sum(total + options.regularize_noise_weight * penalty)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        for v in noise.values():  # back to zero mean and unit variance, per image
            centred = v - tf.reduce_mean(v, axis=[1, 2, 3], keepdims=True)
            v.assign(centred * tf.math.rsqrt(tf.reduce_mean(tf.square(centred), axis=[1, 2, 3],
                                                            keepdims=True)))
        return tf.reduce_mean(total), loss / batch

    found = {"latents": [], "images": [], "distances": {}, "noise": {n: [] for n in noise}}
    chunks = range(0, len(targets), batch)
    bar = keras.utils.Progbar(steps * len(chunks), unit_name="step",
                              stateful_metrics=["distance", "loss"]) if verbose else None
    for start in chunks:
        chunk = targets[start:start + batch]
        count = len(chunk)
        padded = np.concatenate([chunk, np.repeat(chunk[-1:], batch - count, axis=0)])
        target.assign(padded)
        target_maps = distance.features(padded) if perceptual is not None else []
        w.assign(np.broadcast_to(w_avg, w.shape))
        chunk_seed = tf.constant([int(seed), start], tf.int32)
        for j, v in enumerate(noise.values()):
            v.assign(tf.random.stateless_normal(v.shape, _fold(chunk_seed, j)))
        for v in optimizer.variables:  # fresh Adam state (and step count) for each chunk
            v.assign(tf.zeros_like(v))
        for i in range(steps):
            t = i / steps
            optimizer.learning_rate = learning_rate(t, options)
            dist, loss = step(tf.constant(w_noise_scale(t, w_std, options), tf.float32),
                              _fold(chunk_seed, len(noise) + i), target_maps)
            if bar is not None:
                bar.add(1, [("distance", float(dist)), ("loss", float(loss))])
        images = tf.clip_by_value(synthesize(w, {n: v.value for n, v in noise.items()}), 0, 1)
        # What w alone gives, with the model's own fixed noise maps (what `synthesis(w)` makes).
        alone = tf.clip_by_value(synthesize(w, {}), 0.0, 1.0)
        parts = _measure(distance, images, alone, tf.convert_to_tensor(target), target_maps)
        found["latents"].append(w.numpy()[:count])
        found["images"].append(images.numpy()[:count])
        for name, v in noise.items():
            found["noise"][name].append(v.numpy()[:count])
        for name, value in parts.items():
            found["distances"].setdefault(name, []).append(np.asarray(value)[:count])
    latents = np.concatenate(found["latents"])
    return Projection(
        space=space, latents=latents[:, 0] if space == "w" else latents,
        images=np.concatenate(found["images"]),
        distances={k: np.concatenate(v).astype(np.float64) for k, v in
                   found["distances"].items()},
        state={name: np.concatenate(v) for name, v in found["noise"].items()},
        protocol={"method": "StyleGAN2 projector (Karras et al. 2020, Appendix D)",
                  "space": space, "steps": steps, "seed": int(seed), "use_ema": bool(use_ema),
                  "distance": ("pixel MSE" if perceptual is None else
                               f"{options.pixel_weight} x pixel MSE + unweighted LPIPS-style "
                               "distance of the perceptual network's feature maps"),
                  **dataclasses.asdict(options), "w_std": w_std})


def _measure(distance, images, alone, targets, target_maps):
    """Per-image distances of the final images (B,) each: mse, psnr, perceptual (with a
    perceptual network), psnr_fixed_noise (of `alone`, the latents with the model's own noise
    maps) and, for an attribute classifier, attribute_agreement (the fraction of its verdicts
    the image shares with its target)."""
    _, parts = distance(images, targets, target_maps)
    parts["psnr"] = _psnr(parts["mse"])
    parts["psnr_fixed_noise"] = _psnr(projection_losses.pixel_mse(alone, targets))
    perceptual = distance.perceptual
    if perceptual is not None and perceptual.multi_label:
        agree = np.asarray(perceptual.decide(distance.resize(images))) == \
            np.asarray(perceptual.decide(distance.resize(targets)))
        parts["attribute_agreement"] = agree.mean(axis=-1)
    return parts


def _fold(seed, data):
    """A stateless seed derived from `seed` and the integer `data`."""
    return tf.random.experimental.stateless_fold_in(seed, data)


def _psnr(mse):
    """Peak signal-to-noise ratio in dB of images in [0, 1], from their MSE (B,)."""
    return 10.0 * np.log10(1.0 / np.maximum(np.asarray(mse, np.float64), 1e-12))
