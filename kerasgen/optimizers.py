"""Optimizers from plain data (a config's `{name: adam, learning_rate: ...}`), and compiling a
model with them. A leaf module: `kerasgen.zoo` compiles presets with their training
optimizers through it, without importing the training code."""

import inspect

import keras


@keras.saving.register_keras_serializable(package="kerasgen")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The CycleGAN schedule (Zhu et al. 2017, Sec. 4): `initial_learning_rate` for
    `constant_epochs`, then linear decay to 0 over `decay_epochs` more (100 + 100 in the
    paper). Counted in optimizer steps, so a model restored from a `.keras` file or a backup
    (which keeps the optimizer's iterations) continues where it stopped."""

    def __init__(self, initial_learning_rate, constant_epochs, decay_epochs,
                 steps_per_epoch):
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_epochs = float(constant_epochs)
        self.decay_epochs = float(decay_epochs)
        if not steps_per_epoch or int(steps_per_epoch) < 1:
            raise ValueError("constant_then_linear needs steps_per_epoch >= 1 (kerasgen "
                             f"train fills it in from the data); received {steps_per_epoch}.")
        if self.constant_epochs < 0 or self.decay_epochs <= 0:
            raise ValueError("constant_then_linear needs constant_epochs >= 0 and "
                             f"decay_epochs > 0; received {constant_epochs} and "
                             f"{decay_epochs}.")
        self.steps_per_epoch = int(steps_per_epoch)

    def __call__(self, step):
        epoch = keras.ops.cast(step, "float32") / self.steps_per_epoch
        fraction = keras.ops.clip((epoch - self.constant_epochs) / self.decay_epochs, 0.0, 1.0)
        return self.initial_learning_rate * (1.0 - fraction)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "constant_epochs": self.constant_epochs, "decay_epochs": self.decay_epochs,
                "steps_per_epoch": self.steps_per_epoch}


# Schedules of kerasgen's own, by their config name.
SCHEDULES = {"constant_then_linear": ConstantThenLinearDecay}


def unfilled_schedule(spec):
    """The learning-rate schedule of an optimizer spec if it counts epochs
    (constant_then_linear) and has no steps_per_epoch yet; else None."""
    rate = (spec or {}).get("learning_rate")
    if isinstance(rate, dict) and rate.get("name") in SCHEDULES and \
            not rate.get("steps_per_epoch"):
        return rate
    return None


def fill_steps_per_epoch(spec, steps_per_epoch):
    """A copy of an optimizer spec whose constant_then_linear schedule has steps_per_epoch
    (kept if given); other specs unchanged."""
    rate = unfilled_schedule(spec)
    if rate is None:
        return spec
    return dict(spec, learning_rate=dict(rate, steps_per_epoch=int(steps_per_epoch)))


def initial_rate_if_unfilled(spec):
    """A copy of an optimizer spec whose epoch-counted schedule has no steps_per_epoch, with
    the schedule replaced by its initial learning rate (a constant); other specs unchanged.
    For a model loaded to fine-tune: the epochs of the run that wrote the config are over,
    and only `kerasgen train` knows an epoch's steps (from the data)."""
    rate = unfilled_schedule(spec)
    if rate is None:
        return spec
    return dict(spec, learning_rate=rate["initial_learning_rate"])


def from_spec(spec, key):
    """A Keras optimizer from `{name: ..., **kwargs}` (learning_rate may be a schedule
    `{name: CosineDecay, ...}`); None stays None. ValueError names `key`."""
    if spec is None:
        return None
    spec = dict(spec)
    name = spec.pop("name", None)
    if not name:
        raise ValueError(f"{key}: needs a 'name' (e.g. adam); received {spec}.")
    try:
        rate = spec.get("learning_rate")
        if isinstance(rate, dict):  # a schedule: {name: CosineDecay, initial_learning_rate: ...}
            rate = dict(rate)
            schedule = rate.pop("name", None)
            if not schedule:
                raise ValueError(f"learning_rate schedule needs a 'name' (e.g. CosineDecay); "
                                 f"received {rate}.")
            if schedule in SCHEDULES:
                spec["learning_rate"] = SCHEDULES[schedule](**rate)
            else:
                spec["learning_rate"] = keras.optimizers.schedules.deserialize(
                    {"class_name": schedule, "config": rate})
        return keras.optimizers.get({"class_name": name, "config": spec})
    except (TypeError, ValueError) as e:
        raise ValueError(f"{key}: {e}") from None


def two_players(model):
    """Models with a generator and a discriminator compile with g_ and d_optimizer."""
    return {"g_optimizer", "d_optimizer"} <= set(inspect.signature(model.compile).parameters)


def compile_with(model, train, jit_compile=False):
    """Compile `model` with the optimizers of a config's `train` section (a dict or an object
    with optimizer / g_optimizer / d_optimizer); missing ones use the model's defaults."""
    get = train.get if isinstance(train, dict) else (lambda k: getattr(train, k, None))
    if two_players(model):
        model.compile(g_optimizer=from_spec(get("g_optimizer"), "train.g_optimizer"),
                      d_optimizer=from_spec(get("d_optimizer"), "train.d_optimizer"),
                      jit_compile=jit_compile)
    else:
        optimizer = from_spec(get("optimizer"), "train.optimizer")
        model.compile(optimizer=optimizer or keras.optimizers.Adam(1e-3),
                      jit_compile=jit_compile)
    return model
