import keras
import numpy as np
import pytest

import kerasgen
from tests import helpers


def small_vae(**kwargs):
    args = dict(image_shape=(8, 8, 1), latent_dim=4, hidden_dims=(8, 16), seed=1)
    args.update(kwargs)
    return kerasgen.models.VAE(**args)


@pytest.mark.parametrize("likelihood", ["bernoulli", "normal", "discretized_logistic"])
def test_vae_fits_samples_and_round_trips(likelihood, tmp_path):
    vae = small_vae(likelihood=likelihood)
    x = helpers.fake_images(16, 8)
    if likelihood == "bernoulli":
        x = (x > 0.5).astype("float32")
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    logs = helpers.fit_one_step(vae, x)
    assert set(logs) == {"loss", "elbo", "reconstruction", "kl"}
    np.testing.assert_allclose(logs["elbo"][0], logs["reconstruction"][0] - logs["kl"][0],
                               rtol=1e-4)
    assert vae.sample(5).shape == (5, 8, 8, 1)
    assert vae.encode(x).sample().shape == (16, 4)
    recon = np.array(vae.reconstruct(x))
    assert recon.shape == x.shape and recon.min() >= 0 and recon.max() <= 1
    helpers.check_config_round_trip(vae)
    helpers.check_keras_round_trip(vae, x, tmp_path, optimizers=["optimizer"])


def test_importance_weighted_bound_is_tighter_than_the_elbo():
    vae = small_vae()
    x = (helpers.fake_images(8, 8) > 0.5).astype("float32")
    vae.compile(optimizer="adam")
    vae.fit(x, batch_size=8, epochs=20, verbose=0)
    elbo = np.mean([vae.log_likelihood(x, num_samples=1, seed=s).numpy() for s in range(200)],
                   axis=0)
    iwae = vae.log_likelihood(x, num_samples=500, chunk_size=64).numpy()
    assert iwae.shape == (8,)
    assert np.all(iwae > elbo), (iwae, elbo)  # Burda et al. Thm 1: L_k increases with k
    # Chunking only changes memory use, not the estimate.
    np.testing.assert_allclose(vae.log_likelihood(x, num_samples=500, chunk_size=500).numpy(),
                               iwae, atol=0.5)


def test_conditional_vae_needs_labels():
    cvae = kerasgen.models.ConditionalVAE(num_classes=3, image_shape=(8, 8, 1), latent_dim=4,
                                          hidden_dims=(8,))
    x, y = helpers.fake_images(12, 8), np.arange(12) % 3
    cvae.compile(optimizer="adam")
    helpers.fit_one_step(cvae, x, y)
    assert cvae.sample(3, labels=[0, 1, 2]).shape == (3, 8, 8, 1)
    with pytest.raises(ValueError, match="labels"):
        cvae.sample(3)


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="divisible by 4"):
        small_vae(image_shape=(10, 10, 1), hidden_dims=(8, 8))
    with pytest.raises(ValueError, match="discretized_logistic"):
        small_vae(likelihood="poisson")


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_vae_mixed_precision_keeps_float32_distributions(policy):
    keras.mixed_precision.set_global_policy(policy)
    vae = small_vae()
    vae.compile(optimizer="adam")
    helpers.fit_one_step(vae, helpers.fake_images(16, 8))
    assert vae.decoder.layers[1].compute_dtype != "float32"
    assert vae.sample(2).dtype == "float32"
    assert vae.log_likelihood(helpers.fake_images(2, 8), 10).dtype == "float32"


def test_iwae_objective_trains_round_trips_and_refuses_a_kl_weight(tmp_path):
    vae = small_vae(num_importance_samples=4)
    x = (helpers.fake_images(16, 8) > 0.5).astype("float32")
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    before = [w.copy() for w in vae.get_weights()]
    logs = helpers.fit_one_step(vae, x)
    assert set(logs) == {"loss", "elbo", "reconstruction", "kl"}
    assert any(np.abs(a - b).max() > 0 for a, b in zip(before, vae.get_weights()))
    assert vae.get_config()["num_importance_samples"] == 4
    helpers.check_config_round_trip(vae)
    helpers.check_keras_round_trip(vae, x, tmp_path, optimizers=["optimizer"])
    with pytest.raises(ValueError, match="received beta=2.0"):
        small_vae(num_importance_samples=4, beta=2.0)
    with pytest.raises(ValueError, match="num_importance_samples"):
        small_vae(num_importance_samples=0)


def test_iwae_loss_is_minus_the_k_sample_bound():
    """The training loss with k samples is -log mean_k w_k on the same draws (Burda eq. 8)."""
    import tensorflow as tf

    vae = small_vae(num_importance_samples=6)
    x = (helpers.fake_images(8, 8) > 0.5).astype("float32")
    seed = tf.constant([3, 4], tf.int32)
    log_w, _, _ = vae._log_weights(x, 6, None, seed, training=False)
    expected = -(np.log(np.mean(np.exp(np.float64(log_w.numpy())), axis=0)))
    bound = kerasgen.losses.vae.importance_weighted_bound(log_w).numpy()
    np.testing.assert_allclose(-bound, expected, rtol=1e-5)
    assert np.all(bound >= np.mean(log_w.numpy(), axis=0) - 1e-5)  # Jensen: tighter than ELBO
