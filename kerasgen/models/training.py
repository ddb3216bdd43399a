"""The update block every adversarial train step shares: loss scaling, the global-batch mean
over replicas, gradients, apply; and each player's optimizer under a dtype policy."""

import keras

from kerasgen import distribute


def scaled_mean(optimizer, per_example):
    """Inside the tape: the per-replica share of the global-batch mean, loss-scaled (a no-op
    unless the optimizer is a LossScaleOptimizer)."""
    return optimizer.scale_loss(distribute.global_mean(per_example))


def apply(optimizer, tape, scaled_loss, variables):
    """Outside the tape: gradients of `scaled_loss` applied to `variables` (the optimizer
    unscales them and sums over replicas)."""
    grads = tape.gradient(scaled_loss, variables)
    optimizer.apply_gradients(zip(grads, variables))


def player_optimizer(optimizer, policy, default):
    """`optimizer` (anything `keras.optimizers.get` takes) or `default`, wrapped in a
    LossScaleOptimizer under mixed_float16, where float16 gradients would underflow."""
    optimizer = keras.optimizers.get(optimizer) if optimizer else default
    if policy.name == "mixed_float16" and not isinstance(
            optimizer, keras.optimizers.LossScaleOptimizer):
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer
