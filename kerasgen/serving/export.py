"""SavedModel export for TF Serving: plain-tensor signatures that return uint8 images.

Layout: `OUT_DIR/<version>/saved_model.pb`, the versioned folder TF Serving watches (it serves
the highest version). Signatures:

- `serving_default`: generate(z (B, latent_dim) float32 [, labels (B,) int32]) -> images.
- `sample`: sample(count () int32, seed () int64 [, labels]) -> images; the same seed always
  gives the same images (stateless RNG).
- VAEs also: `encode`(images (B, H, W, C) uint8 [, labels]) -> mean, stddev of q(z|x), and
  `decode`(z [, labels]) -> images.
- Text-to-image models instead: `generate_from_text`(text (B,) string, seed () int64) ->
  images, one per caption, the same seed giving the same images; `serving_default` is the
  same; `sample`(count, seed) cycles the model's sample captions (`export_text_to_image`).
- Translators instead: `translate`(images (B, H, W, C) uint8, any H and W) -> images at the
  input's size (pix2pix), or `translate_a2b` and `translate_b2a` (CycleGAN);
  `serving_default` is the first of them (`export_translator`).

Outputs are `{"images": uint8 (B, H, W, C)}` (float32 internally, whatever the training
dtype policy). Inputs are checked in the graph, so a wrong shape or out-of-range value fails
with a message that says what was expected, in Python and in TF Serving alike.
"""

import os

import keras
import tensorflow as tf

from kerasgen.images import to_uint8
from kerasgen.models.common import image_shape

MAX_SAMPLE_COUNT = 4096  # one request's images; bounds a server's memory per call


def _checked(tensor, checks):
    # Inside a tf.function asserts run, but not necessarily before the ops that would fail
    # on bad input with an obscure message; make the returned tensor depend on them.
    with tf.control_dependencies(checks):
        return tf.identity(tensor)


def _check_latents(z, latent_dim):
    return _checked(z, [tf.debugging.assert_equal(
        tf.shape(z)[-1], latent_dim,
        message=f"z must have shape (batch, {latent_dim}) float32")])


def _check_labels(labels, batch, num_classes):
    labels = tf.convert_to_tensor(labels)
    return _checked(labels, [
        tf.debugging.assert_equal(tf.shape(labels)[0], batch,
                                  message="labels must have one int32 class id per image"),
        tf.debugging.assert_greater_equal(labels, 0, message="labels must be >= 0"),
        tf.debugging.assert_less(labels, num_classes,
                                 message=f"labels must be < num_classes={num_classes}")])


def next_version(out_dir):
    """1 + the highest numeric version folder in `out_dir` (1 when there is none)."""
    if not os.path.isdir(out_dir):
        return 1
    versions = [int(d) for d in os.listdir(out_dir) if d.isdigit()]
    return max(versions, default=0) + 1


def _version_path(out_dir, version):
    version = next_version(out_dir) if version is None else int(version)
    if version < 1:
        raise ValueError(f"version must be a positive integer; received {version}.")
    path = os.path.join(out_dir, str(version))
    if os.path.exists(path):
        raise FileExistsError(f"{path} already exists; TF Serving versions are immutable, so "
                              "pick a new version.")
    return path


def _write(archive, out_dir, path):
    os.makedirs(out_dir, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"  # TF Serving must never see a half-written version
    archive.write_out(tmp, verbose=False)
    os.replace(tmp, path)
    return path


def _mirror_extend(x, size, axis):
    """Extend `x` along `axis` to `size` by mirroring at its end (x, flip(x), x, ...), which
    is symmetric padding that also works when the padding exceeds the image."""
    period = tf.concat([x, tf.reverse(x, [axis])], axis)
    reps = [1, 1, 1, 1]
    reps[axis] = size // tf.shape(period)[axis] + 1
    tiled = tf.tile(period, reps)
    return tiled[:, :size] if axis == 1 else tiled[:, :, :size]


def translate_any_size(translator, images):
    """uint8 (B, H, W, C) of any H, W -> uint8 (B, H, W, out C) through a
    `kerasgen.models.translator.Translator`. A fixed-size net (pix2pix) gets the images resized
    (bilinear, antialiased) to its square side and its output resized back: aspect ratios are
    not kept inside the model. A fully convolutional one (CycleGAN) runs at the image's own
    size, mirror-extended at the bottom and right to a multiple of `multiple` (at least two)
    and cropped back, so nothing is resampled."""
    images = _checked(images, [tf.debugging.assert_equal(
        tf.shape(images)[-1], translator.source_channels,
        message=f"images must have shape (batch, height, width, "
                f"{translator.source_channels}) uint8")])
    hw = tf.shape(images)[1:3]
    x = tf.cast(images, tf.float32) / 255.0
    if translator.image_size:
        size = translator.image_size
        x = tf.image.resize(x, (size, size), antialias=True)
        y = (tf.cast(translator.net(x * 2.0 - 1.0, training=False), tf.float32) + 1.0) / 2.0
        y = tf.image.resize(y, hw, antialias=True)
    else:
        m = translator.multiple
        # A multiple of m, and at least 2 m: the residual blocks at 1/4 size mirror-pad by 1.
        target = tf.maximum((hw + m - 1) // m * m, 2 * m)
        x = _mirror_extend(_mirror_extend(x, target[0], 1), target[1], 2)
        y = (tf.cast(translator.net(x * 2.0 - 1.0, training=False), tf.float32) + 1.0) / 2.0
        y = y[:, :hw[0], :hw[1]]
    return to_uint8(y)


def export_translator(model, out_dir, version=None):
    """Write a translator as a SavedModel: images uint8 (B, H, W, source channels), any H and
    W -> images uint8 (B, H, W, target channels), deterministic (pix2pix's test-time dropout
    off). pix2pix: `serving_default` and `translate`; CycleGAN: `translate_a2b`,
    `translate_b2a` and `serving_default` (= a2b)."""
    from kerasgen.models.translator import signature_names

    path = _version_path(out_dir, version)
    archive = keras.export.ExportArchive()
    spec = [tf.TensorSpec((None, None, None, None), tf.uint8, name="images")]
    def endpoint(translator):
        return lambda images: {"images": translate_any_size(translator, images)}

    for i, (name, direction) in enumerate(signature_names(model).items()):
        translator = model.translator(direction)
        archive.track(translator.net)
        translate = endpoint(translator)
        if i == 0:
            archive.add_endpoint("serving_default", translate, input_signature=spec)
        archive.add_endpoint(name, translate, input_signature=spec)
    return _write(archive, out_dir, path)


def export_text_to_image(model, out_dir, version=None):
    """A text-to-image model (`generate_from_text`) as a SavedModel taking raw strings: the
    text encoder's vocabulary lookup is inside the graph (see the module docstring)."""
    path = _version_path(out_dir, version)
    latent_dim = int(model.latent_dim)

    def from_text(text, seed):
        text = _checked(text, [tf.debugging.assert_greater(
            tf.size(text), 0, message="text must hold at least one caption string")])
        seed_pair = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
        z = tf.random.stateless_normal(tf.stack([tf.size(text), latent_dim]), seed=seed_pair)
        return {"images": to_uint8(model.generate(z, labels=text))}  # (B, H, W, C) uint8

    def sample(count, seed):
        count = _checked(count, [
            tf.debugging.assert_greater(count, 0, message="count must be >= 1"),
            tf.debugging.assert_less_equal(count, MAX_SAMPLE_COUNT,
                                           message=f"count must be <= {MAX_SAMPLE_COUNT}")])
        captions = tf.constant(model.sample_texts)
        return from_text(tf.gather(captions, tf.range(count) % len(model.sample_texts)), seed)

    text_spec = [tf.TensorSpec((None,), tf.string, name="text"),
                 tf.TensorSpec((), tf.int64, name="seed")]
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", from_text, input_signature=text_spec)
    archive.add_endpoint("generate_from_text", from_text, input_signature=text_spec)
    if model.sample_texts:
        archive.add_endpoint("sample", sample, input_signature=[
            tf.TensorSpec((), tf.int32, name="count"), tf.TensorSpec((), tf.int64, name="seed")])
    return _write(archive, out_dir, path)


def export(model, out_dir, version=None):
    """Write `model` as a TF Serving SavedModel to `out_dir/<version>/`; returns that path.

    Args:
        model: a kerasgen GAN or VAE (anything with `generate` and `latent_dim`).
        out_dir: the model's base folder (TF Serving's --model_base_path).
        version: integer version; default one above the highest already there.

    Example:
    >>> path = kerasgen.serving.export.export(kerasgen.zoo.load("dcgan_celeba"), "/models/dcgan_celeba")
    """
    if hasattr(model, "translate"):
        return export_translator(model, out_dir, version)
    if hasattr(model, "generate_from_text"):
        return export_text_to_image(model, out_dir, version)
    if not hasattr(model, "generate") or not hasattr(model, "latent_dim"):
        raise ValueError(f"Only generative models can be exported for serving; received "
                         f"{type(model).__name__}.")
    path = _version_path(out_dir, version)
    latent_dim = int(model.latent_dim)
    num_classes = getattr(model, "num_classes", None)
    h, w, c = image_shape(model)
    z_spec = tf.TensorSpec((None, latent_dim), tf.float32, name="z")
    label_spec = [tf.TensorSpec((None,), tf.int32, name="labels")] if num_classes else []
    is_vae = hasattr(model, "encode")

    def images_from(z, labels=None):
        z = _check_latents(z, latent_dim)
        if labels is not None:
            labels = _check_labels(labels, tf.shape(z)[0], num_classes)
        out = model.decode(z, labels) if is_vae else model.generate(z, labels=labels)
        return {"images": to_uint8(out)}  # (B, H, W, C) uint8

    def generate(z, labels=None):
        return images_from(z, labels)

    def sample(count, seed, labels=None):
        count = _checked(count, [
            tf.debugging.assert_greater(count, 0, message="count must be >= 1"),
            tf.debugging.assert_less_equal(count, MAX_SAMPLE_COUNT,
                                           message=f"count must be <= {MAX_SAMPLE_COUNT}")])
        seed_pair = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
        z = tf.random.stateless_normal(tf.stack([count, latent_dim]), seed=seed_pair)
        return images_from(z, labels)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", generate, input_signature=[z_spec] + label_spec)
    archive.add_endpoint(
        "sample", sample,
        input_signature=[tf.TensorSpec((), tf.int32, name="count"),
                         tf.TensorSpec((), tf.int64, name="seed")] + label_spec)
    if is_vae:
        def encode(images, labels=None):
            x = tf.cast(images, tf.float32) / 255.0
            if labels is not None:
                labels = _check_labels(labels, tf.shape(x)[0], num_classes)
            q = model.encode(x, labels)
            return {"mean": tf.cast(q.mean(), tf.float32),
                    "stddev": tf.cast(q.stddev(), tf.float32)}  # (B, latent_dim) each

        archive.add_endpoint("encode", encode,
                             input_signature=[tf.TensorSpec((None, h, w, c), tf.uint8,
                                                            name="images")] + label_spec)
        archive.add_endpoint("decode", generate, input_signature=[z_spec] + label_spec)
    return _write(archive, out_dir, path)
