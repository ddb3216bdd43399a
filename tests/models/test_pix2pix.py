import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen.layers.patchgan import PATCH_SIZES
from kerasgen.layers.patchgan import patchgan_discriminator
from kerasgen.layers.patchgan import receptive_field
from kerasgen.layers.unet import unet_generator
from kerasgen.models import Pix2Pix
from tests import helpers


def pairs(n=8, size=32, source_channels=1, seed=0):
    rng = np.random.default_rng(seed)
    target = rng.uniform(-1, 1, (n, size, size, 3)).astype("float32")
    source = target.mean(axis=-1, keepdims=True)[..., :source_channels]
    return source, target


def test_networks_match_the_paper_at_256():
    # Isola et al.'s U-Net and 70x70 PatchGAN: 54.4 M and 2.77 M parameters (as counted by
    # the reference implementations), D output 30x30 (here 32x32: "same" padding, no crop).
    g = unet_generator(256)
    d = patchgan_discriminator(256)
    assert g.count_params() == 54_424_387
    assert d.count_params() == 2_770_497
    assert [layer.name for layer in g.layers if "dropout" in layer.name] == [
        "up1_dropout", "up2_dropout", "up3_dropout"]
    assert {p: receptive_field(p) for p in PATCH_SIZES} == {1: 1, 16: 16, 70: 70, 286: 286}


def test_receptive_field_is_what_the_table_says():
    # Perturb one input pixel: only logits within the receptive field may change.
    for patch in (16, 70):
        d = patchgan_discriminator(64, 1, 1, width=8, patch_size=patch, norm="none")
        x = np.zeros((1, 64, 64, 1), "float32")
        y = np.zeros((1, 64, 64, 1), "float32")
        with tf.GradientTape() as tape:
            tx = tf.constant(x)
            tape.watch(tx)
            out = d([tx, tf.constant(y)])
            centre = out[0, out.shape[1] // 2, out.shape[2] // 2, 0]
        grad = np.abs(tape.gradient(centre, tx).numpy()[0, ..., 0]) > 0
        rows, cols = np.nonzero(grad)
        assert rows.max() - rows.min() + 1 <= patch and cols.max() - cols.min() + 1 <= patch
        assert rows.max() - rows.min() + 1 > patch // 2


def test_dropout_stays_on_at_test_time_and_depth_follows_size():
    g = unet_generator(64, 1, 3, width=8)
    assert len([layer for layer in g.layers if layer.name.endswith("_conv")
                and layer.name.startswith("down")]) == 6
    x = np.random.default_rng(0).uniform(-1, 1, (2, 64, 64, 1)).astype("float32")
    assert not np.allclose(g(x, training=False), g(x, training=False))
    with pytest.raises(ValueError, match="power of two"):
        unet_generator(48)


def test_pix2pix_trains_round_trips_and_translates(tmp_path):
    source, target = pairs()
    model = Pix2Pix(image_size=32, source_channels=1, generator_width=8,
                    discriminator_width=8)
    model.compile()
    history = helpers.fit_one_step(model, source, target, batch_size=4)
    assert set(history) == {"d_loss", "g_loss", "g_adversarial", "l1", "real_score",
                            "fake_score"}
    # G's loss is its adversarial term + 100 * L1.
    g, adv, l1 = (history[k][0] for k in ("g_loss", "g_adversarial", "l1"))
    assert g == pytest.approx(adv + 100.0 * l1, rel=1e-4)
    model.save(str(tmp_path / "p.keras"))
    loaded = keras.saving.load_model(str(tmp_path / "p.keras"))
    for name in ("g_optimizer", "d_optimizer"):
        assert int(getattr(loaded, name).iterations) == 1
        for a, b in zip(helpers.optimizer_state(getattr(model, name)),
                        helpers.optimizer_state(getattr(loaded, name))):
            np.testing.assert_array_equal(a, b)
    out = loaded.translate(source[:2] * 0.5 + 0.5)
    assert out.shape == (2, 32, 32, 3) and 0 <= float(tf.reduce_min(out))
    with pytest.raises(ValueError, match=r"translate expects images of shape \(batch, 32, 32, "
                                         r"1\).*received \(2, 32, 32, 3\)"):
        loaded.translate(target[:2])


def test_l1_only_and_mixed_precision():
    source, target = pairs()
    model = Pix2Pix(image_size=32, source_channels=1, generator_width=8,
                    discriminator_width=8, adversarial_weight=0.0)
    model.compile()
    d_before = [w.numpy() for w in model.discriminator.trainable_weights]
    history = helpers.fit_one_step(model, source, target, batch_size=4)
    assert history["g_loss"][0] == pytest.approx(100.0 * history["l1"][0], rel=1e-4)
    assert d_before  # D still trains (its scores are reported) but G ignores it
    for policy in ("mixed_bfloat16", "mixed_float16"):
        keras.mixed_precision.set_global_policy(policy)
        model = Pix2Pix(image_size=32, source_channels=1, generator_width=8,
                        discriminator_width=8, norm="instance")
        model.compile()
        helpers.fit_one_step(model, source, target, batch_size=4)
        if policy == "mixed_float16":
            assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
        keras.mixed_precision.set_global_policy("float32")


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="patch_size must be one of"):
        Pix2Pix(image_size=32, patch_size=50)
    with pytest.raises(ValueError, match="norm must be one of"):
        Pix2Pix(image_size=32, norm="layer")
    with pytest.raises(ValueError, match="needs a critic constraint"):
        Pix2Pix(image_size=32, loss="wasserstein")
    with pytest.raises(ValueError, match="image_size must be a positive integer"):
        Pix2Pix(image_size=0)
