"""Run under two logical CPU devices with MirroredStrategy (invoked by test_distribute.py)."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # `tests.helpers` when run as a script

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

import kerasgen  # noqa: E402



def per_replica_checks():
    """Train steps of every family on two replicas (one MirroredStrategy per process: a
    second one in the same process collides with the first's collective ops)."""
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (32, 8, 8, 1)).astype("float32")
    out = {"replicas": strategy.num_replicas_in_sync}

    # 1. A deterministic model: one SGD step on a global batch of 16 split over two replicas must
    #    equal the same step on one device (losses averaged over the global batch).
    def autoencoder():
        keras.utils.set_random_seed(0)
        model = kerasgen.models.Autoencoder(image_shape=(8, 8, 1), latent_dim=4, hidden_dims=(8,),
                                            architecture="mlp")
        model.compile(optimizer=keras.optimizers.SGD(0.1))
        return model

    single = autoencoder()
    single.fit(x[:16], batch_size=16, epochs=1, shuffle=False, verbose=0)
    with strategy.scope():
        mirrored = autoencoder()
    mirrored.fit(tf.data.Dataset.from_tensor_slices(x[:16]).batch(16), epochs=1, verbose=0)
    out["max_weight_difference"] = float(max(
        np.abs(a.numpy() - b.numpy()).max() for a, b in zip(single.weights, mirrored.weights)))

    # 2. GAN and VAE train steps run per replica, with distinct latents on each replica.
    with strategy.scope():
        gan = kerasgen.models.DCGAN(image_size=8, channels=1, latent_dim=4, generator_width=8,
                                    discriminator_width=8, ema_decay=0.9, discriminator_steps=2,
                                    loss="wasserstein_gp", discriminator_normalization="layer")
        gan.compile()
        vae = kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=4, hidden_dims=(8,))
        vae.compile(optimizer="adam")
    ds = tf.data.Dataset.from_tensor_slices(x * 2 - 1).batch(16, drop_remainder=True)
    gan_logs = gan.fit(ds, epochs=2, verbose=0).history
    vae_logs = vae.fit(tf.data.Dataset.from_tensor_slices(x).batch(16), epochs=2, verbose=0).history
    out["finite"] = bool(all(np.isfinite(v).all() for v in {**gan_logs, **vae_logs}.values()))
    out["g_iterations"] = int(gan.g_optimizer.iterations.numpy())
    out["d_iterations"] = int(gan.d_optimizer.iterations.numpy())
    # Conditional families and the IWAE objective: (image, label) batches per replica.
    labels = np.arange(32) % 3
    with strategy.scope():
        cgan = kerasgen.models.DCGAN(image_size=8, channels=1, latent_dim=4, generator_width=8,
                                     discriminator_width=8, num_classes=3)
        cgan.compile()
        cvae = kerasgen.models.ConditionalVAE(num_classes=3, image_shape=(8, 8, 1),
                                              latent_dim=4, hidden_dims=(8,))
        cvae.compile(optimizer="adam")
        iwae = kerasgen.models.VAE(image_shape=(8, 8, 1), latent_dim=4, hidden_dims=(8,),
                                   num_importance_samples=3)
        iwae.compile(optimizer="adam")
    pairs = tf.data.Dataset.from_tensor_slices((x, labels)).batch(16, drop_remainder=True)
    conditional_logs = {
        "cgan": cgan.fit(pairs.map(lambda a, y: (a * 2 - 1, y)), epochs=1, verbose=0).history,
        "cvae": cvae.fit(pairs, epochs=1, verbose=0).history,
        "iwae": iwae.fit(tf.data.Dataset.from_tensor_slices(x).batch(16), epochs=1,
                         verbose=0).history}
    out["conditional_finite"] = {
        name: bool(all(np.isfinite(v).all() for v in logs.values()))
        for name, logs in conditional_logs.items()}
    latents = strategy.run(tf.function(lambda: gan._latents_for(4)))
    a, b = [t.numpy() for t in strategy.experimental_local_results(latents)]
    out["latents_differ"] = bool(np.abs(a - b).max() > 1e-3)
    # 3. pix2pix: one step on two replicas equals one step on one device (dropout off and
    #    instance norm, so nothing depends on how the batch is split).
    source = x[:8] * 2 - 1
    target = np.concatenate([source, -source, source], axis=-1)


    def pix2pix():
        keras.utils.set_random_seed(0)
        model = kerasgen.models.Pix2Pix(image_size=8, source_channels=1, generator_width=4,
                                        discriminator_width=8, patch_size=16, norm="instance",
                                        dropout=0.0)
        model.compile()
        return model


    single = pix2pix()
    single.fit(source, target, batch_size=8, epochs=1, shuffle=False, verbose=0)
    with strategy.scope():
        mirrored = pix2pix()
    mirrored.fit(tf.data.Dataset.from_tensor_slices((source, target)).batch(8), epochs=1,
                 verbose=0)
    out["pix2pix_max_weight_difference"] = float(max(
        np.abs(a.numpy() - b.numpy()).max() for a, b in zip(single.weights, mirrored.weights)))


    # 4. CycleGAN: without the history pool (whose random draws differ per replica by design),
    #    two replicas equal one device; with it, a mirrored step runs and each replica keeps its
    #    own pool (variables synchronized on read).
    def cyclegan(pool_size):
        keras.utils.set_random_seed(0)
        model = kerasgen.models.CycleGAN(image_size=8, channels_a=1, channels_b=3,
                                         generator_width=4, residual_blocks=1,
                                         discriminator_width=8, patch_size=16,
                                         identity_weight=0.0, pool_size=pool_size)
        model.compile()
        return model


    unpaired = tf.data.Dataset.from_tensor_slices((source, target)).batch(8)
    single = cyclegan(0)
    single.fit(unpaired, epochs=1, verbose=0)
    with strategy.scope():
        mirrored = cyclegan(0)
    mirrored.fit(unpaired, epochs=1, verbose=0)
    out["cyclegan_max_weight_difference"] = float(max(
        np.abs(a.numpy() - b.numpy()).max() for a, b in zip(single.weights, mirrored.weights)))
    with strategy.scope():
        pooled = cyclegan(4)
    logs = pooled.fit(unpaired, epochs=2, verbose=0).history
    out["cyclegan_pool_finite"] = bool(all(np.isfinite(v).all() for v in logs.values()))
    out["cyclegan_pool_counts"] = [int(c.numpy()) for c in strategy.experimental_local_results(
        pooled.pool_a.count._value if hasattr(pooled.pool_a.count, "_value")
        else pooled.pool_a.count)]

    # 5. Text: the text encoder (contrastive negatives from each replica's own half-batch)
    #    and the text-to-image GAN (mismatched captions and interpolation per replica) train
    #    on string batches.
    from tests.models.test_text2image import tiny_model
    from tests.models.test_text_encoder import CAPTIONS
    from tests.models.test_text_encoder import toy_images

    texts = tf.data.Dataset.from_tensor_slices((toy_images(), CAPTIONS)).batch(8)
    with strategy.scope():
        encoder = kerasgen.models.TextEncoder(max_tokens=20, sequence_length=4, word_dim=8,
                                              hidden_dim=8, embedding_dim=8,
                                              image_shape=(16, 16, 3), image_width=4)
        encoder.adapt(CAPTIONS)
        encoder.compile()
        t2i = tiny_model()
        t2i.compile()
    # Token ids from the pipeline: fit under a strategy cannot average a string batch.
    logs = {**encoder.fit(texts.map(lambda x, t: (x, encoder.text_inputs(t))), epochs=2,
                          verbose=0).history,
            **t2i.fit(texts.map(lambda x, t: (x * 2 - 1, t2i.text_inputs(t))), epochs=2,
                      verbose=0).history}
    out["text_finite"] = bool(all(np.isfinite(v).all() for v in logs.values()))
    out["text_terms"] = sorted(k for k in logs if k in ("d_mismatch", "g_interpolation"))

    # 6. BEGAN: with the same global batch of latents (each replica its slice), two SGD steps
    #    on two replicas equal two steps on one device, k_t included, and both replicas hold
    #    the same k_t (computed from global means, not from each replica's half-batch).
    from kerasgen.models.replicas import replica_id

    z_rng = np.random.default_rng(1)
    z_d, z_g = (tf.constant(z_rng.uniform(-1, 1, (16, 4)), tf.float32) for _ in range(2))

    def began():
        keras.utils.set_random_seed(0)
        model = kerasgen.models.BEGAN(image_size=8, channels=1, latent_dim=4, embedding_dim=4,
                                      width=4, gamma=1.0, lambda_k=0.1)
        model.compile(g_optimizer=keras.optimizers.SGD(0.1),
                      d_optimizer=keras.optimizers.SGD(0.1))
        model.k_t.assign(0.3)  # so k_t weighs the fakes in D's loss from the first step
        drawn = []

        def latents(batch):  # z_D, then z_G: this replica's rows of the global batch
            z = z_d if len(drawn) % 2 == 0 else z_g
            drawn.append(batch)
            return tf.slice(z, [replica_id() * batch, 0], [batch, 4])

        model.step_latents = latents
        return model

    began_x = x * 2 - 1
    single = began()
    single.fit(began_x, batch_size=16, epochs=1, shuffle=False, verbose=0)
    with strategy.scope():
        mirrored = began()
    mirrored.fit(tf.data.Dataset.from_tensor_slices(began_x).batch(16), epochs=1, verbose=0)
    out["began_max_weight_difference"] = float(max(
        np.abs(np.asarray(a) - np.asarray(b)).max()
        for a, b in zip(single.weights, mirrored.weights)))
    out["began_k_t"] = [float(single.k_t.numpy())] + [
        float(v.numpy()) for v in strategy.experimental_local_results(mirrored.k_t.value)]
    # 7. ProGAN: the phase schedule counts the global batch (images seen, level and alpha as
    #    on one device, with a smaller batch at 8x8 split over the replicas), and the
    #    minibatch-stddev groups do not depend on how a batch is split.
    def progan():
        keras.utils.set_random_seed(0)
        model = kerasgen.models.ProGAN(resolution=8, channels=1, latent_dim=4, width_base=16,
                                       max_width=4, phase_images=16, batch_sizes={8: 8})
        model.compile()
        return model

    faces = x * 2 - 1  # 2 steps of 16: 16 images at 4x4, then 8 at 8x8 (alpha 0)
    single = progan()
    single.fit(faces, batch_size=16, epochs=1, shuffle=False, verbose=0)
    with strategy.scope():
        mirrored = progan()
    logs = mirrored.fit(tf.data.Dataset.from_tensor_slices(faces).batch(16), epochs=1,
                        verbose=0).history
    out["progan_finite"] = bool(all(np.isfinite(v).all() for v in logs.values()))
    out["progan_schedule"] = [[int(m.images_seen.numpy()), int(m.generator.level.numpy()),
                               float(m.generator.alpha.numpy())] for m in (single, mirrored)]
    mirrored.discriminator.set_weights(single.discriminator.get_weights())
    batch = next(iter(strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices(faces[:16]).batch(16))))  # 8 per replica
    halves = strategy.run(tf.function(
        lambda b: mirrored.discriminator(b, level=1, alpha=0.5)), args=(batch,))
    two = np.concatenate([t.numpy() for t in strategy.experimental_local_results(halves)])
    one = single.discriminator(faces[:16], level=1, alpha=0.5).numpy()
    out["progan_max_score_difference"] = float(np.abs(one - two).max())
    return out


def style_and_augmentation_checks():
    """StyleGAN's and ADA's steps on two replicas, in a process of their own: with every
    family in one process it ran for about 200 s of CPU time, and over its 600 s timeout on a
    loaded machine."""
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    x = np.random.default_rng(0).uniform(0, 1, (32, 8, 8, 1)).astype("float32")
    out = {"replicas": strategy.num_replicas_in_sync}
    out.update(stylegan_checks(strategy, x))
    out.update(ada_checks(strategy))
    return out


def ada_checks(strategy):
    """9. ADA: p follows the mean of sign(D(x_real)) over the global batch. Replica 0's scores
    of its 8 real images are all positive and replica 1's all negative: alone, replica 0 would
    see r_t = 1 and raise p, replica 1 r_t = -1; together r_t = 0 < 0.6, so p falls from 0.5
    by 16 / 160 on both replicas, as on one device given all 16 scores."""
    def gan():
        generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(64),
                                      keras.layers.Reshape((8, 8, 1))])
        discriminator = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                                          keras.layers.Dense(1)])
        model = kerasgen.models.GAN(generator, discriminator, latent_dim=4, augment="ada",
                                    ada_interval=1, ada_kimg=0.16)
        model.augment_p.assign(0.5)
        return model

    single = gan()
    single.adapt_augmentation(tf.concat([tf.ones(8), -tf.ones(8)], axis=0))
    with strategy.scope():
        mirrored = gan()
    scores = strategy.experimental_distribute_values_from_function(
        lambda context: tf.ones(8) * (1.0 - 2.0 * context.replica_id_in_sync_group))
    tf.function(lambda s: strategy.run(mirrored.adapt_augmentation, args=(s,)))(scores)
    return {"ada_p": {"single": float(single.augment_p.numpy()), "replicas": [
        float(v) for v in strategy.experimental_local_results(mirrored.augment_p.value)]}}


def stylegan_checks(strategy, x):
    """8. StyleGAN: with the same global batch of latents and path-length noise (each replica
    its slice), the fixed noise maps and no style mixing, two SGD steps on two replicas equal
    two steps on one device, R1 and the path-length penalty included (minibatch-stddev groups
    of consecutive images, global means for w_avg and the path-length mean); the state
    variables are the same on both replicas."""
    import threading

    from kerasgen.models.replicas import replica_id
    from kerasgen.models.stylegan.layers import ModulatedConv2D

    rng = np.random.default_rng(2)
    z_all = [tf.constant(rng.normal(size=(2, 16, 4)), tf.float32) for _ in range(3)]
    noise_all = tf.constant(rng.normal(size=(16, 8, 8, 1)) / 8, tf.float32)

    def rows(tensor, batch, axis=0):  # this replica's rows of a global-batch tensor
        begin = [0] * len(tensor.shape)
        begin[axis] = replica_id() * batch
        size = list(tensor.shape)
        size[axis] = batch
        return tf.slice(tensor, begin, size)

    def stylegan():
        keras.utils.set_random_seed(0)
        model = kerasgen.models.StyleGAN(
            image_size=8, channels=1, latent_dim=4, w_dim=4, mapping_layers=2, width=4,
            max_width=8, style_mixing=0.0, r1_gamma=1.0, r1_interval=2,
            path_length_weight=1.0, path_length_interval=1, path_length_batch_shrink=1,
            w_avg_decay=0.5)
        model.compile(g_optimizer=keras.optimizers.SGD(0.1),
                      d_optimizer=keras.optimizers.SGD(0.1))
        drawn = threading.local()  # each replica traces the step in a thread of its own

        def latents(batch):  # D's fakes, G's fakes, the path-length batch: each its own z
            drawn.count = getattr(drawn, "count", -1) + 1
            return rows(z_all[drawn.count % 3], batch, axis=1)

        model.step_latents = latents
        model.step_path_noise = lambda images: rows(noise_all, tf.shape(images)[0])
        for net in (model.generator, model.ema_generator):
            for layer in net.get_layer("synthesis").layers:
                if isinstance(layer, ModulatedConv2D):
                    layer.randomize = False
        return model

    real = x * 2 - 1
    single = stylegan()
    single.fit(real, batch_size=16, epochs=1, shuffle=False, verbose=0)
    with strategy.scope():
        mirrored = stylegan()
    mirrored.fit(tf.data.Dataset.from_tensor_slices(real).batch(16), epochs=1, verbose=0)
    out = {"stylegan_max_weight_difference": float(max(
        np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).max()
        for a, b in zip(single.weights, mirrored.weights)))}
    state = {}
    for name in ("w_avg", "pl_mean", "d_steps", "g_steps"):
        values = [np.asarray(v).tolist() for v in strategy.experimental_local_results(
            getattr(mirrored, name).value)]
        state[name] = {"single": np.asarray(getattr(single, name)).tolist(),
                       "replicas": values}
    out["stylegan_state"] = state
    return out


def mirrored_training_run():
    """`kerasgen train` with train.strategy: mirrored, in a process of its own."""
    out = {}

    # 5. `kerasgen train` with train.strategy: mirrored: the config's batch of 16 is the global
    #    batch (8 per replica); the run writes its model and restores from it like any other.
    import tempfile  # noqa: E402

    from kerasgen import config as config_lib  # noqa: E402
    from kerasgen.training.train import train  # noqa: E402
    from tests import helpers  # noqa: E402

    root = tempfile.mkdtemp(prefix="mirrored_run_")
    helpers.write_idx_folder(os.path.join(root, "mnist"), num_train=64, num_test=32)
    config = config_lib.load(os.path.join(HERE, "..", "configs", "dcgan_mnist.yaml"), [
        f"data.path={os.path.join(root, 'mnist')}", "data.batch_size=16", "train.epochs=1",
        "train.steps_per_epoch=2", "model.args.generator_width=8",
        "model.args.discriminator_width=8", "model.args.extra_layers=0",
        "train.mixed_precision=float32", "train.metrics_every_epochs=null",
        "train.num_samples=4", "train.strategy=mirrored", "model.args.ema_decay=null",
        f"train.output_dir={root}/run"])
    trained, history = train(config, verbose=0)
    out["train_replicas"] = trained.distribute_strategy.num_replicas_in_sync
    out["train_iterations"] = int(trained.g_optimizer.iterations.numpy())
    out["train_finite"] = bool(np.isfinite(history.history["g_loss"]).all())
    out["train_saved"] = os.path.exists(os.path.join(root, "run", "model.keras"))

    return out


if __name__ == "__main__":
    checks = {"train": mirrored_training_run, "style": style_and_augmentation_checks}
    check = checks[sys.argv[1]] if sys.argv[1:] else per_replica_checks
    print("RESULT " + json.dumps(check()))
