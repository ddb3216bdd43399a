"""Build a model from an ExperimentConfig and train it with `model.fit`."""

import os

import keras

from kerasgen import config as config_lib
from kerasgen.callbacks import standard_callbacks
from kerasgen.data.pipeline import make_dataset
from kerasgen.models.gan.gan import GAN
from kerasgen.registry import MODELS


def build_model(config):
    """The model named by `config.model`, under the config's mixed-precision policy."""
    config_lib.validate(config)
    keras.mixed_precision.set_global_policy(config.train.mixed_precision)
    return MODELS.get(config.model.family)(**config.model.args)


def _optimizer(spec, key):
    if spec is None:
        return None
    spec = dict(spec)
    name = spec.pop("name", None)
    if not name:
        raise config_lib.ConfigError(f"{key}: needs a 'name' (e.g. adam); received {spec}.")
    try:
        rate = spec.get("learning_rate")
        if isinstance(rate, dict):  # a schedule: {name: CosineDecay, initial_learning_rate: ...}
            rate = dict(rate)
            schedule = rate.pop("name", None)
            if not schedule:
                raise ValueError(f"learning_rate schedule needs a 'name' (e.g. CosineDecay); "
                                 f"received {rate}.")
            spec["learning_rate"] = keras.optimizers.schedules.deserialize(
                {"class_name": schedule, "config": rate})
        return keras.optimizers.get({"class_name": name, "config": spec})
    except (TypeError, ValueError) as e:
        raise config_lib.ConfigError(f"{key}: {e}") from None


def compile_model(model, config):
    if isinstance(model, GAN):
        model.compile(g_optimizer=_optimizer(config.train.g_optimizer, "train.g_optimizer"),
                      d_optimizer=_optimizer(config.train.d_optimizer, "train.d_optimizer"),
                      jit_compile=config.train.jit_compile)
    else:
        optimizer = _optimizer(config.train.optimizer, "train.optimizer")
        model.compile(optimizer=optimizer or keras.optimizers.Adam(1e-3),
                      jit_compile=config.train.jit_compile)
    return model


def value_range(model):
    """GANs generate tanh images in [-1, 1]; VAEs and autoencoders model [0, 1]."""
    return "symmetric" if isinstance(model, GAN) else "unit"


def output_dir(config):
    return config.train.output_dir or os.path.join("runs", config.name)


def _sample_quality(model, config, out):
    """The SampleQuality callback against the config's eval split (test images)."""
    from kerasgen import evaluate
    from kerasgen.metrics import SampleQuality

    split = config.data.eval_split or "test"
    images, _, _ = evaluate.real_images(config.data, split, verbose=False)
    features = config.train.metrics_features or evaluate.default_extractor(config.data)
    return SampleQuality(images, features, config.train.metrics,
                         config.train.metrics_num_generated, config.train.metrics_every_epochs,
                         os.path.join(out, "logs"), seed=config.train.seed)


def train(config, verbose="auto", callbacks=()):
    """Train as `kerasgen train` does. Rerunning with the same output_dir resumes from the last
    backup: model weights and optimizer state as of the last backup, re-running the
    interrupted epoch from its start. `callbacks` are added to the standard ones.

    Returns (model, history).
    """
    out = output_dir(config)
    os.makedirs(out, exist_ok=True)
    # Written before training starts, so a crashed run still records what it was.
    config_lib.save(config, os.path.join(out, "config.yaml"))
    keras.utils.set_random_seed(config.train.seed)
    model = compile_model(build_model(config), config)
    steps = getattr(model, "discriminator_steps", 1)  # D sees k fresh minibatches per step
    train_ds, _ = make_dataset(config.data, value_range(model),
                               batch_size=config.data.batch_size * steps)
    eval_ds = None
    if config.data.eval_split and not isinstance(model, GAN):
        eval_ds, _ = make_dataset(config.data, value_range(model), split=config.data.eval_split,
                                  shuffle=False)
    standard = standard_callbacks(
        out, config.train.num_samples, config.train.seed, config.train.sample_every_epochs,
        config.train.checkpoint_every_steps, config.train.tensorboard_update_freq)
    if not hasattr(model, "generate"):  # autoencoders have nothing to sample
        standard = [c for c in standard if type(c).__name__ != "SampleGrid"]
    if config.train.metrics_every_epochs:
        standard.append(_sample_quality(model, config, out))
    history = model.fit(train_ds, epochs=config.train.epochs,
                        steps_per_epoch=config.train.steps_per_epoch, validation_data=eval_ds,
                        callbacks=standard + list(callbacks), verbose=verbose)
    model.save(os.path.join(out, "model.keras"))
    return model, history
