import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen.losses.gan import GAN_LOSSES
from tests import helpers


def small_dcgan(**kwargs):
    args = dict(image_size=8, channels=1, latent_dim=8, generator_width=8,
                discriminator_width=8, seed=3)
    args.update(kwargs)
    cls = kerasgen.models.ConditionalGAN if args.get("num_classes") else kerasgen.models.DCGAN
    return cls(**args)


def real_images(n=16):
    return helpers.fake_images(n, 8, value_range=(-1.0, 1.0))


@pytest.mark.parametrize("loss", GAN_LOSSES)
def test_every_loss_takes_finite_steps(loss):
    norm = "layer" if loss == "wasserstein_gp" else "batch"
    gan = small_dcgan(loss=loss, discriminator_normalization=norm)
    gan.compile()
    logs = helpers.fit_one_step(gan, real_images())
    assert ("gradient_penalty" in logs) == (loss == "wasserstein_gp")
    if loss == "wasserstein":
        bound = gan.clip_value
        assert all(np.abs(v.numpy()).max() <= bound + 1e-7
                   for v in gan.discriminator.trainable_variables)


def test_k_discriminator_steps_per_generator_step():
    gan = small_dcgan(discriminator_steps=3)
    gan.compile()
    gan.fit(real_images(24), batch_size=24, epochs=2, verbose=0)  # 1 step/epoch of 3 x 8 images
    assert int(gan.d_optimizer.iterations) == 6
    assert int(gan.g_optimizer.iterations) == 2


def test_generate_is_in_unit_range_and_reproducible():
    gan = small_dcgan()
    images = np.array(gan.generate(6, seed=7))
    assert images.shape == (6, 8, 8, 1) and images.min() >= 0 and images.max() <= 1
    np.testing.assert_array_equal(images, np.array(gan.generate(6, seed=7)))
    z = gan.sample_latents(2, seed=1)
    assert gan.generate(z).shape == (2, 8, 8, 1)
    assert gan.generate(np.int64(3), seed=1).shape == (3, 8, 8, 1)
    with pytest.raises(ValueError, match=r"\(batch, 8\)"):
        gan.generate(np.zeros((2, 5), "float32"))


def test_ema_generator_tracks_the_generator():
    gan = small_dcgan(ema_decay=0.5)
    gan.compile()
    before = [w.numpy() for w in gan.ema_generator.trainable_weights]
    gan.fit(real_images(), batch_size=8, epochs=1, steps_per_epoch=2, verbose=0)
    after = [w.numpy() for w in gan.ema_generator.trainable_weights]
    live = [w.numpy() for w in gan.generator.trainable_weights]
    moved = [not np.allclose(a, b) for a, b in zip(before, after)]
    assert all(moved)
    # After two updates with decay 0.5 the average sits strictly between start and now.
    assert not np.allclose(after[0], live[0])
    np.testing.assert_array_equal(np.array(gan.generate(3, seed=0)),
                                  np.array(gan.generate(3, seed=0, use_ema=True)))


def test_round_trip_restores_outputs_and_both_optimizers(tmp_path):
    gan = small_dcgan(ema_decay=0.9)
    gan.compile()
    gan.fit(real_images(), batch_size=8, epochs=1, verbose=0)
    z = gan.sample_latents(4, seed=0)
    loaded = helpers.check_keras_round_trip(gan, z, tmp_path, ["g_optimizer", "d_optimizer"])
    np.testing.assert_allclose(np.array(gan.generate(4, seed=5)),
                               np.array(loaded.generate(4, seed=5)), atol=1e-6)
    helpers.check_config_round_trip(gan)
    # Resuming fit continues the optimizers' step counts.
    loaded.fit(real_images(), batch_size=8, epochs=1, verbose=0)
    assert int(loaded.g_optimizer.iterations) == 4


def test_plain_gan_with_user_networks_round_trips(tmp_path):
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8 * 8),
                                  keras.layers.Reshape((8, 8, 1)),
                                  keras.layers.Activation("tanh")])
    discriminator = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                                      keras.layers.Dense(1)])
    gan = kerasgen.models.GAN(generator, discriminator, latent_dim=4, loss="hinge")
    gan.compile(g_optimizer="adam", d_optimizer="adam")
    helpers.fit_one_step(gan, real_images())
    helpers.check_keras_round_trip(gan, np.zeros((2, 4), "float32"), tmp_path,
                                   ["g_optimizer", "d_optimizer"])


def test_conditional_gan_generates_requested_labels():
    cgan = small_dcgan(num_classes=4)
    cgan.compile()
    helpers.fit_one_step(cgan, real_images(), np.arange(16) % 4)
    assert cgan.generate(4, labels=[0, 1, 2, 3], seed=0).shape == (4, 8, 8, 1)
    with pytest.raises(ValueError, match="labels"):
        cgan.generate(4)
    with pytest.raises(ValueError, match="unconditional"):
        small_dcgan().generate(2, labels=[0, 1])


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_steps_stay_finite(policy, tmp_path):
    keras.mixed_precision.set_global_policy(policy)
    gan = small_dcgan(loss="wasserstein_gp", discriminator_normalization="layer")
    gan.compile()
    scaled = isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (policy == "mixed_float16")
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer) == scaled
    gan.fit(real_images(), batch_size=8, epochs=1, steps_per_epoch=2, verbose=0)
    logs = helpers.fit_one_step(gan, real_images())
    assert all(np.isfinite(v).all() for v in logs.values())
    assert gan.generator.layers[2].compute_dtype != "float32"
    assert gan.generate(2).dtype == "float32" and gan(gan.sample_latents(2)).dtype == "float32"
    helpers.check_keras_round_trip(gan, gan.sample_latents(2, seed=0), tmp_path,
                                   ["g_optimizer", "d_optimizer"])


@pytest.mark.parametrize("size,first_side", [(28, 7), (32, 4), (64, 4)])
def test_dcgan_architecture_follows_radford(size, first_side):
    gan = kerasgen.models.DCGAN(image_size=size, channels=3, generator_width=8,
                                discriminator_width=8)
    assert gan.generator.output_shape == (None, size, size, 3)
    assert gan.discriminator.output_shape == (None, 1)
    names = [type(l).__name__ for l in gan.generator.layers]
    assert "MaxPooling2D" not in names and names[-1] == "Activation"
    reshape = [l for l in gan.generator.layers if type(l).__name__ == "Reshape"][0]
    assert reshape.output.shape[1] == first_side
    d_names = [type(l).__name__ for l in gan.discriminator.layers]
    assert d_names.count("Dense") == 1 and "MaxPooling2D" not in d_names
    assert d_names[2] == "LeakyReLU"  # no batchnorm on D's input layer


@pytest.mark.parametrize("extra_layers,receptive_field", [(0, 10), (2, 26)])
def test_extra_layers_widen_the_discriminators_receptive_field(extra_layers, receptive_field,
                                                               tmp_path):
    gan = kerasgen.models.DCGAN(image_size=28, channels=1, latent_dim=8, generator_width=8,
                                discriminator_width=8, discriminator_normalization="none",
                                extra_layers=extra_layers, ema_decay=0.9)
    # Which input pixels reach the centre of D's last feature map (the layer before Flatten)?
    flatten = [l for l in gan.discriminator.layers if type(l).__name__ == "Flatten"][0]
    features = keras.Model(gan.discriminator.input, flatten.input)
    image = tf.Variable(tf.random.normal((1, 28, 28, 1)))
    with tf.GradientTape() as tape:
        centre = features(image)[0, 3, 3, 0]
    rows = np.nonzero(np.abs(tape.gradient(centre, image).numpy()[0, :, :, 0]).sum(1))[0]
    assert rows.max() - rows.min() + 1 == min(receptive_field, 28)
    assert sum(type(l).__name__ == "Conv2D" for l in gan.generator.layers) == extra_layers
    gan.compile()
    helpers.fit_one_step(gan, helpers.fake_images(16, 28, value_range=(-1.0, 1.0)))
    helpers.check_keras_round_trip(gan, gan.sample_latents(2, seed=0), tmp_path,
                                   ["g_optimizer", "d_optimizer"])
    with pytest.raises(ValueError, match="extra_layers"):
        kerasgen.models.DCGAN(image_size=28, extra_layers=-1)


def test_bad_gan_arguments():
    with pytest.raises(ValueError, match="discriminator_steps"):
        small_dcgan(discriminator_steps=0)
    with pytest.raises(ValueError, match="ema_decay"):
        small_dcgan(ema_decay=1.5)
    with pytest.raises(ValueError, match="image_size"):
        small_dcgan(image_size=9)


def test_ema_warms_up_so_early_samples_are_not_the_initialisation():
    gan = small_dcgan(ema_decay=0.999)
    gan.compile()
    before = [w.numpy() for w in gan.ema_generator.trainable_weights]
    gan.fit(real_images(), batch_size=8, epochs=1, steps_per_epoch=1, verbose=0)
    live = [w.numpy() for w in gan.generator.trainable_weights]
    after = [w.numpy() for w in gan.ema_generator.trainable_weights]
    decay = 2.0 / 11.0  # min(0.999, (1 + t) / (10 + t)) at the first update, t = 1
    for b, l, a in zip(before, live, after):
        np.testing.assert_allclose(a, decay * b + (1 - decay) * l, rtol=1e-5, atol=1e-6)


def test_subclasses_add_named_loss_terms_instead_of_copying_the_step():
    import keras
    import tensorflow as tf

    import kerasgen

    class SmoothGAN(kerasgen.models.DCGAN):
        """Adds a per-example total-variation term to G's loss."""

        extra_metrics = ("g_smoothness",)

        def generator_terms(self, fake, fake_logits, labels):
            terms = super().generator_terms(fake, fake_logits, labels)
            terms["smoothness"] = 0.1 * tf.reduce_mean(
                tf.abs(fake[:, 1:] - fake[:, :-1]), axis=[1, 2, 3])
            return terms

    keras.utils.set_random_seed(0)
    gan = SmoothGAN(image_size=8, channels=1, latent_dim=4, generator_width=4,
                    discriminator_width=4)
    gan.compile()
    x = helpers.fake_images(8, 8, value_range=(-1, 1))
    logs = helpers.fit_one_step(gan, x, batch_size=8)
    assert logs["g_smoothness"][0] > 0
    assert set(logs) == {"d_loss", "g_loss", "real_score", "fake_score", "g_smoothness"}


def test_conditions_other_than_class_ids_pass_through_uncast():
    import keras
    import numpy as np

    import kerasgen

    z = keras.Input((4,))
    condition = keras.Input((3,))  # e.g. a text embedding: floats, not class ids
    h = keras.layers.Concatenate()([z, condition])
    generator = keras.Model([z, condition], keras.layers.Reshape((2, 2, 1))(
        keras.layers.Dense(4, activation="tanh")(h)))
    image = keras.Input((2, 2, 1))
    c = keras.Input((3,))
    d = keras.Model([image, c], keras.layers.Dense(1)(keras.layers.Concatenate()(
        [keras.layers.Flatten()(image), c])))
    gan = kerasgen.models.GAN(generator, d, latent_dim=4, num_classes=1)
    embedding = np.array([[0.25, 0.5, 0.75]], "float32")
    out = gan.generate(np.zeros((1, 4), "float32"), labels=embedding)
    # Truncated to int32 the embedding would be all zeros and give the same image.
    assert not np.allclose(out, gan.generate(np.zeros((1, 4), "float32"),
                                             labels=np.zeros((1, 3), "float32")))


def _latent_free_gan():
    """A pix2pix-shaped GAN on 8x8 images: G sees only its condition (no z), D sees both."""
    source = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(source)
    h = keras.layers.Dropout(0.5)(h)
    generator = keras.Model(source, keras.layers.Conv2D(1, 3, padding="same",
                                                        activation="tanh")(h))
    image, condition = keras.Input((8, 8, 1)), keras.Input((8, 8, 1))
    h = keras.layers.Concatenate()([image, condition])
    h = keras.layers.Conv2D(4, 3, strides=2, padding="same")(h)
    discriminator = keras.Model([image, condition],
                                keras.layers.Dense(1)(keras.layers.Flatten()(h)))
    return kerasgen.models.GAN(generator, discriminator, latent_dim=None, conditional=True)


def test_latent_free_conditional_gan_trains_generates_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    gan = _latent_free_gan()
    gan.compile()
    rng = np.random.default_rng(0)
    conditions = rng.uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    targets = np.flip(conditions, axis=2).copy()  # the "translation": a mirror
    logs = gan.fit(targets, conditions, batch_size=8, epochs=1, verbose=0).history
    assert np.isfinite(logs["g_loss"][0]) and np.isfinite(logs["d_loss"][0])
    out = gan.generate(labels=conditions[:3])
    assert out.shape == (3, 8, 8, 1)
    assert gan.generate(3, labels=conditions[:3]).shape == (3, 8, 8, 1)
    with pytest.raises(ValueError, match=r"no latents \(latent_dim=None\).*expected "
                                         r"num_or_latents=None or 3.*received 5"):
        gan.generate(5, labels=conditions[:3])
    with pytest.raises(ValueError, match="pass labels="):
        gan.generate()
    with pytest.raises(ValueError, match="no latents"):
        gan.sample_latents(2)
    path = tmp_path / "latent_free.keras"
    gan.save(path)
    restored = keras.saving.load_model(path)
    assert restored.latent_dim is None and restored.conditional
    # Dropout is off at inference, so the same condition gives the same image.
    np.testing.assert_allclose(restored.generate(labels=conditions[:3]), out, atol=1e-6)


def test_latent_free_gan_must_be_conditional():
    gan = _latent_free_gan()
    with pytest.raises(ValueError, match="latent_dim=None leaves the generator without an "
                                         "input.*conditional=True"):
        kerasgen.models.GAN(gan.generator, gan.discriminator, latent_dim=None)


def test_precise_batch_norm_gives_each_generator_statistics_of_its_own_outputs():
    gan = small_dcgan(num_classes=4, ema_decay=0.5)
    gan.compile()
    images, labels = real_images(32), np.arange(32) % 4
    gan.fit(images, labels, batch_size=16, epochs=1, steps_per_epoch=2, verbose=0)

    def first_bn(net):
        return next(layer for layer in net.layers
                    if isinstance(layer, keras.layers.BatchNormalization))

    def error(net):
        """Largest relative gap between the first batch norm's moving variance and the
        variance of its input over 2,000 fresh samples (latents and classes) of `net`."""
        layer = first_bn(net)
        probe = keras.Model(net.inputs, layer.input)
        z = np.random.default_rng(0).normal(size=(2000, gan.latent_dim)).astype("float32")
        ids = np.arange(2000) % 4
        h = np.asarray(probe([z, ids])).reshape(-1, layer.moving_variance.shape[0])
        return np.abs(np.asarray(layer.moving_variance) / h.var(0) - 1.0).max()

    # During training the EMA copy borrows the live generator's statistics.
    np.testing.assert_array_equal(np.asarray(first_bn(gan.ema_generator).moving_mean),
                                  np.asarray(first_bn(gan.generator).moving_mean))
    before = {name: error(net) for name, net in
              (("live", gan.generator), ("ema", gan.ema_generator))}
    data = tf.data.Dataset.from_tensor_slices((images, labels)).batch(16).repeat()
    assert gan.precise_batch_norm(data, steps=25) == 25
    after = {name: error(net) for name, net in
             (("live", gan.generator), ("ema", gan.ema_generator))}
    for name in before:
        assert after[name] < before[name] / 5, (name, before, after)
    assert not np.allclose(np.asarray(first_bn(gan.ema_generator).moving_variance),
                           np.asarray(first_bn(gan.generator).moving_variance))
    with pytest.raises(ValueError, match="empty dataset"):
        gan.precise_batch_norm(data.take(0))
    # the latents are seeded: the same call gives the same statistics, another seed others
    gan.precise_batch_norm(data, steps=3, seed=5)
    first = np.asarray(first_bn(gan.ema_generator).moving_variance)
    gan.precise_batch_norm(data, steps=3, seed=5)
    np.testing.assert_array_equal(np.asarray(first_bn(gan.ema_generator).moving_variance),
                                  first)
    gan.precise_batch_norm(data, steps=3, seed=6)
    assert not np.allclose(np.asarray(first_bn(gan.ema_generator).moving_variance), first)


@pytest.mark.parametrize("normalization,num_classes", [("layer", None), ("batch", 3)])
def test_widened_discriminator_scores_like_the_trained_one(normalization, num_classes,
                                                          tmp_path):
    from kerasgen.models.dcgan.widen import main
    from kerasgen.models.dcgan.widen import widen_discriminator

    keras.utils.set_random_seed(0)
    gan = kerasgen.models.DCGAN(image_size=28, channels=1, latent_dim=8, generator_width=8,
                                discriminator_width=4, discriminator_normalization=normalization,
                                extra_layers=1, num_classes=num_classes, ema_decay=0.99)
    gan.compile()
    images = helpers.fake_images(16, 28, channels=1)
    labels = np.arange(16) % 3 if num_classes else None
    data = (images, labels) if num_classes else images
    gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(8), epochs=1, verbose=0)
    inputs = [images, labels] if num_classes else images
    before = np.asarray(gan.discriminator(inputs, training=False))
    exact = widen_discriminator(gan, noise=0.0)
    assert exact.discriminator_width == 8
    assert exact.discriminator.count_params() > 2 * gan.discriminator.count_params()
    np.testing.assert_allclose(np.asarray(exact.discriminator(inputs, training=False)), before,
                               rtol=1e-4, atol=1e-5)
    for a, b in zip(exact.ema_generator.get_weights(), gan.ema_generator.get_weights()):
        np.testing.assert_array_equal(a, b)
    noisy = np.asarray(widen_discriminator(gan, noise=0.05).discriminator(inputs,
                                                                          training=False))
    assert 0 < np.abs(noisy - before).max() < 0.5 * np.abs(before).max() + 1e-3
    # the command line writes a .keras file that loads with the doubled width
    gan.save(str(tmp_path / "narrow.keras"))
    main([str(tmp_path / "narrow.keras"), str(tmp_path / "wide.keras"), "--noise", "0"])
    loaded = keras.saving.load_model(str(tmp_path / "wide.keras"), compile=False)
    assert loaded.discriminator_width == 8
    np.testing.assert_allclose(np.asarray(loaded.discriminator(inputs, training=False)),
                               before, rtol=1e-4, atol=1e-5)
    with pytest.raises(TypeError, match="needs a kerasgen DCGAN; received VAE"):
        widen_discriminator(kerasgen.models.VAE(image_shape=(28, 28, 1), latent_dim=2))
    with pytest.raises(ValueError, match="noise must be >= 0; received -1"):
        widen_discriminator(gan, noise=-1)
    keras.backend.clear_session()


def _trained_snapshot(seed, **kwargs):
    keras.utils.set_random_seed(seed)
    gan = small_dcgan(ema_decay=0.5, seed=seed, **kwargs)
    gan.compile()
    gan.fit(real_images(16), batch_size=8, epochs=1, verbose=0)
    return gan


def test_average_generators_means_the_snapshots_and_keeps_the_base_discriminator():
    from kerasgen.models.gan.average import average_generators

    snapshots = [_trained_snapshot(seed) for seed in (1, 2, 3)]
    before = [s.get_weights() for s in snapshots]
    average = average_generators(snapshots)
    for attr in ("generator", "ema_generator"):
        stacks = zip(*[getattr(s, attr).get_weights() for s in snapshots])
        for got, arrays in zip(getattr(average, attr).get_weights(), stacks):
            np.testing.assert_allclose(got, np.mean(arrays, axis=0), rtol=1e-6, atol=1e-7)
            assert not np.allclose(arrays[0], arrays[1])  # the mean is not trivially one
    for got, want in zip(average.discriminator.get_weights(),
                         snapshots[-1].discriminator.get_weights()):
        np.testing.assert_array_equal(got, want)
    first = average_generators(snapshots, base=0)
    for got, want in zip(first.discriminator.get_weights(),
                         snapshots[0].discriminator.get_weights()):
        np.testing.assert_array_equal(got, want)
    for snapshot, weights in zip(snapshots, before):  # the inputs are left as they were
        for got, want in zip(snapshot.get_weights(), weights):
            np.testing.assert_array_equal(got, want)
    assert average is not snapshots[-1]
    assert np.isfinite(np.asarray(average.generate(4, seed=0))).all()
    # the discriminators may differ; the generators may not
    wider_critic = _trained_snapshot(4, discriminator_width=16)
    mixed = average_generators([snapshots[0], wider_critic])
    assert mixed.discriminator_width == 16
    with pytest.raises(ValueError, match="at least 2 models; received 1"):
        average_generators(snapshots[:1])
    with pytest.raises(ValueError, match="base must index one of the 3 models; received 3"):
        average_generators(snapshots, base=3)
    with pytest.raises(TypeError, match="needs kerasgen GANs; model 1 is a VAE"):
        average_generators([snapshots[0], kerasgen.models.VAE(image_shape=(8, 8, 1),
                                                                latent_dim=2)])
    with pytest.raises(ValueError, match="one generator architecture; model 1"):
        average_generators([snapshots[0], _trained_snapshot(5, generator_width=16)])
    no_ema = small_dcgan(seed=6)
    no_ema.compile()
    with pytest.raises(ValueError, match="with an EMA generator or none; model 0 has "
                                         "ema_decay=0.5, model 1 ema_decay=None"):
        average_generators([snapshots[0], no_ema])
    keras.backend.clear_session()


# -- DiffAugment (augment="diffaugment") ------------------------------------------------------
def _spy_on_augmentation(monkeypatch, gan, module=None, name="diff_augment"):
    """Record every (input, output) of the augmentation (`module.name`, DiffAugment's by
    default) and every input of D, eagerly."""
    from kerasgen.layers import diffaugment

    module = module or diffaugment
    augmented, seen_by_d = [], []
    original = getattr(module, name)

    def spy(images, *args, **kwargs):
        out = original(images, *args, **kwargs)
        augmented.append((np.asarray(images), np.asarray(out)))
        return out

    monkeypatch.setattr(module, name, spy)
    call = gan.discriminator.call

    def recording_call(inputs, *args, **kwargs):
        seen_by_d.append(np.asarray(inputs[0] if isinstance(inputs, (list, tuple)) else inputs))
        return call(inputs, *args, **kwargs)

    monkeypatch.setattr(gan.discriminator, "call", recording_call)
    return augmented, seen_by_d


@pytest.mark.parametrize("num_classes", [None, 3])
def test_diffaugment_shows_d_only_augmented_images_in_both_players_steps(monkeypatch,
                                                                         num_classes):
    gan = small_dcgan(augment="diffaugment", num_classes=num_classes)
    gan.compile(run_eagerly=True)
    augmented, seen_by_d = _spy_on_augmentation(monkeypatch, gan)
    real = real_images(8)
    labels = None if num_classes is None else np.arange(8) % 3
    helpers.fit_one_step(gan, real, labels, batch_size=8)
    # D step: the real batch and a fake batch; G step: a fake batch. Each went through the
    # same augmentation (all three transforms) and D saw its output, never the input.
    assert len(augmented) == len(seen_by_d) == 3
    for (before, after), d_input in zip(augmented, seen_by_d):
        np.testing.assert_array_equal(after, d_input)
        assert np.abs(after - before).max() > 0.1
    def from_data(batch):  # every image of the batch is one of the data's (fit shuffles)
        return all(np.abs(real - image).max(axis=(1, 2, 3)).min() < 1e-6 for image in batch)

    assert from_data(augmented[0][0])
    assert not from_data(augmented[1][0]) and not from_data(augmented[2][0])  # fakes


def test_diffaugment_passes_the_generators_gradient_through_the_transforms():
    """A gradient check of G's loss through D(augment(G(z))) for one fixed draw: the tape's
    directional derivative along a random direction of G's weights matches central
    differences, and differs from the gradient without augmentation."""
    from kerasgen.layers import diffaugment
    from kerasgen.losses import gan as gan_losses

    gan = small_dcgan(augment="diffaugment", discriminator_normalization="none")
    z = gan.sample_latents(6, seed=1)
    variables = gan.generator.trainable_variables

    def loss(augment=True):
        fake = gan.generator(z, training=False)
        if augment:
            fake = diffaugment.diff_augment(fake, tf.constant([4, 2]))
        return tf.reduce_mean(gan_losses.generator_loss("non_saturating",
                                                        gan.discriminator(fake)))

    with tf.GradientTape(persistent=True) as tape:
        with_augment, without = loss(), loss(augment=False)
    grads = tape.gradient(with_augment, variables)
    plain = tape.gradient(without, variables)
    rng = np.random.default_rng(0)
    direction = [rng.normal(size=v.shape).astype("float32") for v in variables]
    analytic = sum(float(np.sum(g.numpy() * d)) for g, d in zip(grads, direction))
    start = [v.numpy() for v in variables]
    values = []
    eps = 1e-3
    for sign in (1, -1):
        for v, s, d in zip(variables, start, direction):
            v.assign(s + sign * eps * d)
        values.append(float(loss()))
    for v, s in zip(variables, start):
        v.assign(s)
    numeric = (values[0] - values[1]) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=2e-2, atol=1e-4)
    assert abs(analytic) > 1e-4
    assert not np.allclose(grads[0].numpy(), plain[0].numpy())


def _check_never_augments_outside_training(monkeypatch, gan, module, name, tmp_path):
    """With `module.name` (the augmentation) refusing to run, `gan` samples, previews and
    exports exactly as an unaugmented copy with its weights does."""
    from kerasgen.serving.export import export

    def refuse(*args, **kwargs):
        raise AssertionError("augmentation outside a training step")

    monkeypatch.setattr(module, name, refuse)
    plain = small_dcgan(ema_decay=0.9)
    for net in ("generator", "ema_generator", "discriminator"):
        getattr(plain, net).set_weights(getattr(gan, net).get_weights())
    np.testing.assert_array_equal(np.asarray(gan.generate(4, seed=2)),
                                  np.asarray(plain.generate(4, seed=2)))
    np.testing.assert_array_equal(gan.preview(4, seed=0), plain.preview(4, seed=0))
    served = tf.saved_model.load(export(gan, str(tmp_path / "m")))
    images = served.signatures["sample"](count=tf.constant(2), seed=tf.constant(1, tf.int64))
    assert images["images"].shape == (2, 8, 8, 1)


def test_sampling_previews_and_exports_never_augment(monkeypatch, tmp_path):
    from kerasgen.layers import diffaugment

    gan = small_dcgan(augment="diffaugment", ema_decay=0.9)
    gan.compile()
    helpers.fit_one_step(gan, real_images())
    _check_never_augments_outside_training(monkeypatch, gan, diffaugment, "diff_augment",
                                           tmp_path)


def test_augment_is_a_config_key_of_every_gan():
    from kerasgen.models.common import ArgumentError

    for model in (small_dcgan(augment="diffaugment"),
                  small_dcgan(augment="diffaugment", num_classes=3)):
        config = model.get_config()
        assert config["augment"] == "diffaugment"
        assert type(model).from_config(config).augment == "diffaugment"
    assert small_dcgan().get_config()["augment"] is None
    with pytest.raises(ArgumentError, match="Unknown augment 'flip'; expected None") as e:
        small_dcgan(augment="flip")
    assert e.value.argument == "augment"


@pytest.mark.parametrize("family", ["gan", "dcgan", "cgan", "progan", "stylegan"])
def test_every_gan_family_augments_in_training_and_never_in_sampling(family, monkeypatch):
    """`augment` is the GAN base's option: each family's training step (its own, for ProGAN
    and StyleGAN) sends D's inputs through it, and sampling does not."""
    from kerasgen.layers import diffaugment
    from tests.families import TINY

    model = TINY[family]()
    model.augment = "diffaugment"  # as from the constructor (read when the step is traced)
    model.compile()
    calls = []
    original = diffaugment.diff_augment

    def spy(images, seed, **kwargs):
        calls.append(tuple(images.shape[1:]))
        return original(images, seed, **kwargs)

    monkeypatch.setattr(diffaugment, "diff_augment", spy)
    labels = np.arange(16) % 3 if model.num_classes_declared else None
    helpers.fit_one_step(model, real_images(16), labels, batch_size=16)
    assert len(calls) >= 3  # D's real and fake inputs, G's fake one (per level traced)
    calls.clear()
    model.generate(2, seed=0, **model.cycling_options(2))
    model.preview(4, seed=0)
    assert calls == []


# -- ADA (augment="ada") ----------------------------------------------------------------------
def test_ada_p_rises_while_d_overfits_and_falls_otherwise():
    """A made-up sequence of D's scores of real images (8 a step): every 2 steps p moves by
    the interval's 16 real images / (ada_kimg * 1000) = 0.2, up while r_t = E[sign(D(x_real))]
    is above the target 0.6, down while below, and stays in [0, 1]."""
    gan = small_dcgan(augment="ada", ada_interval=2, ada_kimg=0.08)
    signs = {"overfit": [1.0] * 8, "above": [1.0] * 7 + [-1.0],  # r_t 1, 0.75
             "half": [1.0, -1.0] * 4, "below": [1.0] * 6 + [-1.0] * 2,  # 0, 0.5
             "unsure": [-1.0] * 8}
    sequence = (["overfit"] * 4 + ["above"] * 2 + ["half"] * 2 + ["below"] * 2 +
                ["overfit", "unsure"] + ["unsure"] * 2)  # the interval's mean is what counts
    got = [float(gan.adapt_augmentation(3.0 * tf.constant(signs[name]))["augment_p"])
           for name in sequence]
    want = [0.0, 0.2, 0.2, 0.4, 0.4, 0.6, 0.6, 0.4, 0.4, 0.2, 0.2, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert int(gan.ada_steps.numpy()) == 14 and float(gan.ada_real_count.numpy()) == 0.0
    all_signs = np.concatenate([signs[name] for name in sequence])
    np.testing.assert_allclose(float(gan.trackers["real_sign"].result()), all_signs.mean(),
                               rtol=1e-6)
    assert small_dcgan().adapt_augmentation(tf.ones(8)) == {}  # nothing to adapt


def test_ada_augments_d_inputs_in_both_players_steps_and_never_outside_them(monkeypatch,
                                                                            tmp_path):
    from kerasgen.layers import ada

    gan = small_dcgan(augment="ada", ada_interval=1, ada_kimg=0.004, ema_decay=0.9)
    gan.compile(run_eagerly=True)
    gan.augment_p.assign(1.0)
    augmented, seen_by_d = _spy_on_augmentation(monkeypatch, gan, ada, "adaptive_augment")
    logs = helpers.fit_one_step(gan, real_images(8), batch_size=8)
    # D's real and fake batches, G's fake one: each augmented (p = 1), D saw only the output.
    assert len(augmented) == len(seen_by_d) == 3
    for (before, after), d_input in zip(augmented, seen_by_d):
        np.testing.assert_array_equal(after, d_input)
        assert np.abs(after - before).max() > 0.1
    # Logged for TensorBoard and the progress bar: p after the step's adjustment (by 8 / 4 =
    # 2, so clipped to 0 or 1) and the mean sign of D(x_real).
    assert set(logs) >= {"augment_p", "real_sign"}
    assert logs["augment_p"][0] in (0.0, 1.0)
    # Sampling, previews and exports never augment, whatever p is.
    monkeypatch.undo()
    gan.augment_p.assign(1.0)
    _check_never_augments_outside_training(monkeypatch, gan, ada, "adaptive_augment", tmp_path)


def test_ada_p_is_model_state_saved_by_keras_files_and_backups(tmp_path):
    gan = small_dcgan(augment="ada", ada_target=0.5, ada_interval=3, ada_kimg=100)
    state = {"augment_p": 0.37, "ada_sign_sum": 3.0, "ada_real_count": 5.0, "ada_steps": 7}
    for name, value in state.items():
        getattr(gan, name).assign(value)
    config = helpers.check_config_round_trip(gan).get_config()
    assert (config["augment"], config["ada_target"], config["ada_interval"],
            config["ada_kimg"]) == ("ada", 0.5, 3, 100.0)
    loaded = helpers.check_keras_round_trip(gan, gan.sample_latents(2, seed=0), tmp_path)
    backup = str(tmp_path / "backup.weights.h5")  # what `kerasgen train`'s backups write
    gan.save_weights(backup)
    restored = small_dcgan(augment="ada", ada_target=0.5, ada_interval=3, ada_kimg=100)
    restored.load_weights(backup)
    for model in (loaded, restored):
        for name, value in state.items():
            assert float(getattr(model, name).numpy()) == pytest.approx(value), name
    # Without ADA a GAN keeps no such state: files saved before ADA existed still load.
    assert not {"augment_p", "ada_steps"} & {w.path.split("/")[-1]
                                             for w in small_dcgan().weights}
    with pytest.raises(ValueError, match="ada_target .* in \\(-1, 1\\); received 1.5"):
        small_dcgan(augment="ada", ada_target=1.5)
    with pytest.raises(ValueError, match="sign of D's outputs .* \\(loss minimax, "
                                         "non_saturating, hinge\\); received "
                                         "loss='least_squares'"):
        small_dcgan(augment="ada", loss="least_squares")
