import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen.losses import stylegan as stylegan_losses
from kerasgen.models.common import ArgumentError
from kerasgen.models.stylegan import layers as sg_layers
from kerasgen.models.stylegan import ops as sg_ops
from kerasgen.models.stylegan import styles
from tests import helpers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def small(**kwargs):
    args = dict(image_size=16, channels=3, latent_dim=8, w_dim=8, mapping_layers=2, width=4,
                max_width=8, r1_gamma=1.0, seed=1)
    args.update(kwargs)
    return kerasgen.models.StyleGAN(**args)


def images(n=8, size=16, channels=3, seed=0):
    return helpers.fake_images(n, size, channels, value_range=(-1.0, 1.0), seed=seed)


def fixed_draws(model, batch=8, seed=0, noise=False):
    """The step's random draws made constants (latents, no mixing, the fixed noise maps), so
    two steps can be compared."""
    rng = np.random.default_rng(seed)
    z = tf.constant(rng.normal(size=(2, batch, model.latent_dim)).astype("float32"))
    model.step_latents = lambda b: z[:, :b]
    model.step_crossover = lambda b: tf.fill([b], model.num_ws)
    for net in (model.generator, model.ema_generator):
        for layer in net.get_layer("synthesis").layers:
            if isinstance(layer, sg_layers.ModulatedConv2D):
                layer.randomize = noise
    return z


# -- layers ---------------------------------------------------------------------------------
def _conv_same(x, kernel):
    """A 'same' convolution in numpy: x (H, W, I), kernel (k, k, I, O)."""
    k = kernel.shape[0]
    padded = np.pad(x, [(k // 2, k // 2), (k // 2, k // 2), (0, 0)])
    out = np.zeros(x.shape[:2] + (kernel.shape[-1],))
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = np.einsum("abi,abio->o", padded[i:i + k, j:j + k], kernel)
    return out


def test_modulated_convolution_demodulates_as_the_paper_writes_it():
    """w'_ijk = s_i w_ijk, w''_ijk = w'_ijk / sqrt(sum_{i,k} w'_ijk^2 + 1e-8), a per-sample
    convolution in numpy, against the layer's shared convolution between two scalings."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 5, 4)).astype("float32")
    weight = rng.normal(size=(3, 3, 4, 6)).astype("float32")
    s = rng.uniform(0.2, 2.0, size=(3, 4)).astype("float32")
    for demodulate in (True, False):
        got = sg_ops.modulated_conv2d(tf.constant(x), tf.constant(weight), tf.constant(s),
                                         demodulate).numpy()
        for b in range(3):
            modulated = weight * s[b][None, None, :, None]  # w'
            if demodulate:
                norm = np.sqrt(np.sum(modulated ** 2, axis=(0, 1, 2)) + 1e-8)  # (O,)
                modulated = modulated / norm  # w''
            np.testing.assert_allclose(got[b], _conv_same(x[b], modulated), rtol=1e-4,
                                       atol=1e-4)
    # Demodulated outputs keep unit variance for unit-variance inputs, whatever the styles.
    big = rng.normal(size=(2, 16, 16, 64)).astype("float32")
    out = sg_ops.modulated_conv2d(tf.constant(big), tf.constant(rng.normal(
        size=(3, 3, 64, 32)).astype("float32")), tf.constant(rng.uniform(
            0.1, 10.0, size=(2, 64)).astype("float32"))).numpy()
    assert 0.7 < out.std() < 1.3


def test_equalized_learning_rate_scales_the_stored_weights_at_run_time():
    rng = np.random.default_rng(1)
    dense = sg_layers.FullyConnected(64)
    x = rng.normal(size=(5, 256)).astype("float32")
    y = dense(x).numpy()
    kernel = dense.kernel.numpy()
    assert 0.95 < kernel.std() < 1.05  # stored N(0, 1)
    np.testing.assert_allclose(y, x @ (kernel / np.sqrt(256)), rtol=1e-4, atol=1e-5)
    conv = sg_layers.Conv2DLayer(8, 3, activation="linear")
    image = rng.normal(size=(2, 6, 6, 5)).astype("float32")
    out = conv(image).numpy()
    scaled = conv.kernel.numpy() / np.sqrt(3 * 3 * 5)
    np.testing.assert_allclose(out[0], _conv_same(image[0], scaled), rtol=1e-4, atol=1e-4)
    lrelu = sg_layers.Conv2DLayer(8, 3)  # leaky ReLU times sqrt(2)
    out = lrelu(image).numpy()
    pre = _conv_same(image[1], lrelu.kernel.numpy() / np.sqrt(45))
    np.testing.assert_allclose(out[1], np.where(pre > 0, pre, 0.2 * pre) * np.sqrt(2),
                               rtol=1e-4, atol=1e-4)
    down = sg_layers.Conv2DLayer(8, 3, down=True)
    assert down(image).shape == (2, 3, 3, 8)
    assert sg_layers.Conv2DLayer(8, 1, down=True)(image).shape == (2, 3, 3, 8)


def test_the_mapping_network_learns_a_hundred_times_slower():
    """Adam's first step moves every stored weight by the learning rate; the weight the layer
    uses moves by rate x lr_multiplier / sqrt(fan_in): 0.01 / sqrt(fan_in) in the mapping."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 32)).astype("float32")
    moved = {}
    for multiplier in (1.0, 0.01):
        layer = sg_layers.FullyConnected(8, lr_multiplier=multiplier, activation="lrelu")
        layer.build((None, 32))
        effective = layer.kernel.numpy() * layer.weight_gain
        assert 0.8 < effective.std() * np.sqrt(32) < 1.2  # the same initialisation
        optimizer = keras.optimizers.Adam(0.05, epsilon=1e-12)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(layer(x) - 1.0))
        optimizer.apply_gradients(zip(tape.gradient(loss, layer.trainable_variables),
                                      layer.trainable_variables))
        moved[multiplier] = np.abs(layer.kernel.numpy() * layer.weight_gain - effective)
        np.testing.assert_allclose(moved[multiplier], 0.05 * multiplier / np.sqrt(32),
                                   rtol=1e-3)
    model = small()
    mapping = model.generator.get_layer("mapping")
    assert {l.lr_multiplier for l in mapping.layers
            if isinstance(l, sg_layers.FullyConnected)} == {0.01}
    synthesis = model.generator.get_layer("synthesis")
    assert {l.affine.lr_multiplier for l in synthesis.layers
            if isinstance(l, sg_layers.ModulatedConv2D)} == {1.0}


def test_networks_follow_the_paper():
    model = small(image_size=32, width=4, max_width=16)
    assert model.num_ws == 8  # 2 log2(32) - 2
    synthesis = model.generator.get_layer("synthesis")
    convs = [l for l in synthesis.layers if isinstance(l, sg_layers.ModulatedConv2D)]
    torgb = [l for l in convs if l.name.endswith("torgb")]
    assert [l.name for l in torgb] == ["b4_torgb", "b8_torgb", "b16_torgb", "b32_torgb"]
    assert all(not l.demodulate and l.kernel_size == 1 and l.resolution is None
               for l in torgb)
    body = [l for l in convs if l not in torgb]
    assert all(l.demodulate and l.resolution for l in body)  # noise inputs in every conv
    # min(width * 32 / side, max_width) features at each side.
    assert [l.filters for l in body] == [16, 16, 16, 8, 8, 4, 4]
    assert [l.up for l in body] == [False, True, False, True, False, True, False]
    assert synthesis.get_layer("const").const.shape == (4, 4, 16)
    d = model.discriminator
    assert isinstance(d.get_layer("mbstd"), kerasgen.layers.MinibatchStdDev)  # shared
    assert isinstance(model.generator.get_layer("mapping").get_layer("normalize"),
                      kerasgen.layers.PixelNormalization)
    assert d.get_layer("b32_skip").down and not d.get_layer("b32_skip").use_bias
    assert d.output_shape == (None, 1)
    assert model.generator.output_shape == (None, 32, 32, 3)
    # D is as wide as G unless given its own widths, and the widths survive get_config.
    assert d.get_layer("b32_fromrgb").filters == 4 and d.get_layer("b4_conv").filters == 16
    wide = small(image_size=32, width=4, max_width=16, discriminator_width=8,
                 discriminator_max_width=32)
    assert [wide.discriminator.get_layer(f"b{s}_conv0").filters for s in (32, 16, 8)] == \
        [8, 16, 32]
    assert wide.discriminator.get_layer("b4_conv").filters == 32
    assert [l.filters for l in wide.generator.get_layer("synthesis").layers
            if isinstance(l, sg_layers.ModulatedConv2D) and l.demodulate] == \
        [16, 16, 16, 8, 8, 4, 4]
    rebuilt = type(wide).from_config(wide.get_config())
    assert rebuilt.discriminator.get_layer("b4_conv").filters == 32
    with pytest.raises(ArgumentError, match="discriminator_width must be"):
        small(discriminator_width=0)
    with pytest.raises(ArgumentError, match="power of 2 >= 8 .* received 24"):
        small(image_size=24)
    with pytest.raises(ArgumentError, match="style_mixing must be in \\[0, 1\\]"):
        small(style_mixing=1.5)
    with pytest.raises(ArgumentError, match="R1, not with the critic constraint"):
        small(loss="wasserstein_gp")
    with pytest.raises(ValueError, match="unconditional networks; received num_classes=3"):
        small(num_classes=3)


# -- styles ---------------------------------------------------------------------------------
def test_truncation_zero_gives_the_average_and_one_leaves_w_as_mapped():
    model = small()
    model.w_avg.assign(np.linspace(-1, 1, 8).astype("float32"))
    z = model.sample_latents(5, seed=3)
    raw = model.generator.get_layer("mapping")(z).numpy()  # the live and EMA copies agree
    np.testing.assert_allclose(model.mapping(z, truncation=1.0).numpy(), raw, rtol=1e-6)
    np.testing.assert_allclose(model.mapping(z, truncation=0.0).numpy(),
                               np.tile(model.w_avg.numpy(), (5, 1)), rtol=1e-6)
    np.testing.assert_allclose(model.mapping(z, truncation=0.25).numpy(),
                               model.w_avg.numpy() + 0.25 * (raw - model.w_avg.numpy()),
                               rtol=1e-5, atol=1e-6)
    same = model.generate(3, seed=1, truncation=0.0).numpy()  # one w: one image
    np.testing.assert_allclose(same[0], same[2], atol=1e-6)
    assert np.abs(model.generate(3, seed=1).numpy()[0] - model.generate(3, seed=1)
                  .numpy()[2]).max() > 1e-3
    with pytest.raises(ValueError, match="truncation must be in \\[0, 1\\].*received 1.5"):
        model.generate(2, truncation=1.5)


def test_w_avg_is_a_moving_average_of_the_mapped_latents():
    model = small(image_size=8, w_avg_decay=0.9)
    model.compile()
    z = fixed_draws(model)
    start = np.full(8, 0.3, "float32")
    model.w_avg.assign(start)
    mapped = model.generator.get_layer("mapping")(z[0]).numpy()  # G's weights before its step
    helpers.fit_one_step(model, images(size=8))
    mean = mapped.mean(0)
    np.testing.assert_allclose(model.w_avg.numpy(), mean + 0.9 * (start - mean), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(styles.moving_average(np.float32(1.0), np.float32(3.0), 0.995),
                               3.0 - 0.995 * 2.0)


def test_style_mixing_takes_coarse_layers_from_one_latent_and_the_rest_from_another():
    w_a, w_b = tf.ones((3, 2)), -tf.ones((3, 2))
    mixed = styles.mix_styles(w_a, w_b, tf.constant([0, 2, 5]), 5).numpy()[..., 0]
    np.testing.assert_array_equal(mixed, [[-1] * 5, [1, 1, -1, -1, -1], [1] * 5])
    model = small(style_mixing=0.9)
    crossover = model.step_crossover(4000).numpy()
    unmixed = np.mean(crossover == model.num_ws)
    assert 0.08 < unmixed < 0.12
    cuts = crossover[crossover < model.num_ws]
    assert cuts.min() == 1 and cuts.max() == model.num_ws - 1
    counts = np.bincount(cuts)[1:]
    assert counts.min() > 0.8 * counts.mean()  # uniform over 1 .. num_ws - 1
    assert (small(style_mixing=0.0).step_crossover(100).numpy() == model.num_ws).all()
    # mix(): the crossover at num_ws is seed a's image, at 0 seed b's.
    a, b = model.generate(1, seed=5).numpy(), model.generate(1, seed=6).numpy()
    np.testing.assert_allclose(model.mix(5, 6, model.num_ws).numpy(), a, atol=1e-6)
    np.testing.assert_allclose(model.mix(5, 6, 0).numpy(), b, atol=1e-6)
    halfway = model.mix([5, 6], [6, 5], 3).numpy()
    assert halfway.shape == (2, 16, 16, 3) and np.abs(halfway[0] - a[0]).max() > 1e-4
    with pytest.raises(ValueError, match="crossover must be in \\[0, 6\\]"):
        model.mix(1, 2, 7)


# -- regularization -------------------------------------------------------------------------
def test_r1_penalty_is_the_squared_input_gradient_of_a_tiny_discriminator():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 4, 4, 2)).astype("float32")
    a = rng.normal(size=(4, 4, 2)).astype("float32")
    linear = stylegan_losses.r1_penalty(lambda v: tf.reduce_sum(v * a, [1, 2, 3]), x)
    np.testing.assert_allclose(linear.numpy(), np.full(3, np.sum(a ** 2)), rtol=1e-5)
    square = lambda v: tf.reduce_sum(a * v ** 2, [1, 2, 3])[:, None]  # noqa: E731
    want = np.sum((2 * a * x) ** 2, axis=(1, 2, 3))
    np.testing.assert_allclose(stylegan_losses.r1_penalty(square, x).numpy(), want, rtol=1e-5)
    scaled = stylegan_losses.r1_penalty(square, x, loss_scale=2.0 ** 15)
    np.testing.assert_allclose(scaled.numpy(), want, rtol=1e-5)


def test_the_logged_r1_is_that_of_the_discriminator_before_its_update():
    model = small(image_size=8, r1_gamma=2.0, r1_interval=1)
    model.compile(g_optimizer=keras.optimizers.SGD(0.01), d_optimizer=keras.optimizers.SGD(0.01))
    fixed_draws(model)
    x = images(size=8)
    direct = stylegan_losses.r1_penalty(lambda v: model.discriminator(v, training=True),
                                        x).numpy().mean()
    logs = model.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    np.testing.assert_allclose(logs["r1_penalty"][0], direct, rtol=1e-4)


def test_lazy_regularization_counts_steps_in_model_variables():
    """R1 every 3rd D step and path length every 2nd G step, in one compiled step function;
    the counters are model variables, so a restored count carries on."""
    model = small(image_size=8, r1_interval=3, path_length_weight=2.0, path_length_interval=2)
    model.compile()
    traces = []
    step = model.train_step
    model.train_step = lambda data: traces.append(1) or step(data)  # runs when traced
    model.fit(images(56, 8), batch_size=8, epochs=1, verbose=0)  # 7 steps: 0 .. 6
    assert int(model.d_steps.numpy()) == int(model.g_steps.numpy()) == 7
    assert int(model.trackers["r1_penalty"].count.numpy()) == 3  # steps 0, 3, 6
    assert int(model.trackers["path_length"].count.numpy()) == 4  # steps 0, 2, 4, 6
    assert len(traces) == 1
    assert float(model.pl_mean.numpy()) > 0
    model.d_steps.assign(4)  # a restored count: steps 4, 5 without R1
    model.fit(images(16, 8), batch_size=8, epochs=1, verbose=0)
    assert int(model.trackers["r1_penalty"].count.numpy()) == 0
    assert float(model.trackers["r1_penalty"].result()) == 0.0
    assert {w.path.split("/")[-1] for w in model.weights if not w.trainable} >= {
        "d_steps", "g_steps", "w_avg", "pl_mean"}


def test_default_optimizers_are_the_papers_adam_with_the_lazy_correction():
    model = small(r1_interval=16, path_length_weight=2.0, path_length_interval=4)
    model.compile()
    d, g = model.d_optimizer, model.g_optimizer
    np.testing.assert_allclose(float(d.learning_rate), 0.002 * 16 / 17, rtol=1e-6)
    np.testing.assert_allclose(d.beta_2, 0.99 ** (16 / 17), rtol=1e-9)
    np.testing.assert_allclose(float(g.learning_rate), 0.002 * 4 / 5, rtol=1e-6)
    assert d.beta_1 == 0.0 and g.epsilon == 1e-8
    plain = small(path_length_weight=0.0)
    plain.compile()
    np.testing.assert_allclose(float(plain.g_optimizer.learning_rate), 0.002, rtol=1e-6)


# -- saving, precision, serving -------------------------------------------------------------
def test_keras_round_trip_keeps_optimizers_w_avg_and_counters(tmp_path):
    model = small(image_size=8, augment="ada", ada_interval=1)  # StyleGAN's own step, ADA's
    model.compile()
    logs = model.fit(images(16, 8), batch_size=8, epochs=1, verbose=0).history
    assert int(model.ada_steps.numpy()) == 2 and "augment_p" in logs
    model.w_avg.assign(model.w_avg.numpy() + 0.5)  # far from zero, as after a long run
    model.pl_mean.assign(0.25)
    model.augment_p.assign(0.25)
    helpers.check_config_round_trip(model)
    loaded = helpers.check_keras_round_trip(model, model.sample_latents(2, seed=0), tmp_path,
                                            ["g_optimizer", "d_optimizer"])
    for name in ("w_avg", "pl_mean", "d_steps", "g_steps", "augment_p"):
        np.testing.assert_array_equal(getattr(loaded, name).numpy(),
                                      getattr(model, name).numpy(), err_msg=name)
    np.testing.assert_allclose(loaded.generate(3, seed=2, truncation=0.5).numpy(),
                               model.generate(3, seed=2, truncation=0.5).numpy(), atol=1e-6)
    assert int(loaded.d_steps.numpy()) == 2


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_steps_stay_finite_and_close_to_float32(policy):
    """One step on a fixed batch with fixed draws, R1 and path length both computed: the
    losses and penalties match float32's. Under float16, D's output layer and the
    path-length noise are scaled by 1e-5, which puts the gradients the inner R1 and
    path-length tapes take below float16's normal range: only loss-scaled inner tapes keep
    those penalties close to float32's (within 0.1% here; unscaled, R1 came out 19% off and
    the path length 6%)."""
    tiny = policy == "mixed_float16"

    def run():
        model = small(image_size=8, width=8, r1_interval=1, path_length_weight=2.0,
                      path_length_interval=1, path_length_batch_shrink=1)
        model.set_weights(start)
        model.compile(g_optimizer=keras.optimizers.SGD(0.01),
                      d_optimizer=keras.optimizers.SGD(0.01))
        fixed_draws(model)
        if tiny:
            out = model.discriminator.get_layer("b4_out")
            out.kernel.assign(out.kernel * 1e-5)
            noise = model.step_path_noise
            model.step_path_noise = lambda images: noise(images) * 1e-5
        return model, model.fit(images(8, 8), batch_size=8, epochs=1, verbose=0).history

    start = small(image_size=8, width=8).get_weights()
    reference, want = run()
    keras.mixed_precision.set_global_policy(policy)
    model, got = run()
    assert model.generator.get_layer("synthesis").get_layer("b8_conv1").compute_dtype != \
        "float32"
    assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer) == tiny
    tolerance = 0.01 if tiny else 0.05
    for name in ("d_loss", "g_loss", "real_score", "r1_penalty", "path_length"):
        assert np.isfinite(got[name][0]), name
        np.testing.assert_allclose(got[name][0], want[name][0], rtol=tolerance,
                                   atol=0 if name in ("r1_penalty", "path_length") else 0.01,
                                   err_msg=name)
    for a, b in zip(model.trainable_weights, reference.trainable_weights):
        assert np.isfinite(a.numpy()).all()
    assert model.w_avg.dtype == "float32" and model.generate(2, seed=0).dtype == tf.float32


def test_exported_sample_mapping_and_synthesis_match_the_model(tmp_path):
    from kerasgen.serving.export import export

    model = small()
    model.w_avg.assign(np.linspace(-0.5, 0.5, 8).astype("float32"))
    served = tf.saved_model.load(export(model, str(tmp_path / "m")))
    assert set(served.signatures) == {"serving_default", "sample", "mapping", "synthesis"}
    z = model.sample_latents(3, seed=1)
    w = served.signatures["mapping"](z=z, truncation=tf.constant(0.6))["w"].numpy()
    np.testing.assert_allclose(w, model.mapping(z, 0.6).numpy(), rtol=1e-5, atol=1e-6)
    out = served.signatures["synthesis"](w=tf.constant(w))["images"].numpy()
    want = np.round(model.synthesis(w).numpy() * 255)
    assert out.dtype == np.uint8 and np.abs(out.astype(int) - want).max() <= 1
    sample = served.signatures["sample"]
    flat = sample(count=tf.constant(3), seed=tf.constant(4, tf.int64),
                  truncation=tf.constant(0.0))["images"].numpy()
    assert (flat == flat[0]).all()  # psi = 0: every sample is the average w's image
    z4 = tf.random.stateless_normal((3, 8), seed=[4, 0])
    got = sample(count=tf.constant(3), seed=tf.constant(4, tf.int64),
                 truncation=tf.constant(0.7))["images"].numpy()
    want = np.round(model.generate(z4, truncation=0.7).numpy() * 255)
    assert np.abs(got.astype(int) - want).max() <= 1
    for bad in (1.5, -0.1):
        with pytest.raises(tf.errors.InvalidArgumentError, match="truncation must be from 0 to 1"):
            sample(count=tf.constant(1), seed=tf.constant(0, tf.int64),
                   truncation=tf.constant(bad))
    with pytest.raises(tf.errors.InvalidArgumentError, match="truncation must be from 0 to 1"):
        served.signatures["mapping"](z=z, truncation=tf.constant(2.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="w must have shape \\(batch, 8\\)"):
        served.signatures["synthesis"](w=tf.zeros((1, 9)))


def test_kerasgen_sample_takes_truncation_and_refuses_it_out_of_range(tmp_path, capfd):
    from kerasgen import cli

    model = small()
    path = str(tmp_path / "m.keras")
    model.save(path)
    out = str(tmp_path / "s.npz")
    assert cli.main(["sample", path, "--truncation", "0.0", "--num", "3", "--out", out,
                     "--quiet"]) in (0, None)
    drawn = np.load(out)["images"]
    assert drawn.shape == (3, 16, 16, 3) and (drawn == drawn[0]).all()
    assert cli.main(["sample", path, "--truncation", "1.5", "--out", out]) == 2
    assert "truncation must be in [0, 1]" in capfd.readouterr().err


# -- projection -----------------------------------------------------------------------------
def test_projector_schedule_noise_regularizer_and_feature_distance_are_the_papers():
    from kerasgen.losses import projection as projection_losses
    from kerasgen.models.stylegan import projection

    options = projection.ProjectorOptions()
    rates = [projection.learning_rate(t, options) for t in (0.0, 0.025, 0.05, 0.5, 0.875)]
    np.testing.assert_allclose(rates, [0.0, 0.05, 0.1, 0.1, 0.05], atol=1e-9)
    assert projection.learning_rate(0.999, options) < 1e-4  # half a cosine down to 0
    scales = [projection.w_noise_scale(t, 2.0, options) for t in (0.0, 0.375, 0.75, 0.9)]
    np.testing.assert_allclose(scales, [0.1, 0.025, 0.0, 0.0])  # 2 x 0.05 x (1 - t/0.75)^2
    # Per image: a constant map correlates fully (1 per axis at 16 and 8 px: 4); white noise
    # hardly at all.
    rng = np.random.default_rng(0)
    maps = np.stack([np.ones((16, 16, 1)), rng.normal(size=(16, 16, 1))]).astype("float32")
    penalty = projection_losses.noise_regularization(tf.constant(maps)).numpy()
    assert penalty[0] == pytest.approx(4.0) and penalty[1] < 0.02
    a = [tf.constant(rng.uniform(0.1, 1, (2, 4, 4, 3)), tf.float32) for _ in range(2)]
    same = projection_losses.feature_distance(a, [2.0 * m for m in a]).numpy()  # scale-free
    np.testing.assert_allclose(same, [0.0, 0.0], atol=1e-6)
    opposite = projection_losses.feature_distance(a, [-m for m in a]).numpy()
    np.testing.assert_allclose(opposite, [8.0, 8.0], rtol=1e-5)  # 4 per map, at most


def test_projection_refuses_what_it_cannot_use(tmp_path):
    from kerasgen.images import read_images

    model = small()
    faces = np.zeros((2, 16, 16, 3), np.uint8)
    with pytest.raises(ValueError, match="images \\(N, 16, 16, 3\\) .* received uint8 "
                                         "\\(2, 8, 8, 3\\)"):
        model.project(np.zeros((2, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="float images in \\[0, 1\\].*received values in "
                                         "\\[-1, 1\\]"):
        model.project(np.linspace(-1, 1, 2 * 16 * 16 * 3).reshape(2, 16, 16, 3))
    with pytest.raises(ValueError, match="space must be one of w, w\\+.*received 'z'"):
        model.project(faces, space="z")
    with pytest.raises(ValueError, match="steps must be >= 1; received 0"):
        model.project(faces, steps=0)
    with pytest.raises(ValueError, match="Unknown projector option.*'learning_rate'.*known: "
                                         "w_avg_samples"):
        model.project(faces, learning_rate=0.1)
    grey = helpers.tiny_classifier(size=16)  # 1 channel
    with pytest.raises(ValueError, match="reads 1-channel images and the model makes "
                                         "3-channel"):
        model.project(faces, perceptual=grey)
    with pytest.raises(ValueError, match="perceptual must be a feature extractor.*received "
                                         "StyleGAN"):
        model.project(faces, perceptual=model)
    # What `kerasgen project` reads its images with: another size is refused, both named.
    tf.io.write_file(str(tmp_path / "big.png"), tf.io.encode_png(np.zeros((32, 32, 3), "uint8")))
    with pytest.raises(ValueError, match="big.png: expected a 16x16 image \\(the model's "
                                         "size\\); received 32x32"):
        read_images([str(tmp_path / "big.png")], (16, 16, 3))
    with pytest.raises(ValueError, match="No noise input named 'b4_torgb'"):
        model.synthesis(np.zeros((1, 8), np.float32), noise={"b4_torgb": np.zeros((1, 4, 4, 1))})


def test_kerasgen_project_reproduces_images_the_model_drew(tmp_path, capfd):
    """`kerasgen project` (pixels alone; the shipped attribute classifier as the perceptual
    network runs in docs/stylegan.md on real faces), one w per layer: from the average w to
    latents that remake two of the model's own images better in 20 steps; the grid, the
    latents, the optimised noise maps (zero mean, unit variance) and the distances are
    written, and `synthesis` remakes the grid's projections from the latents and noise maps."""
    import json

    from kerasgen import cli
    from kerasgen.models.stylegan import projection

    model = small(image_size=8)
    path = str(tmp_path / "m.keras")
    model.save(path)
    faces = np.round(model.generate(3, seed=5).numpy() * 255).astype("uint8")
    np.savez(tmp_path / "faces.npz", images=faces)
    out = tmp_path / "out"
    assert cli.main(["project", path, str(tmp_path / "faces.npz"), "--out", str(out),
                     "--steps", "20", "--space", "w+", "--num", "2", "--features", "none",
                     "--quiet"]) == 0
    assert "Projected 2 image(s) into w+" in capfd.readouterr().out
    ws, state = np.load(out / "w_plus.npy"), dict(np.load(out / "state.npz"))
    assert ws.shape == (2, model.num_ws, 8)
    assert set(state) == set(sg_layers.noise_inputs(model.generator.get_layer("synthesis")))
    for name, noise in state.items():
        np.testing.assert_allclose(noise.mean(axis=(1, 2, 3)), 0.0, atol=1e-4, err_msg=name)
        np.testing.assert_allclose(noise.std(axis=(1, 2, 3)), 1.0, rtol=1e-3, err_msg=name)
    report = json.load(open(out / "projection.json"))
    assert report["images"] == [f"{tmp_path / 'faces.npz'}[{i}]" for i in range(2)]
    assert report["protocol"]["features"] == {"name": "none (pixels alone)"}
    assert set(report["distances"]) == {"mse", "psnr", "psnr_fixed_noise"}
    w_avg, _ = projection.w_statistics(model.ema_generator.get_layer("mapping"), 8, 10_000, 0)
    start = np.mean((model.synthesis(np.tile(w_avg, (2, 1))).numpy() - faces[:2] / 255) ** 2,
                    axis=(1, 2, 3))
    assert (np.asarray(report["distances"]["mse"]) < 0.6 * start).all(), (report, start)
    grid = tf.io.decode_png(tf.io.read_file(str(out / "projection.png"))).numpy()
    assert grid.shape == (2 + 10, 2 + 4 * 10, 3)  # one row: target | projection, twice
    remade = np.round(model.synthesis(ws, noise=state).numpy() * 255)
    cells = [grid[2:10, 2 + 10 * k: 10 + 10 * k].astype(int) for k in range(4)]
    np.testing.assert_array_equal(cells[0], faces[0])
    assert np.abs(cells[1] - remade[0]).max() <= 1 and np.abs(cells[3] - remade[1]).max() <= 1


# -- training from the config ---------------------------------------------------------------
def _png_folder(folder, count=24, size=16):
    rng = np.random.default_rng(0)
    os.makedirs(folder)
    for i in range(count):
        image = rng.integers(0, 256, (size, size, 3)).astype(np.uint8)
        tf.io.write_file(os.path.join(folder, f"{i:06d}.png"), tf.io.encode_png(image))
    return folder


def test_kerasgen_train_resumes_w_avg_and_the_lazy_counters(tmp_path):
    """The config at toy scale (synthetic images at 8 px, narrow networks): a rerun of the
    same command restores w_avg, pl_mean and the step counters from the backup."""
    from kerasgen import config as config_lib
    from kerasgen.training.train import train

    folder = _png_folder(str(tmp_path / "img"))
    overrides = [f"data.path={folder}", "data.image_size=8", "data.stop=16",
                 "data.eval_start=16", "data.eval_stop=24", "data.batch_size=8",
                 "model.args.image_size=8", "model.args.width=4", "model.args.max_width=8",
                 "model.args.latent_dim=8", "model.args.w_dim=8",
                 "model.args.mapping_layers=2", "model.args.r1_interval=3",
                 "train.metrics_every_epochs=null", "train.num_samples=4",
                 f"train.output_dir={tmp_path / 'run'}"]
    path = os.path.join(ROOT, "configs", "stylegan2_celeba_64.yaml")
    first, history = train(config_lib.load(path, overrides + ["train.epochs=1"]), verbose=0)
    assert {"d_loss", "g_loss", "r1_penalty"} <= set(history.history)
    assert first.augment is None and int(first.d_steps.numpy()) == 2

    def state(model):
        return {name: getattr(model, name).numpy() for name in
                ("w_avg", "pl_mean", "d_steps", "g_steps")}

    saved = state(first)

    class Seen(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.state = state(self.model)

    seen = Seen()
    second, history = train(config_lib.load(path, overrides + ["train.epochs=2"]), verbose=0,
                            callbacks=[seen])
    assert len(history.history["d_loss"]) == 1  # epoch 1 was restored, not redone
    for name, value in saved.items():
        np.testing.assert_array_equal(seen.state[name], value, err_msg=name)
    assert int(second.d_steps.numpy()) == 4


def test_mixing_grid_path_length_and_attribute_direction():
    """The card's pictures and measures at toy scale: the mixing grid's cells are `mix` of
    their row and column sources; path lengths in w and z are finite and positive; an
    attribute direction is a unit vector in w."""
    model = small()
    grid = model.mixing_grid([1, 2], [3, 4, 5], crossover=2)
    assert grid.shape == (2 + 3 * 18, 2 + 4 * 18, 3)  # one source row and column, 2 px gaps
    cell = grid[2 + 2 * 18: 2 + 2 * 18 + 16, 2 + 3 * 18: 2 + 3 * 18 + 16]  # row 2, column 5
    np.testing.assert_allclose(cell, np.round(model.mix(2, 5, 2).numpy()[0] * 255), atol=1)
    corner = grid[2:18, 2:18]
    assert (corner == corner[0, 0]).all()  # blank
    judge = kerasgen.models.Classifier(image_shape=(8, 8, 3), num_classes=2, width=4,
                                       feature_dim=8, multi_label=True, thresholds=[0.5, 0.5])
    for space in ("w", "z"):
        report = model.path_length(space, num_pairs=8, perceptual=judge, batch_size=4)
        assert report["pairs"] == 8 and np.isfinite(report["ppl"]) and report["ppl"] > 0
        assert report["protocol"]["interpolation"] == {"w": "linear", "z": "spherical"}[space]
    with pytest.raises(ValueError, match="needs a feature extractor"):
        model.path_length("w", num_pairs=2)
    # A judge whose score for "b" is the images' mean green: the direction must be the one
    # between the w of the greenest and the least green quarters, whatever the share above
    # the threshold (all of the samples here: an untrained model's images are all alike).
    judge.thresholds = [0.5, 0.0]
    judge.probabilities = lambda images: np.stack(
        [np.zeros(len(images)), np.asarray(images)[..., 1].mean(axis=(1, 2))], axis=1)
    direction, share = model.attribute_direction(judge, "b", ["a", "b"], num_samples=64)
    assert direction.shape == (8,) and np.linalg.norm(direction) == pytest.approx(1.0)
    assert share == 1.0
    w = model.mapping(model.sample_latents(64, 0), 1.0, True).numpy()
    green = model.synthesis(w, True).numpy()[..., 1].mean(axis=(1, 2))
    order = np.argsort(green)
    expected = w[order[-16:]].mean(axis=0) - w[order[:16]].mean(axis=0)
    np.testing.assert_allclose(direction, expected / np.linalg.norm(expected), atol=1e-5)
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 0.5\]"):
        model.attribute_direction(judge, "b", ["a", "b"], num_samples=64, fraction=0.6)
    with pytest.raises(ValueError, match="Unknown attribute 'c'; the judge's outputs are a, b"):
        model.attribute_direction(judge, "c", ["a", "b"])


def test_the_lazy_r1_step_compiles_with_xla_and_path_length_refuses_it():
    """Keras turns XLA on by default on GPUs: the discriminator step with its lazy R1 must
    compile for any batch size (a gradient through tf.cond could not), and the path-length
    penalty, which cannot, is refused by name."""
    model = small(image_size=8, mapping_layers=1, r1_interval=1)
    model.compile()
    step = tf.function(model._discriminator_step, jit_compile=True,
                       input_signature=[tf.TensorSpec([None, 8, 8, 3])])
    r1, regularized = step(tf.constant(images(4, size=8)))["r1_penalty"]
    assert bool(regularized) and (r1.numpy() > 0).all()
    with pytest.raises(ValueError, match="jit_compile=True cannot compile StyleGAN's lazy "
                                         "path-length penalty"):
        small(image_size=8, path_length_weight=2.0).compile(jit_compile=True)
