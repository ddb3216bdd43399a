"""Optimizers from plain data (a config's `{name: adam, learning_rate: ...}`), and compiling a
model with them. A leaf module: `kerasgen.zoo` compiles presets with their training
optimizers through it, without importing the training code."""

import inspect

import keras


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
