import json
import math
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen import cli
from kerasgen import config as config_lib
from kerasgen.layers.progressive import EqualizedConv2D
from kerasgen.layers.progressive import EqualizedDense
from kerasgen.layers.progressive import MinibatchStdDev
from kerasgen.layers.progressive import PixelNormalization
from kerasgen.models.common import ArgumentError
from kerasgen.models.progan import growing
from kerasgen.models.progan.grow import grow
from tests import helpers


def small(**kwargs):
    """8x8 (levels 4 and 8) unless `resolution` says otherwise; widths 4-8."""
    args = dict(resolution=8, channels=1, latent_dim=8, width_base=32, max_width=8,
                phase_images=16, seed=3)
    args.update(kwargs)
    return kerasgen.models.ProGAN(**args)


def images(n=16, size=8, channels=1, seed=0):
    return helpers.fake_images(n, size, channels, value_range=(-1.0, 1.0), seed=seed)


class Steps(keras.callbacks.Callback):
    """Per step: the logged resolution and alpha, and the images seen after it."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append((int(logs["resolution"]), round(float(logs["alpha"]), 4),
                          int(self.model.images_seen.numpy())))


# -- layers ----------------------------------------------------------------------------------
def test_equalized_layers_draw_unit_weights_and_scale_them_at_run_time():
    x = np.random.default_rng(0).normal(size=(4, 32)).astype("float32")
    dense = EqualizedDense(64)
    y = np.asarray(dense(x))
    kernel = np.asarray(dense.kernel)
    assert abs(kernel.std() - 1.0) < 0.1  # N(0, 1), not He-initialised
    np.testing.assert_allclose(y, x @ (kernel * math.sqrt(2.0) / math.sqrt(32)), rtol=1e-5,
                               atol=1e-5)
    conv = EqualizedConv2D(8, 3, gain=1.0)
    image = np.random.default_rng(1).normal(size=(2, 5, 5, 6)).astype("float32")
    out = np.asarray(conv(image))
    scale = 1.0 / math.sqrt(3 * 3 * 6)  # gain / sqrt(kh * kw * in_channels)
    assert conv.scale == pytest.approx(scale)
    expected = np.asarray(keras.ops.conv(image, np.asarray(conv.kernel) * scale,
                                         padding="same"))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    # the centre pixel of a 1x1-equivalent check: a 3x3 kernel on a constant image
    assert out.shape == (2, 5, 5, 8)
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        EqualizedConv2D(4, 2)


def test_pixel_norm_gives_each_pixel_unit_mean_square():
    x = np.random.default_rng(0).normal(3.0, 5.0, size=(2, 3, 3, 7)).astype("float32")
    y = np.asarray(PixelNormalization()(x))
    expected = x / np.sqrt(np.mean(x ** 2, axis=-1, keepdims=True) + 1e-8)
    np.testing.assert_allclose(y, expected, rtol=1e-5)
    np.testing.assert_allclose(np.mean(y ** 2, axis=-1), 1.0, rtol=1e-5)


def _stddev_numpy(x, group):
    b = len(x)
    group = min(group, b)
    out = np.empty((b,), np.float64)
    for start in range(0, b, group):  # consecutive groups
        g = x[start:start + group].astype(np.float64)
        std = np.sqrt(((g - g.mean(0)) ** 2).mean(0) + 1e-8)  # over the group
        out[start:start + group] = std.mean()  # over pixels and features
    return np.concatenate([x, np.broadcast_to(out[:, None, None, None],
                                              x.shape[:3] + (1,))], axis=-1)


@pytest.mark.parametrize("batch", [8, 3])
def test_minibatch_stddev_matches_numpy(batch):
    x = np.random.default_rng(batch).normal(size=(batch, 4, 4, 5)).astype("float32")
    y = np.asarray(MinibatchStdDev(4)(x))
    assert y.shape == (batch, 4, 4, 6)
    np.testing.assert_array_equal(y[..., :5], x)
    np.testing.assert_allclose(y, _stddev_numpy(x, 4), rtol=1e-5)
    traced = tf.function(lambda t: MinibatchStdDev(4)(t),
                         input_signature=[tf.TensorSpec((None, 4, 4, 5))])
    np.testing.assert_allclose(np.asarray(traced(x)), y, rtol=1e-6)


def test_minibatch_stddev_refuses_a_batch_it_cannot_group():
    with pytest.raises(ValueError, match="a batch of 6 does not split into groups of 4"):
        MinibatchStdDev(4)(np.zeros((6, 4, 4, 2), "float32"))


# -- fade-in -----------------------------------------------------------------------------------
def test_generator_fade_in_goes_from_the_old_path_to_the_new():
    g = small(resolution=16).generator
    z = tf.random.normal((4, 8), seed=1)
    old = np.asarray(g(z, level=1))  # (4, 8, 8, 1): the level below, fully faded in
    new = np.asarray(g(z, level=2, alpha=1.0))  # (4, 16, 16, 1)
    upsampled = old.repeat(2, axis=1).repeat(2, axis=2)
    np.testing.assert_allclose(np.asarray(g(z, level=2, alpha=0.0)), upsampled, atol=1e-6)
    np.testing.assert_allclose(np.asarray(g(z, level=2, alpha=tf.constant(1.0))), new,
                               atol=1e-6)
    np.testing.assert_allclose(np.asarray(g(z, level=2, alpha=0.25)),
                               0.75 * upsampled + 0.25 * new, atol=1e-6)
    # Without a level: the level and alpha variables, upsampled to the final side.
    g.level.assign(1)
    g.alpha.assign(0.5)
    mid = np.asarray(g(z, level=1, alpha=0.5)).repeat(2, axis=1).repeat(2, axis=2)
    np.testing.assert_allclose(np.asarray(g(z)), mid, atol=1e-6)


def test_discriminator_and_reals_fade_in_the_same_way():
    d = small(resolution=16).discriminator
    x = images(8, 16, seed=2)
    half = np.asarray(growing.downsample(x, 2))  # (8, 8, 8, 1)
    old = np.asarray(d(half, level=1))
    new = np.asarray(d(x, level=2, alpha=1.0))
    np.testing.assert_allclose(np.asarray(d(x, level=2, alpha=0.0)), old, atol=1e-5)
    assert not np.allclose(old, new)
    # Without a level: the images are pooled to the level variable's side.
    d.level.assign(1)
    d.alpha.assign(1.0)
    np.testing.assert_allclose(np.asarray(d(x)), old, atol=1e-5)
    # Reals: at alpha 0 the lower level's pixels (upsampled), at alpha 1 the level's own.
    blurred = half.reshape(8, 4, 2, 4, 2, 1).mean((2, 4)).repeat(2, 1).repeat(2, 2)
    np.testing.assert_allclose(np.asarray(growing.reals_at(x, 1, 0.0)), blurred, atol=1e-6)
    np.testing.assert_allclose(np.asarray(growing.reals_at(x, 1, 1.0)), half, atol=1e-6)
    np.testing.assert_allclose(np.asarray(growing.reals_at(x, 2, 0.5)),
                               0.5 * half.repeat(2, 1).repeat(2, 2) + 0.5 * x, atol=1e-6)


# -- the schedule ------------------------------------------------------------------------------
@pytest.mark.parametrize("seen, level, alpha", [
    (0, 0, 1.0), (99, 0, 1.0),             # level 0: one phase, nothing to fade
    (100, 1, 0.0), (150, 1, 0.5), (199, 1, 0.99), (200, 1, 1.0), (299, 1, 1.0),
    (300, 2, 0.0), (325, 2, 0.25),         # the last level fades in ...
    (500, 2, 1.0), (10_000, 2, 1.0),       # ... and stays
])
def test_schedule_fades_each_level_in_then_stabilizes(seen, level, alpha):
    got_level, got_alpha = growing.level_and_alpha(seen, 100, 3)
    assert int(got_level) == level and float(got_alpha) == pytest.approx(alpha)
    assert growing.schedule_images(3, 100) == 500
    assert growing.fade_start(2, 100) == 300


def test_training_advances_alpha_and_level_by_images_seen_with_a_batch_per_resolution():
    gan = small(resolution=16, batch_sizes={4: 16, 16: 8})
    gan.compile()
    steps = Steps()
    history = gan.fit(images(16 * 11, 16), batch_size=16, epochs=1, verbose=0,
                      callbacks=[steps])
    # phase 16: 4x4 for 16 images (batch 16), 8x8 fades over 16 and stabilizes over 16
    # (batch 16: 8x8 is not listed), 16x16 fades in over 16 (batch 8) and stays.
    assert steps.seen == [(4, 1.0, 16), (8, 0.0, 32), (8, 1.0, 48), (16, 0.0, 56),
                          (16, 0.5, 64), (16, 1.0, 72), (16, 1.0, 80), (16, 1.0, 88),
                          (16, 1.0, 96), (16, 1.0, 104), (16, 1.0, 112)]
    assert int(gan.g_optimizer.iterations) == 11
    assert all(np.isfinite(v).all() for v in history.history.values())
    # The networks draw where the schedule stands after the images seen.
    assert int(gan.generator.level.numpy()) == 2 == int(gan.ema_generator.level.numpy())
    assert gan.generate(3, seed=0).shape == (3, 16, 16, 1)


def test_the_generator_average_warms_up_again_with_each_level():
    # Counted from the run's first update, a 0.999 average of a level trained for a few
    # hundred updates is mostly its random initialisation; counted from the level's start, the
    # warm-up min(decay, (1 + t) / (10 + t)) follows the new weights from the first update.
    assert int(growing.steps_at_level(0, 0, 16, 16)) == 1
    assert int(growing.steps_at_level(16, 1, 16, 16)) == 1
    assert int(growing.steps_at_level(40, 1, 16, 8)) == 4
    assert int(growing.steps_at_level(1_000, 2, 100, 50)) == 15  # from 300
    gan = small(phase_images=64, ema_decay=0.999)
    gan.compile()
    start = gan.generator.to_rgb[1].kernel.numpy()
    np.testing.assert_array_equal(start, gan.ema_generator.to_rgb[1].kernel.numpy())
    # Four updates at 4x4, then the 8x8 fade's first two: at alpha 0 (the new toRGB gets no
    # gradient, the average stays at its start) and at alpha 0.25.
    gan.fit(images(96), batch_size=16, epochs=1, verbose=0)
    raw = gan.generator.to_rgb[1].kernel.numpy()
    assert not np.allclose(raw, start)
    decay = 3.0 / 12.0  # t = 2, the level's second update (the run's sixth would give 7 / 16)
    np.testing.assert_allclose(gan.ema_generator.to_rgb[1].kernel.numpy(),
                               decay * start + (1.0 - decay) * raw, rtol=1e-5, atol=1e-6)


def test_levels_not_yet_reached_do_not_train():
    gan = small(phase_images=1000)
    gan.compile()
    untouched = (gan.generator.blocks[1].weights + gan.generator.to_rgb[1].weights
                 + gan.discriminator.blocks[1].weights + gan.discriminator.from_rgb[1].weights)
    before = [w.numpy() for w in untouched]
    trained = gan.generator.to_rgb[0].kernel.numpy()
    gan.fit(images(32), batch_size=16, epochs=1, verbose=0)
    for a, b in zip(before, untouched):
        np.testing.assert_array_equal(a, b.numpy())
    assert not np.array_equal(trained, gan.generator.to_rgb[0].kernel.numpy())


# -- saving, resuming, sampling ----------------------------------------------------------------
def test_keras_round_trip_keeps_the_schedule_and_both_optimizers(tmp_path):
    # ProGAN's own step with ADA (which needs a loss whose D output is a verdict by its sign)
    gan = small(batch_sizes={8: 8}, loss="non_saturating", augment="ada", ada_interval=1)
    gan.compile()
    logs = gan.fit(images(48), batch_size=16, epochs=1, verbose=0).history
    assert int(gan.images_seen.numpy()) == 32  # 16 at 4x4, then 8 + 8 at 8x8
    assert float(gan.generator.alpha.numpy()) == 1.0
    assert int(gan.ada_steps.numpy()) == 3 and "augment_p" in logs
    gan.augment_p.assign(0.25)
    z = gan.sample_latents(4, seed=0)
    loaded = helpers.check_keras_round_trip(gan, z, tmp_path, ["g_optimizer", "d_optimizer"])
    assert int(loaded.images_seen.numpy()) == 32
    assert float(loaded.augment_p.numpy()) == 0.25
    for net in loaded.networks():
        assert (int(net.level.numpy()), float(net.alpha.numpy())) == (1, 1.0)
    np.testing.assert_array_equal(np.asarray(gan.generate(4, seed=5)),
                                  np.asarray(loaded.generate(4, seed=5)))
    clone = helpers.check_config_round_trip(gan)
    assert clone.batch_sizes == {8: 8}
    # JSON turns the sides into strings; the config takes them back.
    assert kerasgen.models.ProGAN.from_config(json.loads(json.dumps(
        gan.get_config()))).batch_sizes == {8: 8}


def _png_folder(folder, count=48, size=8, channels=3):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        pixels = rng.integers(0, 256, (size, size, channels)).astype(np.uint8)
        tf.io.write_file(os.path.join(folder, f"{i:03d}.png"), tf.io.encode_png(pixels))
    return folder


class CrashMidFade(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.g_optimizer.iterations) == 6:
            raise RuntimeError("simulated crash")


def test_a_run_killed_mid_fade_resumes_at_the_same_alpha(tmp_path):
    """`kerasgen train`: 4x4 for 32 images, then 8x8 fades in over 32 (4 steps of 8). Killed
    after step 6 (the backup of step 6 written, at 48 images: alpha 0.5), the rerun resumes
    there; TensorBoard has the resolution and alpha, and a sample grid every epoch."""
    from kerasgen.training.train import train
    from tests.test_train import scalar_and_image_tags

    config = config_lib.from_dict(config_lib.ExperimentConfig, {
        "name": "progan_tiny",
        "model": {"family": "progan", "args": {
            "resolution": 8, "channels": 3, "latent_dim": 8, "width_base": 32,
            "max_width": 8, "phase_images": 32}},
        "data": {"source": "folder", "path": _png_folder(str(tmp_path / "img")),
                 "image_size": 8, "channels": 3, "eval_split": None, "batch_size": 8},
        "train": {"epochs": 3, "steps_per_epoch": 4, "checkpoint_every_steps": 2,
                  "num_samples": 4, "output_dir": str(tmp_path / "run")}})
    crashed, resumed = Steps(), Steps()
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(config, verbose=0, callbacks=[crashed, CrashMidFade()])
    assert crashed.seen[-1] == (8, 0.25, 48)  # step 6 trained at alpha 0.25
    model, _ = train(config, verbose=0, callbacks=[resumed])
    # The backup of step 6 (48 images) is restored and epoch 2 goes on with its steps 7-8.
    assert resumed.seen[0] == (8, 0.5, 56)
    assert [alpha for _, alpha, _ in resumed.seen[:3]] == [0.5, 0.75, 1.0]
    assert len(resumed.seen) == 2 + 4 and int(model.images_seen.numpy()) == 12 * 8
    # The training clock's image counts are the model's own, one per finished epoch.
    from kerasgen.zoo.curve import read_scalars
    assert read_scalars(str(tmp_path / "run" / "logs" / "clock"))["images"] == [
        (1, 32.0), (2, 64.0), (3, 96.0)]
    tags = scalar_and_image_tags(str(tmp_path / "run" / "logs"))
    assert {"epoch_resolution", "epoch_alpha", "epoch_d_drift"} <= (tags["scalars"]
                                                                     | tags["tensors"])
    assert os.path.exists(tmp_path / "run" / "samples" / "samples_epoch_0003.png")


def _finished(resolution=8, **kwargs):
    """A model whose schedule has ended (trained just long enough to get there)."""
    gan = small(resolution=resolution, phase_images=8, **kwargs)
    gan.compile()
    levels = growing.num_levels(resolution)
    steps = growing.schedule_images(levels, 8) // 8
    gan.fit(images(8 * steps, resolution), batch_size=8, epochs=1, verbose=0)
    assert float(gan.level_and_alpha()[1]) == 1.0
    assert int(gan.level_and_alpha()[0]) == levels - 1
    return gan


def test_generate_draws_a_lower_level_of_a_finished_model():
    gan = _finished(resolution=8)
    low = np.asarray(gan.generate(5, seed=2, resolution=4))
    assert low.shape == (5, 4, 4, 1) and 0.0 <= low.min() and low.max() <= 1.0
    np.testing.assert_array_equal(low, np.asarray(gan.generate(5, seed=2, resolution=4)))
    z = gan.sample_latents(5, seed=2)
    expected = np.clip((np.asarray(gan.ema_generator(z, level=0)) + 1) / 2, 0, 1)
    np.testing.assert_allclose(np.asarray(gan.generate(z, resolution=4)), expected, atol=1e-6)
    assert gan.generate(5, seed=2).shape == (5, 8, 8, 1)
    assert gan.generate(5, seed=2, resolution=8).shape == (5, 8, 8, 1)
    with pytest.raises(ValueError, match=r"one of this model's sides \[4, 8\]; received 6"):
        gan.generate(2, resolution=6)
    with pytest.raises(ValueError, match="has grown to 4x4 so far"):
        small().generate(2, resolution=8)  # a fresh model has not reached 8x8


def test_a_finished_run_grows_a_level_that_starts_at_alpha_0():
    gan = _finished(resolution=8)
    grown = grow(gan)
    assert grown.resolution == 16 and grown.num_levels == 3
    assert int(grown.images_seen.numpy()) == growing.fade_start(2, 8)
    assert (int(grown.generator.level.numpy()), float(grown.generator.alpha.numpy())) == (2, 0.0)
    # At alpha 0 the grown model draws and judges as the finished one did, upsampled.
    z = gan.sample_latents(3, seed=1)
    before = np.asarray(gan.generate(z))
    np.testing.assert_allclose(np.asarray(grown.generate(z)),
                               before.repeat(2, 1).repeat(2, 2), atol=1e-6)
    x = images(8, 16)
    np.testing.assert_allclose(np.asarray(grown.discriminator(x)),
                               np.asarray(gan.discriminator(growing.downsample(x, 2))),
                               atol=1e-5)
    # (training it further: test_a_later_stage_grows_a_finished_run)
    with pytest.raises(ValueError, match="8x8 model has seen 0 images of the 48 its schedule"):
        grow(small())


def test_a_later_stage_grows_a_finished_run(tmp_path, capfd):
    """A config whose second stage doubles the resolution of the first stage's model
    (`init_transform: grow_progan`)."""
    folder = _png_folder(str(tmp_path / "img"), count=32, size=8)
    path = tmp_path / "grow.yaml"
    path.write_text(f"""name: grow
model: {{family: progan, args: {{resolution: 4, channels: 3, latent_dim: 8, width_base: 32,
                                max_width: 8, phase_images: 16}}}}
data: {{source: folder, path: {folder}, image_size: 4, channels: 3, eval_split: null,
       batch_size: 8}}
train: {{epochs: 1, steps_per_epoch: 2, num_samples: 4, checkpoint_every_steps: null}}
stages:
  - name: small
  - name: grown
    init_transform: grow_progan
    set: {{model.args.resolution: 8, data.image_size: 8}}
""")
    run = tmp_path / "run"
    code = cli.main(["train", str(path), "--output-dir", str(run), "--quiet"])
    out, err = capfd.readouterr()
    assert code in (0, None), err
    assert f"grow_progan: {run}/small/model.keras -> {run}/grown/grow_progan.keras" in out
    small_model = keras.saving.load_model(str(run / "small" / "model.keras"))
    grown = keras.saving.load_model(str(run / "grown" / "model.keras"))
    assert grown.resolution == 8 and int(small_model.images_seen.numpy()) == 16
    # Grown at 16 images (the 8x8 level's fade start), then 2 steps of 8: alpha 0 and 0.5.
    assert int(grown.images_seen.numpy()) == 16 + 16
    assert float(grown.generator.alpha.numpy()) == 1.0
    assert grown.generate(2, seed=0).shape == (2, 8, 8, 3)


def test_mixed_precision_steps_stay_finite_and_scale_the_penalty_tape(monkeypatch):
    from kerasgen.losses import gan as gan_losses

    scales = []
    penalty = gan_losses.gradient_penalty

    def spy(*args, loss_scale=None, **kwargs):
        scales.append(loss_scale)
        return penalty(*args, loss_scale=loss_scale, **kwargs)

    monkeypatch.setattr(gan_losses, "gradient_penalty", spy)
    for policy in ("mixed_bfloat16", "mixed_float16"):
        keras.mixed_precision.set_global_policy(policy)
        gan = small(batch_sizes={8: 8})
        gan.compile()
        scaled = isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
        assert scaled == isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer) \
            == (policy == "mixed_float16")
        scales.clear()
        history = gan.fit(images(48), batch_size=16, epochs=1, verbose=0)
        assert all(np.isfinite(v).all() for v in history.history.values()), history.history
        assert all((s is not None) == scaled for s in scales) and scales
        assert gan.generate(2).dtype == "float32"
        assert gan.generator.blocks[1].conv0.compute_dtype != "float32"
        assert all(np.isfinite(w.numpy()).all() for w in gan.generator.trainable_weights)


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ArgumentError, match=r"resolution must be 4 \* 2\^k .* received 12"):
        small(resolution=12)
    with pytest.raises(ArgumentError, match=r"batch_sizes: 16 is not a side of this model; "
                                            r"expected some of \[4, 8\]"):
        small(batch_sizes={16: 8})
    with pytest.raises(ArgumentError, match=r"batch_sizes\[8\] = 6 does not split"):
        small(batch_sizes={8: 6})
    with pytest.raises(ValueError, match="unconditional"):
        small(num_classes=3)
    data = config_lib.DataConfig(image_size=16, channels=1, batch_size=16)
    with pytest.raises(ArgumentError, match="side 16 with 1"):
        small().check_data(data)
    data.image_size = 8
    with pytest.raises(ArgumentError, match="expected data.batch_size >= 32"):
        small(batch_sizes={4: 32}).check_data(data)
    with pytest.warns(UserWarning, match="reads images it never uses"):
        small(batch_sizes={4: 8, 8: 8}).check_data(data)


# -- the zoo and the command line --------------------------------------------------------------
@pytest.fixture
def zoo_entry(tmp_path, monkeypatch):
    """A packaged 8x8 RGB ProGAN registered as the zoo entry 'tiny_progan'."""
    from kerasgen import registry
    from kerasgen.zoo.package import package

    gan = small(channels=3)
    _, sha, size = package(gan, "tiny_progan", str(tmp_path / "zoo"))
    monkeypatch.setenv("KERASGEN_ZOO_DIR", str(tmp_path / "zoo"))
    monkeypatch.setitem(registry.PRESETS, "tiny_progan", {
        "family": "progan", "artifact": "tiny_progan/tiny_progan.keras", "sha256": sha,
        "bytes": size})
    return gan


def test_sample_and_evaluate_by_zoo_name(zoo_entry, tmp_path, capfd):
    grid = str(tmp_path / "grid.png")
    assert cli.main(["sample", "tiny_progan", "--num", "4", "--out", grid]) in (0, None)
    assert tf.io.decode_png(tf.io.read_file(grid)).shape[-1] == 3
    report = str(tmp_path / "report.json")
    folder = _png_folder(str(tmp_path / "real"), count=16, size=8)
    assert cli.main(["evaluate", "tiny_progan", "--data", folder, "--source", "folder",
                     "--metrics", "kid", "--features", "pixels:8", "--num-generated", "16",
                     "--json", report, "--quiet"]) in (0, None)
    metrics = json.load(open(report))["metrics"]
    assert np.isfinite(metrics["kid_mean"])
