import os
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen.models.common import ArgumentError
from tests import helpers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def small(**kwargs):
    args = dict(image_size=16, channels=3, latent_dim=4, embedding_dim=6, width=4, seed=1)
    args.update(kwargs)
    return kerasgen.models.BEGAN(**args)


def images(n=8, size=16, channels=3, seed=0):
    return helpers.fake_images(n, size, channels, value_range=(-1.0, 1.0), seed=seed)


def layers_of(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from layers_of(layer)


def test_networks_follow_the_paper():
    model = small(image_size=32, width=4, embedding_dim=6)
    encoder = model.discriminator.get_layer("encoder")
    decoder = model.discriminator.get_layer("decoder")
    assert encoder.output_shape == (None, 6)
    assert model.discriminator.output_shape == (None, 32, 32, 3)
    # The decoder of D and the generator have the same shape (from h, or from z).
    assert [type(l).__name__ for l in decoder.layers[1:]] == \
        [type(l).__name__ for l in model.generator.layers[1:]]
    convs = [l for l in encoder.layers if isinstance(l, keras.layers.Conv2D)]
    # stem n, then (n, n, down n), (2n, 2n, down 2n), (3n, 3n): widths grow linearly.
    assert [c.filters for c in convs] == [4, 4, 4, 4, 8, 8, 8, 12, 12]
    assert [c.strides for c in convs].count((2, 2)) == 2
    assert all(c.kernel_size == (3, 3) and c.activation.__name__ == "elu" for c in convs)
    ups = [l for l in layers_of(model.generator) if isinstance(l, keras.layers.UpSampling2D)]
    assert len(ups) == 2 and all(u.interpolation == "nearest" for u in ups)
    gen_convs = [l for l in model.generator.layers if isinstance(l, keras.layers.Conv2D)]
    assert all(c.filters == 4 and c.activation.__name__ == "elu" for c in gen_convs[:-1])
    for net in (model.generator, model.discriminator):
        assert not any(isinstance(l, keras.layers.BatchNormalization) for l in layers_of(net))
    with pytest.raises(ArgumentError, match="8 \\* 2\\^k .* received 28"):
        small(image_size=28)
    with pytest.raises(ArgumentError, match="gamma must be in \\(0, 1\\]; received 1.5"):
        small(gamma=1.5)
    with pytest.raises(ArgumentError, match="lr_factor"):
        small(lr_factor=1.0)


def _pre_step(model, x, z_d, z_g, k, rate):
    """The step computed by hand: L(v) in numpy, both gradients at the same weights."""
    d, g = model.discriminator, model.generator

    def l_np(v):
        return np.abs(np.asarray(v) - np.asarray(d(v))).mean(axis=(1, 2, 3))

    fake_d, fake_g = g(z_d), g(z_g)
    l_real, l_fake_d, l_fake = l_np(x), l_np(fake_d), l_np(fake_g)
    with tf.GradientTape() as tape:
        d_loss = tf.reduce_mean(tf.reduce_mean(tf.abs(x - d(x)), [1, 2, 3])
                                - k * tf.reduce_mean(tf.abs(fake_d - d(fake_d)), [1, 2, 3]))
    d_grads = tape.gradient(d_loss, d.trainable_variables)
    with tf.GradientTape() as tape:
        fake = g(z_g)
        g_loss = tf.reduce_mean(tf.abs(fake - d(fake)))
    g_grads = tape.gradient(g_loss, g.trainable_variables)
    return {
        "l_real": l_real.mean(), "l_fake": l_fake.mean(),
        "d_loss": (l_real - k * l_fake_d).mean(),
        "d_weights": [v.numpy() - rate * gr.numpy() for v, gr in zip(d.trainable_variables,
                                                                   d_grads)],
        "g_weights": [v.numpy() - rate * gr.numpy() for v, gr in zip(g.trainable_variables,
                                                                   g_grads)],
    }


def test_a_step_is_the_papers_equations_with_simultaneous_updates():
    gamma, lambda_k, k0, rate = 0.7, 0.05, 0.3, 0.1
    model = small(gamma=gamma, lambda_k=lambda_k)
    model.compile(g_optimizer=keras.optimizers.SGD(rate), d_optimizer=keras.optimizers.SGD(rate))
    model.k_t.assign(k0)
    x = images()
    rng = np.random.default_rng(3)
    z_d, z_g = (rng.uniform(-1, 1, (8, 4)).astype("float32") for _ in range(2))
    calls = []

    def fixed_latents(batch):  # z_D first, then z_G, as train_step draws them
        calls.append(batch)
        return tf.constant(z_d if len(calls) % 2 else z_g)

    model.step_latents = fixed_latents
    expected = _pre_step(model, x, z_d, z_g, k0, rate)
    logs = helpers.fit_one_step(model, x, batch_size=8)
    assert set(logs) == {"m_global", "k_t", "d_loss", "g_loss", "l_real", "l_fake"}
    l_real, l_fake = expected["l_real"], expected["l_fake"]
    np.testing.assert_allclose(logs["l_real"][0], l_real, rtol=1e-5)
    np.testing.assert_allclose(logs["l_fake"][0], l_fake, rtol=1e-5)
    np.testing.assert_allclose(logs["g_loss"][0], l_fake, rtol=1e-5)
    np.testing.assert_allclose(logs["d_loss"][0], expected["d_loss"], rtol=1e-5)
    k1 = np.clip(k0 + lambda_k * (gamma * l_real - l_fake), 0, 1)
    np.testing.assert_allclose(logs["k_t"][0], k1, rtol=1e-5)
    np.testing.assert_allclose(float(model.k_t.numpy()), k1, rtol=1e-5)
    np.testing.assert_allclose(logs["m_global"][0], l_real + abs(gamma * l_real - l_fake),
                               rtol=1e-5)
    # G's step used D's weights from before D's own update (the paper's simultaneous step).
    for got, want in zip(model.discriminator.trainable_variables, expected["d_weights"]):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-6)
    for got, want in zip(model.generator.trainable_variables, expected["g_weights"]):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-6)


def test_generate_and_reconstruct_give_unit_images():
    model = small()
    a = model.generate(5, seed=2).numpy()
    assert a.shape == (5, 16, 16, 3) and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, model.generate(5, seed=2))
    z = model.sample_latents(3, seed=0).numpy()
    assert np.abs(z).max() <= 1  # z ~ U[-1, 1]
    assert model.generate(z).shape == (3, 16, 16, 3)
    with pytest.raises(ValueError, match="Latents must have shape \\(batch, 4\\)"):
        model.generate(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="unconditional"):
        model.generate(2, labels=[0, 1])
    faces = helpers.fake_images(3, 16, 3)  # [0, 1]
    rebuilt = model.reconstruct(faces).numpy()
    assert rebuilt.shape == faces.shape and 0 <= rebuilt.min() and rebuilt.max() <= 1
    raw = np.asarray(model.discriminator(faces * 2 - 1))
    np.testing.assert_allclose(rebuilt, np.clip((raw + 1) / 2, 0, 1), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="Expected float images in \\[0, 1\\]; received uint8"):
        model.reconstruct((faces * 255).astype("uint8"))
    with pytest.raises(ValueError, match="shape \\(N, 16, 16, 3\\)"):
        model.reconstruct(faces[:, :8])
    grid = model.reconstruction_grid(faces, columns=2)  # 2 inputs | 2 reconstructions | ...
    assert grid.dtype == np.uint8 and grid.shape == (4 * 18 + 2, 2 * 18 + 2, 3)


def test_k_t_and_the_plateau_state_survive_keras_round_trips(tmp_path):
    model = small(lambda_k=0.5, gamma=1.0)
    model.compile()
    helpers.fit_one_step(model, images())
    assert model.k_t.numpy() > 0  # moved off k_0 = 0
    model.plateau.halvings.assign(2.0)
    model.plateau.best.assign(0.25)
    clone = helpers.check_config_round_trip(model)
    assert clone.get_config()["gamma"] == 1.0 and float(clone.k_t.numpy()) == 0.0
    loaded = helpers.check_keras_round_trip(model, model.sample_latents(2, seed=0), tmp_path,
                                            ["g_optimizer", "d_optimizer"])
    assert float(loaded.k_t.numpy()) == float(model.k_t.numpy())
    assert float(loaded.plateau.halvings.numpy()) == 2.0
    assert float(loaded.plateau.best.numpy()) == 0.25


def _feed(callback, values):
    callback.on_train_begin()
    logs = []
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        logs.append({"m_global": value})
        callback.on_epoch_end(epoch, logs[-1])
    return logs


def _reference_halvings(values, patience):
    """Epochs at whose end the rates are halved, by the rule written out plainly."""
    best, wait, at = np.inf, 0, []
    for epoch, value in enumerate(values):
        if value < best:
            best, wait = value, 0
        else:
            wait += 1
        if wait >= patience:
            at.append(epoch)
            wait = 0
    return at


def test_learning_rates_halve_when_m_global_stalls_on_a_fake_history():
    values = [1.0, 0.9, 0.95, 0.92, 0.91, 0.85, 0.86, 0.87, 0.8, 0.8, 0.81]  # equal: no gain
    model = small(lr_patience=2)
    # Both players, one of them loss-scaled (as under mixed_float16).
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3),
                  d_optimizer=keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(4e-3)))
    (callback,) = model.training_callbacks()
    callback.set_model(model)
    logs = _feed(callback, values)
    at = _reference_halvings(values, 2)
    assert at == [3, 7, 10]
    halvings = np.cumsum([epoch in at for epoch in range(len(values))])
    for log, count in zip(logs, halvings):
        np.testing.assert_allclose(log["g_learning_rate"], 1e-3 * 0.5 ** count, rtol=1e-6)
        np.testing.assert_allclose(log["d_learning_rate"], 4e-3 * 0.5 ** count, rtol=1e-6)
    np.testing.assert_allclose(float(model.g_optimizer.learning_rate), 1e-3 / 8, rtol=1e-6)
    np.testing.assert_allclose(float(model.d_optimizer.learning_rate), 4e-3 / 8, rtol=1e-6)
    assert float(model.plateau.halvings.numpy()) == 3
    np.testing.assert_allclose(float(model.plateau.best.numpy()), 0.8)

    # A resumed run whose optimizers came back at the configured rates gets the halvings
    # made so far applied again, and says so; a run at the rates last set is left alone.
    model.g_optimizer.learning_rate = 1e-3
    with pytest.warns(UserWarning, match="multiplied by 0.5 3 time"):
        _feed(callback, [])
        callback.on_epoch_begin(0)
    np.testing.assert_allclose(float(model.g_optimizer.learning_rate), 1e-3 / 8, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        callback.on_train_begin()
        callback.on_epoch_begin(0)
    np.testing.assert_allclose(float(model.d_optimizer.learning_rate), 4e-3 / 8, rtol=1e-6)
    with pytest.raises(KeyError, match="watches 'm_global'.*\\['loss'\\]"):
        callback.on_epoch_end(0, {"loss": 1.0})


def test_schedules_are_refused_and_no_patience_means_no_callback():
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-4, 100, 0.5)
    with pytest.raises(ValueError, match="g_optimizer has ExponentialDecay .*lr_patience: null"):
        small().compile(g_optimizer=keras.optimizers.Adam(schedule))
    model = small(lr_patience=None)
    model.compile(g_optimizer=keras.optimizers.Adam(schedule))
    assert model.training_callbacks() == []


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_steps_stay_finite(policy):
    keras.mixed_precision.set_global_policy(policy)
    model = small(lambda_k=0.1)
    model.compile()
    scaled = isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (policy == "mixed_float16")
    assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer) == scaled
    model.fit(images(16), batch_size=8, epochs=1, verbose=0)
    logs = helpers.fit_one_step(model, images())
    assert all(np.isfinite(v).all() for v in logs.values())
    assert model.generator.get_layer("conv0a").compute_dtype != "float32"
    assert model.k_t.dtype == "float32" and model.k_t.numpy() > 0
    assert model.generate(2, seed=0).dtype == tf.float32
    assert model.reconstruct(helpers.fake_images(2, 16, 3)).dtype == tf.float32


def test_exported_sample_and_reconstruct_match_the_model(tmp_path):
    from kerasgen.serving.export import export

    model = small()
    path = export(model, str(tmp_path / "m"))
    served = tf.saved_model.load(path)
    assert set(served.signatures) == {"serving_default", "sample", "reconstruct"}
    faces = (helpers.fake_images(2, 16, 3) * 255).astype("uint8")
    out = served.signatures["reconstruct"](images=tf.constant(faces))["images"].numpy()
    want = np.round(np.asarray(model.reconstruct(faces / 255.0)) * 255)
    assert out.dtype == np.uint8 and np.abs(out.astype(int) - want).max() <= 1
    sample = served.signatures["sample"](count=tf.constant(3),
                                         seed=tf.constant(4, tf.int64))["images"].numpy()
    z = tf.random.stateless_uniform((3, 4), seed=[4, 0], minval=-1.0, maxval=1.0)
    want = np.round(np.asarray(model.generate(z)) * 255)
    assert sample.shape == (3, 16, 16, 3) and np.abs(sample.astype(int) - want).max() <= 1


def _png_folder(folder, count=24, size=16):
    rng = np.random.default_rng(0)
    os.makedirs(folder)
    for i in range(count):
        image = rng.integers(0, 256, (size, size, 3)).astype(np.uint8)
        tf.io.write_file(os.path.join(folder, f"{i:06d}.png"), tf.io.encode_png(image))
    return folder


def test_kerasgen_train_logs_the_controller_and_resumes_k_t_exactly(tmp_path):
    """The preset config at toy scale: the logs hold m_global, k_t and the learning rates
    (the model's own callback); a rerun of the same command resumes with the k_t and plateau
    state of the backup."""
    from kerasgen import config as config_lib
    from kerasgen.training.train import train

    folder = _png_folder(str(tmp_path / "img"))
    overrides = [f"data.path={folder}", "data.image_size=16", "data.stop=16",
                 "data.eval_start=16", "data.eval_stop=24", "data.batch_size=8",
                 "model.args.image_size=16", "model.args.width=4", "model.args.latent_dim=4",
                 "model.args.embedding_dim=4", "model.args.lambda_k=0.05",
                 "model.args.lr_patience=1", "train.metrics_every_epochs=null",
                 "train.num_samples=4", f"train.output_dir={tmp_path / 'run'}"]
    path = os.path.join(ROOT, "configs", "began_celeba_64.yaml")
    first, history = train(config_lib.load(path, overrides + ["train.epochs=1"]), verbose=0)
    assert {"m_global", "k_t", "d_loss", "g_loss", "l_real", "l_fake", "g_learning_rate",
            "d_learning_rate"} <= set(history.history)
    assert float(first.k_t.numpy()) == pytest.approx(history.history["k_t"][-1])
    def state(model):  # k_t and the plateau variables, by name within the model
        return {v.path.split("/", 1)[-1] if v.path.startswith(model.name + "/") else v.path:
                v.numpy() for v in model.weights if not v.trainable}

    saved = state(first)
    assert saved["k_t"] > 0  # noise images: D reconstructs the fakes better, so k_t rose

    class Seen(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.state = state(self.model)

    seen = Seen()
    second, history = train(config_lib.load(path, overrides + ["train.epochs=2"]), verbose=0,
                            callbacks=[seen])
    assert len(history.history["k_t"]) == 1  # epoch 1 was restored, not redone
    assert set(seen.state) == set(saved) and "k_t" in saved
    for name, value in saved.items():
        np.testing.assert_array_equal(seen.state[name], value, err_msg=name)
    # TensorBoard has the controller per step (train.tensorboard_update_freq: "1").
    tags = set()
    for root, _, files in os.walk(tmp_path / "run" / "logs" / "train"):
        for name in files:
            for event in tf.compat.v1.train.summary_iterator(os.path.join(root, name)):
                tags.update(v.tag for v in event.summary.value)
    assert {"batch_m_global", "batch_k_t", "epoch_m_global", "epoch_k_t"} <= tags
