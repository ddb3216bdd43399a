import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen.models.cyclegan.pool import HistoryPool
from kerasgen.optimizers import ConstantThenLinearDecay
from kerasgen.optimizers import from_spec
from tests import helpers


def small(**kwargs):
    args = dict(image_size=16, channels_a=1, channels_b=3, generator_width=4,
                residual_blocks=1, discriminator_width=8, patch_size=16, identity_weight=0.0,
                pool_size=4)
    args.update(kwargs)
    return kerasgen.models.CycleGAN(**args)


def domains(n=8, size=16, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (n, size, size, 1)).astype("float32")
    b = np.concatenate([a, -a, np.flip(a, 1)], axis=-1)  # an unpaired batch has any b
    return tf.data.Dataset.from_tensor_slices((a, rng.permutation(b))).batch(4)


def test_follows_zhu_et_al():
    model = kerasgen.models.CycleGAN(image_size=64)
    # c7s1-64, d128, d256, 6 residual blocks below 256 px, u128, u64, c7s1-3: 7.84 M weights
    # per generator, as the reference implementation's.
    assert model.residual_blocks == 6 and model.generator_g.count_params() == 7_841_411
    assert kerasgen.models.CycleGAN(image_size=256).residual_blocks == 9
    assert model.loss == "least_squares" and model.cycle_weight == 10.0
    assert model.identity_weight == 0.5 and model.pool_size == 50
    # The generators are fully convolutional; D_A and D_B score 70x70 patches.
    assert model.generator_g.input_shape == (None, None, None, 3)
    assert model.discriminator_a(np.zeros((1, 64, 64, 3), "float32")).shape == (1, 8, 8, 1)


def test_trains_tracks_its_terms_and_fills_the_pool():
    keras.utils.set_random_seed(0)
    model = small()
    model.compile()
    logs = model.fit(domains(), epochs=2, verbose=0).history
    assert set(logs) == {"g_loss", "d_loss", "adversarial", "cycle", "identity", "d_a", "d_b",
                         "real_score", "fake_score"}
    assert all(np.isfinite(v).all() for v in logs.values())
    assert logs["identity"] == [0.0, 0.0]  # identity_weight 0
    assert int(model.pool_a.count.numpy()) == int(model.pool_b.count.numpy()) == 4
    assert int(model.g_optimizer.iterations) == int(model.d_optimizer.iterations) == 4


def test_identity_term_and_bad_arguments():
    keras.utils.set_random_seed(0)
    model = small(channels_a=3, identity_weight=0.5)
    model.compile()
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
    logs = model.fit(tf.data.Dataset.from_tensor_slices((a, a[::-1])).batch(4), verbose=0)
    assert logs.history["identity"][0] > 0
    with pytest.raises(ValueError, match=r"identity_weight 0.5 compares G\(b\) with b.*"
                                         "channels_a=1, channels_b=3. Set identity_weight: 0"):
        small(identity_weight=0.5)
    with pytest.raises(ValueError, match="image_size must be a multiple of 4.*received 30"):
        small(image_size=30)
    with pytest.raises(ValueError, match="loss 'wasserstein_gp' needs a critic constraint"):
        small(loss="wasserstein_gp")
    with pytest.raises(ValueError, match="pool_size must be >= 0; received -1"):
        small(pool_size=-1)


def test_translate_both_ways_at_any_multiple_of_4_and_refuses_others():
    model = small()
    x = np.random.default_rng(0).uniform(0, 1, (2, 20, 36, 1)).astype("float32")
    b = model.translate(x, "a2b")
    assert b.shape == (2, 20, 36, 3) and 0 <= float(tf.reduce_min(b))
    assert model.translate(b, "b2a").shape == (2, 20, 36, 1)
    assert model.cycle(x).shape == x.shape
    with pytest.raises(ValueError, match=r"translate\('a2b'\) expects images of shape \(batch, "
                                         r"height, width, 1\).*multiples of 4; received "
                                         r"\(2, 21, 36, 1\)"):
        model.translate(np.zeros((2, 21, 36, 1), "float32"))
    with pytest.raises(ValueError, match="CycleGAN translates a2b and b2a; received "
                                         "direction 'ab'"):
        model.translate(x, "ab")


def test_round_trip_restores_generators_and_both_optimizers(tmp_path):
    keras.utils.set_random_seed(0)
    model = small()
    model.compile()
    model.fit(domains(), epochs=1, verbose=0)
    loaded = helpers.check_keras_round_trip(model, np.zeros((1, 16, 16, 1), "float32"),
                                            tmp_path, ["g_optimizer", "d_optimizer"])
    x = np.random.default_rng(1).uniform(0, 1, (1, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(loaded.translate(x, "b2a"), model.translate(x, "b2a"),
                               atol=1e-6)
    # The history pools are saved too: a resumed run keeps the fakes it had.
    assert int(loaded.pool_b.count.numpy()) == 4
    np.testing.assert_array_equal(loaded.pool_b.images.numpy(), model.pool_b.images.numpy())
    helpers.check_config_round_trip(model)


def test_resize_upsampling_spreads_a_constant_evenly_where_stride_2_makes_a_checkerboard():
    from kerasgen.layers.resnet import upsample_block

    def block(upsampling):
        x = keras.Input((8, 8, 2))
        net = keras.Model(x, upsample_block(x, 3, "none", "u", upsampling))
        net.set_weights([np.ones_like(w) if w.ndim == 4 else np.zeros_like(w)
                         for w in net.get_weights()])
        return keras.ops.convert_to_numpy(net(np.ones((1, 8, 8, 2), "float32")))[0]

    transposed, resized = block("transpose"), block("resize")
    assert transposed.shape == resized.shape == (16, 16, 3)
    inner = (slice(2, -2), slice(2, -2))
    # A 3x3 kernel at stride 2: pixels receive 1, 2 or 4 taps of each input, periodically.
    assert sorted(np.unique(transposed[inner][..., 0])) == [2.0, 4.0, 8.0]
    np.testing.assert_array_equal(resized, np.full((16, 16, 3), 18.0))
    model = small(upsampling="resize")
    x = np.random.default_rng(0).uniform(0, 1, (2, 20, 36, 1)).astype("float32")
    assert model.translate(x, "a2b").shape == (2, 20, 36, 3)
    assert "u1_resize" in [layer.name for layer in model.generator_g.layers]
    helpers.check_config_round_trip(model)
    with pytest.raises(ValueError, match="upsampling must be one of transpose, resize; "
                                         "received 'bilinear'"):
        small(upsampling="bilinear")


def test_history_pool_follows_the_reference_rule():
    pool = HistoryPool(4, (1, 1, 1))
    step = tf.function(lambda x, seed: pool.query(x, seed))
    first = tf.fill((3, 1, 1, 1), -1.0)
    # Filling: the new images come back and are stored.
    np.testing.assert_array_equal(step(first, tf.constant([0, 0])), first)
    assert int(pool.count.numpy()) == 3
    # One slot left: the first image fills it, the others may be swapped for stored ones.
    seen = set()
    for i in range(30):  # step i's fakes are all (i - 15) / 16: stored exactly as uint8
        value = (i - 15) / 16.0
        out = step(tf.fill((3, 1, 1, 1), value), tf.constant([i, 1])).numpy().ravel()
        stored = pool.images.numpy().ravel().astype(np.float32) / 127.5 - 1.0
        assert int(pool.count.numpy()) == 4 and stored.max() <= value + 0.01
        swapped = np.abs(out - value) > 1e-6
        seen.update(swapped.tolist())
        # A swapped image came from the pool (an earlier, lower value).
        assert all(v < value for v in out[swapped])
    assert seen == {True, False}  # both outcomes of the coin occur
    # pool_size 0: D sees only the newest fakes.
    assert np.array_equal(HistoryPool(0, (1, 1, 1)).query(first, [0, 0]), first)


def test_constant_then_linear_schedule_counts_epochs_and_serializes():
    schedule = ConstantThenLinearDecay(2e-4, constant_epochs=2, decay_epochs=2,
                                       steps_per_epoch=10)
    rates = [float(schedule(step)) for step in (0, 19, 20, 30, 40, 50)]
    np.testing.assert_allclose(rates, [2e-4, 2e-4, 2e-4, 1e-4, 0.0, 0.0], atol=1e-10)
    optimizer = from_spec({"name": "adam", "beta_1": 0.5, "learning_rate": {
        "name": "constant_then_linear", "initial_learning_rate": 2e-4, "constant_epochs": 2,
        "decay_epochs": 2, "steps_per_epoch": 10}}, "train.g_optimizer")
    clone = keras.optimizers.Adam.from_config(optimizer.get_config())
    clone.iterations.assign(30)
    assert abs(float(clone.learning_rate) - 1e-4) < 1e-10
    with pytest.raises(ValueError, match="train.g_optimizer: .*steps_per_epoch >= 1"):
        from_spec({"name": "adam", "learning_rate": {
            "name": "constant_then_linear", "initial_learning_rate": 2e-4,
            "constant_epochs": 2, "decay_epochs": 2, "steps_per_epoch": None}},
            "train.g_optimizer")


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_steps_stay_finite(policy):
    keras.mixed_precision.set_global_policy(policy)
    try:
        keras.utils.set_random_seed(0)
        model = small()
        model.compile()
        logs = model.fit(domains(), epochs=1, verbose=0).history
        assert all(np.isfinite(v).all() for v in logs.values())
        if policy == "mixed_float16":
            assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
        assert model.translate(np.zeros((1, 16, 16, 1), "float32")).dtype == tf.float32
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_export_serves_both_directions_at_odd_sizes(tmp_path):
    from kerasgen.serving.export import export

    model = small()
    path = export(model, str(tmp_path / "served"))
    loaded = tf.saved_model.load(path)
    assert {"serving_default", "translate_a2b", "translate_b2a"} <= set(loaded.signatures)
    grey = np.random.default_rng(0).integers(0, 256, (2, 37, 53, 1)).astype("uint8")
    colour = loaded.signatures["translate_a2b"](images=tf.constant(grey))["images"]
    assert colour.dtype == tf.uint8 and colour.shape == (2, 37, 53, 3)
    back = loaded.signatures["translate_b2a"](images=colour)["images"]
    assert back.shape == (2, 37, 53, 1)
    # Served a2b equals the Python model on the padded image, cropped.
    padded = np.pad(grey, [(0, 0), (0, 3), (0, 3), (0, 0)], mode="symmetric") / 255.0
    expected = np.asarray(model.translate(padded.astype("float32")))[:, :37, :53]
    assert np.abs(np.round(expected * 255) - colour.numpy()).max() <= 1
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"images must have shape \(batch, "
                                                             r"height, width, 3\) uint8"):
        loaded.signatures["translate_b2a"](images=tf.constant(grey))


def test_readme_cyclegan_body_matches_the_exported_signature(tmp_path):
    import json
    import os
    import re

    from kerasgen.serving.export import export

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    readme = open(os.path.join(root, "docs", "cyclegan.md")).read()
    section = readme[readme.index("## Serving"):]
    section = section[:section.index("\n## ", 5)]
    (body,) = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", section, re.S)]
    loaded = tf.saved_model.load(export(small(channels_a=3), str(tmp_path / "m")))
    signature = loaded.signatures[body["signature_name"]]
    images = signature(images=tf.constant(body["inputs"]["images"], tf.uint8))["images"]
    assert images.dtype == tf.uint8 and images.shape == (1, 2, 2, 3)


def test_a_model_with_the_schedule_loads_in_a_fresh_process(tmp_path):
    """Only the model classes imported (as `kerasgen evaluate` / `sample` do): the schedule
    class must register itself with them."""
    import subprocess
    import sys

    model = small()
    spec = {"name": "adam", "learning_rate": {
        "name": "constant_then_linear", "initial_learning_rate": 2e-4, "constant_epochs": 1,
        "decay_epochs": 1, "steps_per_epoch": 2}}
    model.compile(g_optimizer=from_spec(spec, "g"), d_optimizer=from_spec(spec, "d"))
    model.fit(domains(), epochs=1, verbose=0)  # 2 steps: the end of the constant epoch
    path = str(tmp_path / "scheduled.keras")
    model.save(path)
    code = ("import keras, kerasgen.models; m = keras.saving.load_model(%r); "
            "print('RATE', round(float(m.g_optimizer.learning_rate), 8), "
            "int(m.g_optimizer.iterations))"
            % path)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    rate = [line for line in out.stdout.splitlines() if line.startswith("RATE")]
    assert rate, out.stderr[-3000:]
    assert rate[0].split()[1:] == ["0.0002", "2"]
