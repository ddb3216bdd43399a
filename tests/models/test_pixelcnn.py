import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen.models.pixelcnn.networks import GatedPixelCNNNetwork
from kerasgen.models.pixelcnn.networks import PixelCNNPlusPlusNetwork
from tests import helpers


def small(**kwargs):
    args = dict(image_shape=(6, 6, 1), num_layers=2, filters=6, kernel_size=3,
                first_kernel_size=3, head_filters=6, num_mixtures=2, seed=1)
    args.update(kwargs)
    return kerasgen.models.PixelCNN(**args)


def _receptive_field(size, num_layers, first_kernel, kernel):
    """Which input pixels each output pixel reads, derived from the architecture alone:
    vertical stack rows above (first block) / rows up to its own (later blocks), horizontal
    stack pixels to the left, the vertical features entering at the same pixel."""
    n = size * size
    idx = np.arange(n).reshape(size, size)

    def taps(deps, rows, cols):
        out = np.zeros_like(deps)
        for r, c in itertools.product(range(size), repeat=2):
            for dr, dc in itertools.product(rows, cols):
                if 0 <= r + dr < size and 0 <= c + dc < size:
                    out[idx[r, c]] |= deps[idx[r + dr, c + dc]]
        return out

    pixel = np.eye(n, dtype=bool)
    half, k = first_kernel // 2, kernel // 2
    v = taps(pixel, range(-half, 0), range(-half, half + 1))
    h = taps(pixel, [0], range(-half, 0)) | v
    for _ in range(num_layers - 1):
        v = taps(v, range(-k, 1), range(-k, k + 1))
        h = h | taps(h, [0], range(-k, 1)) | v
    return h  # (output pixel, input pixel)


def _gradients(network, size, channels, group=None, draws=3):
    """|d output(pixel i) / d input| per example i, summed over a few random inputs (a
    ReLU in the head can zero one input's gradient by chance): (n, H, W, C)."""
    if draws > 1:
        return sum(_gradients(network, size, channels, group, 1) for _ in range(draws))
    n = size * size
    x = tf.random.normal((n, size, size, channels))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = network(x)  # (n, H, W, P)
        if group is not None:  # output j belongs to sub-pixel j % channels
            out = out[..., group::channels]
        picked = tf.reduce_sum(tf.reduce_sum(out, -1) * tf.reshape(tf.eye(n), (n, size, size)))
    return np.abs(tape.gradient(picked, x).numpy())


@pytest.mark.parametrize("num_layers", [1, 2, 3, 6])
def test_each_pixel_depends_on_every_earlier_pixel_in_its_field_and_nothing_later(num_layers):
    size = 6
    network = GatedPixelCNNNetwork(2, num_layers, 4, 3, 3, 16)
    grads = _gradients(network, size, 1).reshape(size * size, -1) > 0
    field = _receptive_field(size, num_layers, 3, 3)
    earlier = np.tril(np.ones((size * size, size * size), bool), -1)
    assert not (field & ~earlier).any()  # the derivation itself is causal
    np.testing.assert_array_equal(grads, field)
    if num_layers == 6:  # the stacks reach every earlier pixel: no blind spot
        np.testing.assert_array_equal(grads, earlier)
    # The plain PixelCNN's blind spot: two 3 x 3 raster layers never see (r-1, c+2).
    if num_layers >= 2:
        r, c = 3, 2
        assert grads[r * size + c, (r - 1) * size + c + 2]


@pytest.mark.parametrize("num_layers", [1, 3])
def test_rgb_sub_pixels_follow_r_g_b(num_layers):
    size, channels = 5, 3
    network = GatedPixelCNNNetwork(6, num_layers, 6, 3, 3, 18, groups=3)
    field = _receptive_field(size, num_layers, 3, 3)
    for group in range(channels):
        grads = _gradients(network, size, channels, group) > 0  # (n, H, W, C)
        for i in range(size * size):
            seen = grads[i].reshape(-1, channels)
            expected = np.repeat(field[i][:, None], channels, axis=1)
            expected[i] = np.arange(channels) < group  # R sees none, G sees R, B sees R, G
            np.testing.assert_array_equal(seen, expected, err_msg=f"pixel {i} group {group}")


@pytest.mark.parametrize("num_resolutions, num_layers", [(2, 1), (3, 2)])
def test_pixelcnn_plus_plus_network_sees_earlier_pixels_only(num_resolutions, num_layers):
    """PixelCNN++'s down/up-sampling network: no output depends on its own pixel or a later
    one (the strided and transposed shifted convolutions included); with 3 resolutions of 2
    blocks every earlier pixel of an 8 x 8 image reaches the output."""
    size = 8
    network = PixelCNNPlusPlusNetwork(2, num_layers, 8, num_resolutions)
    grads = _gradients(network, size, 1, draws=2).reshape(size * size, -1) > 0
    earlier = np.tril(np.ones((size * size, size * size), bool), -1)
    assert not (grads & ~earlier).any()
    assert grads.sum() > 0.9 * earlier.sum()
    if (num_resolutions, num_layers) == (3, 2):
        np.testing.assert_array_equal(grads, earlier)
    # Three channels: no channel of pixel i reaches pixel i's output (the mixture's
    # coefficients chain R -> G -> B instead).
    rgb = _gradients(PixelCNNPlusPlusNetwork(4, num_layers, 8, num_resolutions), 4, 3,
                     draws=1)
    for i in range(16):
        assert not rgb[i].reshape(-1, 3)[i:].any()


def test_pixelcnn_plus_plus_option_samples_completes_exports_and_round_trips(tmp_path):
    from kerasgen.serving.export import export

    model = small(image_shape=(4, 4, 3), distribution="logistic_mixture", num_resolutions=2,
                  num_layers=1, filters=8)
    assert isinstance(model.network, PixelCNNPlusPlusNetwork)
    # The compiled whole-network loop draws what the eager naive sampler draws.
    loop = model.generate(2, seed=7, temperature=0.9).numpy()
    naive = model.generate(2, seed=7, temperature=0.9, method="naive").numpy()
    np.testing.assert_array_equal(loop, naive)
    known = np.random.default_rng(0).integers(0, 256, (2, 4, 4, 3)).astype("uint8")
    done = model.complete(known, 2, seed=3).numpy()
    np.testing.assert_array_equal(np.round(done[:, :2] * 255), known[:, :2])
    np.testing.assert_array_equal(done, model.complete(known, 2, seed=3,
                                                       method="naive").numpy())
    model.compile(optimizer="adam")
    helpers.fit_one_step(model, helpers.fake_images(8, 4, 3), batch_size=8)
    assert helpers.check_config_round_trip(model).num_resolutions == 2
    helpers.check_keras_round_trip(model, known, tmp_path)
    served = tf.saved_model.load(export(model, str(tmp_path / "m")))
    images = served.signatures["sample"](count=tf.constant(2), seed=tf.constant(5, tf.int64))
    np.testing.assert_array_equal(images["images"].numpy(),
                                  np.round(model.generate(2, seed=5).numpy() * 255))
    with pytest.raises(ValueError, match="'categorical' on 3 channels"):
        small(image_shape=(4, 4, 3), distribution="categorical", num_resolutions=2, filters=6)
    with pytest.raises(ValueError, match=r"multiples of 4; received image_shape \[6, 6, 1\]"):
        small(num_resolutions=3)


def test_probabilities_of_all_binary_images_sum_to_one():
    model = small(image_shape=(2, 3, 1), num_classes=2)
    images = np.array(list(itertools.product([0, 1], repeat=6)), "uint8").reshape(-1, 2, 3, 1)
    for labels in (None, np.zeros(64, int)):
        total = np.exp(model.log_prob(images, labels).numpy().astype(np.float64)).sum()
        np.testing.assert_allclose(total, 1.0, rtol=1e-4)


def test_a_conditional_model_classifies_by_bayes_rule():
    from kerasgen.evaluation.evaluate import negative_log_likelihood

    model = small(image_shape=(2, 3, 1), num_classes=2)
    model.class_counts.assign([3.0, 1.0])  # p(y) = (0.75, 0.25)
    images = np.array(list(itertools.product([0, 1], repeat=6)), "uint8").reshape(-1, 2, 3, 1)
    joint = model.class_log_joint(images).numpy().astype(np.float64)  # (64, 2)
    # Summed over every image and class, p(x, y) is one; per class, p(y).
    np.testing.assert_allclose(np.exp(joint).sum(0), [0.75, 0.25], rtol=1e-4)
    conditional = np.stack([model.log_prob(images, np.full(64, y)).numpy() for y in (0, 1)], 1)
    np.testing.assert_allclose(joint, conditional + np.log([0.75, 0.25]), atol=1e-4)
    labels = np.arange(64) % 2
    report = negative_log_likelihood(model, images * 255, labels=labels, verbose=False)
    assert report["nll_nats"] == pytest.approx(-conditional[np.arange(64), labels].mean(),
                                               abs=1e-4)
    marginal = -model.log_prob(images).numpy().mean()
    assert report["marginal_nll_nats"] == pytest.approx(marginal, abs=1e-4)
    assert report["class_accuracy"] == pytest.approx((joint.argmax(1) == labels).mean())
    assert "argmax_y p(y | x)" in report["protocol"]["conditioning"]
    with pytest.raises(TypeError, match="does not classify"):
        small(image_shape=(2, 3, 1)).class_log_joint(images)


@pytest.mark.parametrize("distribution, channels, classes", [
    ("bernoulli", 1, 3), ("categorical", 3, None), ("logistic_mixture", 3, None)])
def test_fast_sampler_equals_the_naive_one_on_the_same_draws(distribution, channels, classes):
    """Same per-sub-pixel uniforms, same images: with these seeds no draw lies within float
    rounding (1e-5) of a CDF step, so the images must match exactly."""
    model = small(image_shape=(4, 4, channels), distribution=distribution, num_classes=classes,
                  num_layers=3, first_kernel_size=5)
    labels = [0, 2] if classes else None
    fast = model.generate(2, seed=7, labels=labels, temperature=0.9).numpy()
    naive = model.generate(2, seed=7, labels=labels, temperature=0.9, method="naive").numpy()
    np.testing.assert_array_equal(fast, naive)
    assert fast.dtype == np.float32 and fast.min() >= 0 and fast.max() <= 1
    if distribution != "categorical":
        return  # completion is the same row loop; checked once, on R -> G -> B sub-pixels
    known = np.random.default_rng(0).integers(0, 256, (2, 4, 4, channels)).astype("uint8")
    done = model.complete(known, 2, seed=3, labels=labels).numpy()
    np.testing.assert_array_equal(np.round(done[:, :2] * 255), known[:, :2])
    np.testing.assert_array_equal(done, model.complete(known, 2, seed=3, labels=labels,
                                                       method="naive").numpy())


def test_fit_log_prob_generate_and_round_trips(tmp_path):
    model = small(num_classes=3)
    x = (helpers.fake_images(16, 6) > 0.5).astype("float32")
    y = np.array([0] * 8 + [1] * 6 + [2] * 2)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    logs = helpers.fit_one_step(model, x, y, batch_size=16)
    assert set(logs) == {"loss", "bits_per_dim"}
    np.testing.assert_allclose(logs["bits_per_dim"][0], logs["loss"][0] / (36 * np.log(2)),
                               rtol=1e-5)
    np.testing.assert_allclose(np.exp(model.log_class_prior().numpy()), [0.5, 0.375, 0.125])
    conditional = np.stack([model.log_prob(x[:4], np.full(4, k)).numpy() for k in range(3)])
    marginal = model.log_prob(x[:4]).numpy()
    expected = np.log(np.sum(np.exp(conditional) * [[0.5], [0.375], [0.125]], axis=0))
    np.testing.assert_allclose(marginal, expected, rtol=1e-5)
    np.testing.assert_allclose(model.log_prob_map(x[:4]).numpy().sum((1, 2)), marginal,
                               rtol=1e-5)
    np.testing.assert_allclose(model.bits_per_dim(x[:4], [0] * 4).numpy(),
                               -conditional[0] / (36 * np.log(2)), rtol=1e-5)
    assert model.generate(labels=[2, 1, 0]).shape == (3, 6, 6, 1)
    assert model.generate(3, seed=0, verbose=True).shape == (3, 6, 6, 1)
    np.testing.assert_array_equal(model.complete(x[:2], 6), x[:2])
    done = model.complete(x[:3], 3, seed=0).numpy()  # the class drawn from p(y | rows 0-2)
    np.testing.assert_array_equal(done[:, :3], x[:3, :3])
    assert set(np.unique(done)) <= {0.0, 1.0}
    clone = helpers.check_config_round_trip(model)
    assert clone.get_config()["num_classes"] == 3
    loaded = helpers.check_keras_round_trip(model, x, tmp_path, optimizers=["optimizer"])
    np.testing.assert_array_equal(loaded.class_counts.numpy(), [8, 6, 2])


def test_bad_input_says_what_was_received_and_expected():
    model = small(distribution="categorical", image_shape=(6, 6, 3), filters=6)
    with pytest.raises(ValueError, match=r"\(N, 6, 6, 3\); received \(2, 6, 6, 1\)"):
        model.log_prob(np.zeros((2, 6, 6, 1), "uint8"))
    with pytest.raises(ValueError, match="uint8"):
        model.log_prob(np.full((1, 6, 6, 3), 7.0, "float32"))
    with pytest.raises(ValueError, match="known_rows"):
        model.complete(np.zeros((1, 6, 6, 3), "uint8"), -1)
    with pytest.raises(ValueError, match="unconditional"):
        model.generate(2, labels=[0, 1])
    binary = small()
    with pytest.raises(ValueError, match="Binarize first"):
        binary.log_prob(np.full((1, 6, 6, 1), 255, "uint8"))
    with pytest.raises(ValueError, match="multiple of 3"):
        small(distribution="categorical", image_shape=(6, 6, 3), filters=4)
    with pytest.raises(ValueError, match="temperature"):
        binary.generate(1, temperature=0)


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_steps_stay_finite(policy):
    keras.mixed_precision.set_global_policy(policy)
    model = small(distribution="logistic_mixture", image_shape=(4, 4, 3), filters=6,
                  num_layers=1)
    model.compile(optimizer="adam")
    helpers.fit_one_step(model, helpers.fake_images(8, 4, 3), batch_size=8)
    assert model.network.blocks[0].v_conv.compute_dtype != "float32"
    if policy == "mixed_bfloat16":  # the sampler's dtypes, once
        assert model.generate(1, seed=0).dtype == "float32"
    assert model.log_prob(np.zeros((1, 4, 4, 3), "uint8")).dtype == "float32"


@pytest.mark.parametrize("distribution, channels, classes", [
    ("bernoulli", 1, 3), ("categorical", 3, None)])
def test_exported_sample_and_log_prob_match_the_model(distribution, channels, classes,
                                                      tmp_path):
    """`sample`(count, seed) gives generate(count, seed=seed)'s images as uint8 and `log_prob`
    the model's nats; wrong sizes, counts and labels are refused by the graph with what it expected."""
    from kerasgen.serving.export import export

    model = small(image_shape=(4, 4, channels), distribution=distribution,
                  num_classes=classes, class_names=["a", "b", "c"] if classes else None)
    path = export(model, str(tmp_path / "m"))
    served = tf.saved_model.load(path)
    assert set(served.signatures) == ({"serving_default", "sample", "log_prob"}
                                      | ({"sample_by_name"} if classes else set()))
    # A conditional model's signatures take labels, as a conditional GAN's do.
    labels = {"labels": tf.constant([0, 1, 2])} if classes else {}
    images = served.signatures["sample"](count=tf.constant(3), seed=tf.constant(5, tf.int64),
                                         **labels)["images"].numpy()
    assert images.dtype == np.uint8 and images.shape == (3, 4, 4, channels)
    expected = model.generate(3, seed=5, labels=[0, 1, 2] if classes else None).numpy()
    np.testing.assert_array_equal(images, np.round(expected * 255))
    values = images
    if distribution == "bernoulli":
        assert set(np.unique(images)) <= {0, 255}
        values = images // 255
    score = served.signatures["log_prob"](images=tf.constant(images), **labels)["log_prob"]
    np.testing.assert_allclose(score.numpy(), model.log_prob(
        values, [0, 1, 2] if classes else None).numpy(), rtol=1e-5)
    if classes:
        by_name = served.signatures["sample_by_name"](
            count=tf.constant(2), seed=tf.constant(1, tf.int64),
            class_names=tf.constant(["c", "a"]))["images"].numpy()
        np.testing.assert_array_equal(
            by_name, np.round(model.generate(2, seed=1, labels=[2, 0]).numpy() * 255))
        with pytest.raises(tf.errors.InvalidArgumentError, match="num_classes=3"):
            served.signatures["log_prob"](images=tf.constant(images),
                                          labels=tf.constant([0, 1, 3]))
    one = {"labels": tf.constant([0])} if classes else {}
    with pytest.raises(tf.errors.InvalidArgumentError, match=rf"\(batch, 4, 4, {channels}\)"):
        served.signatures["log_prob"](images=tf.zeros((1, 5, 4, channels), tf.uint8), **one)
    with pytest.raises(tf.errors.InvalidArgumentError, match="count must be >= 1"):
        served.signatures["sample"](count=tf.constant(0), seed=tf.constant(0, tf.int64),
                                    **({"labels": tf.zeros((0,), tf.int32)} if classes else {}))
