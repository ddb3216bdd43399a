"""Widen a trained DCGAN's discriminator (critic) to twice its width without changing what it
computes: Net2WiderNet (Chen, Goodfellow & Shlens 2016, "Net2Net"). Every channel is
duplicated and the layer that reads the copies takes half of each original weight from both,
so the wider network starts as the trained one and gains capacity as the copies drift apart.
Batch norm is per channel, and layer normalization over (H, W, C), the WGAN-GP critic's, sees
the same mean and variance after an exact duplication, so the function is preserved under
both. Small noise on the
new weights breaks the symmetry between copies (otherwise they receive equal gradients and
stay equal).

    python -m kerasgen.models.dcgan.widen runs/wgan/model.keras runs/wgan_wide.keras

writes a model with `discriminator_width` doubled, generator (and its EMA copy) unchanged,
no optimizer state; a config then starts from it with `train.init_from`.
"""

import argparse

import keras
import numpy as np
from keras import layers

from kerasgen.models.dcgan.dcgan import DCGAN


def _duplicate(w, axis):
    return np.concatenate([w, w], axis=axis)


def _split(w, axis):
    return np.concatenate([w / 2.0, w / 2.0], axis=axis)


def widen_discriminator(model, noise=0.05, seed=0):
    """A copy of the DCGAN `model` whose discriminator is twice as wide (every layer's
    channels doubled) and computes the same scores up to `noise` (the standard deviation of
    the Gaussian noise added to each widened weight, relative to that weight's own standard
    deviation; 0 gives the same scores up to float rounding). Generators are copied as
    they are."""
    if not isinstance(model, DCGAN):
        raise TypeError(f"widen_discriminator needs a kerasgen DCGAN; received "
                        f"{type(model).__name__}.")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; received {noise}.")
    config = model.get_config()
    config["discriminator_width"] = 2 * model.discriminator_width
    wide = DCGAN.from_config(config)
    wide.generator.set_weights(model.generator.get_weights())
    if model.ema_generator is not None:
        wide.ema_generator.set_weights(model.ema_generator.get_weights())
    rng = np.random.default_rng(seed)
    # The last feature map (s, s, C), flattened with C fastest, is what the score layer and
    # a conditional model's projection embedding read.
    side = tuple(next(layer for layer in model.discriminator.layers
                      if isinstance(layer, layers.Flatten)).input.shape[1:])
    widened_input = False  # whether the current layer reads duplicated channels
    for old, new in zip(model.discriminator.layers, wide.discriminator.layers):
        weights = old.get_weights()
        if not weights:
            continue
        if isinstance(old, layers.Conv2D):
            kernel = _split(weights[0], 2) if widened_input else weights[0]
            out = [_duplicate(kernel, 3)] + [_duplicate(b, 0) for b in weights[1:]]
            widened_input = True
        elif isinstance(old, (layers.LayerNormalization, layers.BatchNormalization)):
            # per channel (batch norm: also its moving statistics), or over (H, W, C)
            out = [_duplicate(w, -1) for w in weights]
        elif isinstance(old, (layers.Dense, layers.Embedding)):
            # Both read the flattened map: halve each copy's share.
            first = weights[0]
            if isinstance(old, layers.Dense):  # (s*s*C, units)
                grid = first.reshape(side + (first.shape[-1],))
                out = [_split(grid, 2).reshape(-1, first.shape[-1])] + weights[1:]
            else:  # (classes, s*s*C)
                grid = first.reshape((first.shape[0],) + side)
                out = [_split(grid, 3).reshape(first.shape[0], -1)]
        else:
            raise TypeError(f"widen_discriminator: no rule for layer {old.name!r} "
                            f"({type(old).__name__}).")
        if noise:
            out = [w + rng.normal(0.0, noise * (w.std() or 1.0), w.shape).astype(w.dtype)
                   if w.ndim > 1 else w for w in out]
        new.set_weights(out)
    return wide


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m kerasgen.models.dcgan.widen",
        description="Double a trained DCGAN's discriminator width (Net2WiderNet); the "
                    "generators are kept.")
    parser.add_argument("source", help="a .keras file of a kerasgen DCGAN")
    parser.add_argument("out", help="the .keras file to write")
    parser.add_argument("--noise", type=float, default=0.05,
                        help="symmetry-breaking noise, relative to each weight's std")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model = keras.saving.load_model(args.source, compile=False)
    wide = widen_discriminator(model, noise=args.noise, seed=args.seed)
    wide.save(args.out)
    print(f"{args.out}: discriminator width {model.discriminator_width} -> "
          f"{wide.discriminator_width}, {model.discriminator.count_params():,} -> "
          f"{wide.discriminator.count_params():,} parameters")


if __name__ == "__main__":
    main()
