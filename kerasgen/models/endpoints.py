"""The SavedModel endpoints each capability serves: plain-tensor functions returning uint8
images (or float32 numbers), with their input signatures. `kerasgen export` writes whatever a
model's `serving_endpoints()` returns; these are the capabilities' defaults.

Inputs are checked in the graph, so a wrong shape or out-of-range value fails with a message
that says what was expected, in Python and in TF Serving alike.
"""

import collections

import tensorflow as tf

from kerasgen.images import to_uint8
from kerasgen.models.common import image_shape

MAX_SAMPLE_COUNT = 4096  # one request's images; bounds a server's memory per call

# fn: a function of tensors -> dict of tensors; signature: its input TensorSpecs (named);
# track: Keras objects whose variables it reads besides the model's own (e.g. a network built
# for serving from the model's layers).
Endpoint = collections.namedtuple("Endpoint", "fn signature track", defaults=((),))


def checked(tensor, checks):
    # Inside a tf.function asserts run, but not necessarily before the ops that would fail
    # on bad input with an obscure message; make the returned tensor depend on them.
    with tf.control_dependencies(checks):
        return tf.identity(tensor)


def check_latents(z, latent_dim):
    return checked(z, [tf.debugging.assert_equal(
        tf.shape(z)[-1], latent_dim,
        message=f"z must have shape (batch, {latent_dim}) float32")])


def check_labels(labels, batch, num_classes):
    labels = tf.convert_to_tensor(labels)
    return checked(labels, [
        tf.debugging.assert_equal(tf.shape(labels)[0], batch,
                                  message="labels must have one int32 class id per image"),
        tf.debugging.assert_greater_equal(labels, 0, message="labels must be >= 0"),
        tf.debugging.assert_less(labels, num_classes,
                                 message=f"labels must be < num_classes={num_classes}")])


def check_count(count):
    return checked(count, [
        tf.debugging.assert_greater(count, 0, message="count must be >= 1"),
        tf.debugging.assert_less_equal(count, MAX_SAMPLE_COUNT,
                                       message=f"count must be <= {MAX_SAMPLE_COUNT}")])


def check_truncation(truncation):
    """A scalar in [0, 1] (StyleGAN's psi), refused by name otherwise."""
    # No brackets in the message: error reports cut an assertion's message at the first "]".
    message = "truncation must be from 0 to 1 (1 is no truncation)"
    return checked(truncation, [
        tf.debugging.assert_greater_equal(truncation, tf.constant(0.0, truncation.dtype),
                                          message=message),
        tf.debugging.assert_less_equal(truncation, tf.constant(1.0, truncation.dtype),
                                       message=message)])


def check_images(images, shape):
    """uint8 images of exactly (batch,) + shape."""
    h, w, c = shape
    return checked(images, [tf.debugging.assert_equal(
        tf.shape(images)[1:], tf.constant([h, w, c]),
        message=f"images must have shape (batch, {h}, {w}, {c}) uint8")])


def seed_pair(seed):
    return tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])


def class_id_table(class_names):
    """A graph lookup name -> class id (-1 for an unknown name)."""
    return tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant(list(class_names)),
                                            tf.range(len(class_names), dtype=tf.int32)), -1)


def names_to_ids(table, class_names, names):
    ids = table.lookup(names)
    return checked(ids, [tf.debugging.assert_non_negative(
        ids, message="class_names must each be one of: " + ", ".join(class_names))])


# -- Sampler ---------------------------------------------------------------------------------
def sampler_endpoints(model):
    """A noise-fed sampler (`latent_dim`): `serving_default`(z [, labels]) -> images,
    `sample`(count, seed [, labels]) -> images (the same seed the same images, stateless
    RNG); with saved class names also `sample_by_name`(count, seed, class_names); an Encoder
    also `encode`(images [, labels]) -> mean, stddev and `decode`(z [, labels])."""
    from kerasgen.models.capabilities import Encoder

    if getattr(model, "latent_dim", None) is None:
        return seeded_sampler_endpoints(model)
    latent_dim = int(model.latent_dim)
    num_classes = model.num_classes_declared
    z_spec = tf.TensorSpec((None, latent_dim), tf.float32, name="z")
    label_spec = [tf.TensorSpec((None,), tf.int32, name="labels")] if num_classes else []
    count_seed = [tf.TensorSpec((), tf.int32, name="count"),
                  tf.TensorSpec((), tf.int64, name="seed")]
    is_encoder = isinstance(model, Encoder)

    def images_from(z, labels=None):
        z = check_latents(z, latent_dim)
        if labels is not None:
            labels = check_labels(labels, tf.shape(z)[0], num_classes)
        out = model.decode(z, labels) if is_encoder else model.generate(z, labels=labels)
        return {"images": to_uint8(out)}  # (B, H, W, C) uint8

    def sample(count, seed, labels=None):
        z = tf.random.stateless_normal(tf.stack([check_count(count), latent_dim]),
                                       seed=seed_pair(seed))
        return images_from(z, labels)

    endpoints = {
        "serving_default": Endpoint(images_from, [z_spec] + label_spec),
        "sample": Endpoint(sample, count_seed + label_spec),
    }
    endpoints.update(by_name_endpoints(model, sample))
    if is_encoder:
        h, w, c = image_shape(model)

        def encode(images, labels=None):
            x = tf.cast(check_images(images, (h, w, c)), tf.float32) / 255.0
            if labels is not None:
                labels = check_labels(labels, tf.shape(x)[0], num_classes)
            q = model.encode(x, labels)
            return {"mean": tf.cast(q.mean(), tf.float32),
                    "stddev": tf.cast(q.stddev(), tf.float32)}  # (B, latent_dim) each

        endpoints["encode"] = Endpoint(
            encode, [tf.TensorSpec((None, h, w, c), tf.uint8, name="images")] + label_spec)
        endpoints["decode"] = Endpoint(images_from, [z_spec] + label_spec)
    return endpoints


def by_name_endpoints(model, sample):
    """`sample_by_name`(count, seed, class_names) for a conditional model with saved class
    names, through its `sample`(count, seed, labels) function; else nothing."""
    if not (model.num_classes_declared and model.class_names):
        return {}
    names = list(model.class_names)
    table = class_id_table(names)

    def sample_by_name(count, seed, class_names):
        return sample(count, seed, names_to_ids(table, names, class_names))

    return {"sample_by_name": Endpoint(
        sample_by_name, [tf.TensorSpec((), tf.int32, name="count"),
                         tf.TensorSpec((), tf.int64, name="seed"),
                         tf.TensorSpec((None,), tf.string, name="class_names")], [table])}


def seeded_sampler_endpoints(model):
    """A sampler without latents to feed (e.g. an autoregressive model): `sample`(count,
    seed [, labels]) -> images, `model.generate` traced with a stateless seed pair (so the
    same seed gives the same images); with saved class names also `sample_by_name`."""
    num_classes = model.num_classes_declared
    if getattr(model, "conditional", False) and not num_classes:
        return {}  # driven by conditions of its own kind (an image, an embedding)
    label_spec = [tf.TensorSpec((None,), tf.int32, name="labels")] if num_classes else []

    def sample(count, seed, labels=None):
        count = check_count(count)
        options = {}
        if labels is not None:
            options["labels"] = check_labels(labels, count, num_classes)
        return {"images": to_uint8(model.generate(count, seed=seed_pair(seed), **options))}

    return {"sample": Endpoint(sample, [tf.TensorSpec((), tf.int32, name="count"),
                                        tf.TensorSpec((), tf.int64, name="seed")]
                               + label_spec),
            **by_name_endpoints(model, sample)}


# -- DensityModel ----------------------------------------------------------------------------
def density_endpoints(model):
    """`log_prob`(images uint8 (B, H, W, C) [, labels]) -> log_prob float32 (B,), nats per
    image: an anomaly score a service can call. 8-bit models read the images as they are; a
    model of binary pixels reads pixel > 127 as 1."""
    h, w, c = image_shape(model)
    num_classes = model.num_classes_declared
    label_spec = [tf.TensorSpec((None,), tf.int32, name="labels")] if num_classes else []

    def log_prob(images, labels=None):
        images = check_images(images, (h, w, c))
        if model.binary:
            x = tf.cast(images > 127, tf.float32)
        else:
            x = tf.cast(images, tf.float32) / 255.0
            if model.data_range == "symmetric":
                x = x * 2.0 - 1.0
        options = {}
        if labels is not None:
            options["labels"] = check_labels(labels, tf.shape(images)[0], num_classes)
        return {"log_prob": tf.cast(model.log_prob(x, **options), tf.float32)}  # (B,)

    return {"log_prob": Endpoint(
        log_prob, [tf.TensorSpec((None, h, w, c), tf.uint8, name="images")] + label_spec)}


# -- Translator ------------------------------------------------------------------------------
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
    `kerasgen.models.translator.TranslationNet`. A fixed-size net (pix2pix) gets the images
    resized (bilinear, antialiased) to its square side and its output resized back: aspect
    ratios are not kept inside the model. A fully convolutional one (CycleGAN) runs at the
    image's own size, mirror-extended at the bottom and right to a multiple of `multiple` (at
    least two) and cropped back, so nothing is resampled."""
    images = checked(images, [tf.debugging.assert_equal(
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


def translator_endpoints(model):
    """images uint8 (B, H, W, source channels), any H and W -> images uint8 (B, H, W,
    target channels), deterministic (pix2pix's test-time dropout off): `translate` for one
    direction, else `translate_<direction>` for each; `serving_default` is the first."""
    from kerasgen.models.translator import signature_names

    spec = [tf.TensorSpec((None, None, None, None), tf.uint8, name="images")]

    def endpoint(translator):
        return lambda images: {"images": translate_any_size(translator, images)}

    endpoints = {}
    for name, direction in signature_names(model).items():
        translator = model.translator(direction)
        endpoints[name] = Endpoint(endpoint(translator), spec, [translator.net])
    return endpoints


# -- TextConditioned -------------------------------------------------------------------------
def text_endpoints(model):
    """`generate_from_text`(text (B,) string, seed () int64) -> images, one per caption, the
    same seed giving the same images (the text encoder's vocabulary lookup is inside the
    graph, so it takes raw strings), and `unknown_words` (B, W) string: each caption's words
    the model cannot read, padded with "" to the most of any caption (W may be 0); a caption
    with no word the model reads is refused. `sample`(count, seed) cycles the model's sample
    captions."""
    latent_dim = int(model.latent_dim)

    def images(text, seed):
        z = tf.random.stateless_normal(tf.stack([tf.size(text), latent_dim]),
                                       seed=seed_pair(seed))
        return to_uint8(model.generate(z, labels=text))  # (B, H, W, C) uint8

    def from_text(text, seed):
        text = checked(text, [tf.debugging.assert_greater(
            tf.size(text), 0, message="text must hold at least one caption string")])
        unknown, known = model.read_words(text)
        # No brackets or quotes in the message: error reports cut an assertion's message at
        # a bracket and escape quotes. The captions refused follow it, separated by " | ".
        message = "each caption must hold at least one word of the vocabulary of the model"
        unread = tf.strings.reduce_join(tf.boolean_mask(text, known <= 0), separator=" | ")
        text = checked(text, [tf.debugging.Assert(
            tf.reduce_all(known > 0), [message, "received:", unread], summarize=8)])
        return {"images": images(text, seed),
                "unknown_words": unknown.to_tensor(default_value="")}

    def sample(count, seed):  # the model's own captions: no words to check
        captions = tf.constant(model.sample_texts)
        return {"images": images(tf.gather(captions, tf.range(check_count(count))
                                           % len(model.sample_texts)), seed)}

    text_spec = [tf.TensorSpec((None,), tf.string, name="text"),
                 tf.TensorSpec((), tf.int64, name="seed")]
    endpoints = {"generate_from_text": Endpoint(from_text, text_spec)}
    if model.sample_texts:
        endpoints["sample"] = Endpoint(sample, [tf.TensorSpec((), tf.int32, name="count"),
                                                tf.TensorSpec((), tf.int64, name="seed")])
    return endpoints
