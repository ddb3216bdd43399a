"""Short runs on the real data in $KERASGEN_DATA (never downloaded)."""

import os

import numpy as np

from kerasgen import config as config_lib
from kerasgen.data.pipeline import make_dataset
from kerasgen.training.train import train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(name, tmp_path, *overrides):
    # float32: these tests are about the configs and the data, and a CPU without bfloat16
    # instructions emulates the presets' mixed_bfloat16 8x slower (test_precision.py); the
    # mixed-precision steps have their own tests on tiny networks (tests/models/).
    return config_lib.load(os.path.join(ROOT, "configs", name),
                           [f"train.output_dir={tmp_path / 'run'}",
                            "train.mixed_precision=float32", *overrides])


def test_vae_on_binarized_mnist_passes_minus_150_nats_in_300_steps(data_dir, tmp_path):
    # The preset's config for 300 steps (38,400 images; the preset trains 20 epochs). Measured
    # with 150-step epochs: test ELBO -181.8, -143.2, -124.3 after 150, 300 and 450 steps
    # (-116.7 after 600); each pixel on with its training-set frequency scores -205.8, an
    # untrained one -543. 450 steps (> -130) took 175 s of the suite for the same evidence
    # that the VAE learns from real digits.
    config = load("vae_mnist.yaml", tmp_path, "train.epochs=1", "train.steps_per_epoch=300")
    model, history = train(config, verbose=0)
    test_elbo = history.history["val_elbo"][-1]  # all 10,000 test images, binarized
    print(f"VAE test ELBO after 300 steps: {test_elbo:.2f} nats")
    assert test_elbo > -150.0
    test, _ = make_dataset(config.data, "unit", split="test", shuffle=False, batch_size=250)
    x = next(iter(test))
    iwae = float(np.mean(model.log_likelihood(x, num_samples=50)))
    assert iwae > test_elbo - 5.0  # importance sampling tightens the bound (same-ish images)
    assert model.sample(4).shape == (4, 28, 28, 1)


def test_dcgan_on_mnist_samples_have_the_right_shape_and_range(data_dir, tmp_path):
    # The paper's 28x28 networks at width 32 (the preset's extra layers start slower and
    # cost 3x the time; the preset's own quality is test_presets.py's).
    config = load("dcgan_mnist.yaml", tmp_path, "train.epochs=1", "train.steps_per_epoch=150",
                  "model.args.extra_layers=0", "model.args.generator_width=32",
                  "model.args.discriminator_width=32",
                  "train.num_samples=16", "train.metrics_every_epochs=null")
    model, history = train(config, verbose=0)
    samples = np.array(model.generate(32, seed=0))
    assert samples.shape == (32, 28, 28, 1) and samples.dtype == np.float32
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    # After 150 steps the samples already differ from one another (no collapse to one image)
    # and use most of the pixel range, like MNIST's mostly-black images with bright strokes.
    # (The preset's deeper networks start slower: after 150 steps the raw and the EMA
    # generator both still drew the same grey image, std across samples 0.014.)
    print(f"DCGAN after 150 steps: std across samples {samples.std(axis=0).mean():.3f}, "
          f"dark share {np.mean(samples < 0.2):.2f}, max {samples.max():.2f}")
    assert samples.std(axis=0).mean() > 0.05
    assert np.mean(samples < 0.2) > 0.4 and samples.max() > 0.8
    assert (tmp_path / "run" / "samples" / "samples_epoch_0001.png").exists()


def test_conditional_gan_on_mnist_runs_with_labels(data_dir, tmp_path):
    config = load("cgan_mnist.yaml", tmp_path, "train.epochs=1", "train.steps_per_epoch=20",
                  "train.num_samples=20", "train.run_end_steps=4")
    model, _ = train(config, verbose=0)
    assert model.generate(10, labels=np.arange(10), seed=0).shape == (10, 28, 28, 1)


def test_dcgan_celeba_64_config_trains(data_dir, tmp_path):
    # Batch 16 of 128 faces, and the run's end (batch-norm statistics from passes through both
    # generators) from 4 batches, not 100: with 100 it was 41 of the test's 55 s.
    config = load("dcgan_celeba_64.yaml", tmp_path, "train.epochs=1", "train.steps_per_epoch=4",
                  "data.stop=128", "data.batch_size=16", "train.num_samples=4",
                  "train.metrics_every_epochs=null", "train.run_end_steps=4")
    model, history = train(config, verbose=0)
    samples = np.array(model.generate(4, seed=0))
    assert samples.shape == (4, 64, 64, 3)
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    assert np.isfinite(history.history["g_loss"]).all()
