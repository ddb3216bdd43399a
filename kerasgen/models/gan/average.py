"""Uniform weight averaging of a GAN's generator across trained snapshots.

Stochastic weight averaging (Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima
and Better Generalization") averages the weights a run passes through at the low points of a
cyclical learning rate; Yazici et al. 2019 ("The Unusual Effectiveness of Averaging in GAN
Training") found uniform and exponential averages of GAN generators both beat the last
iterate. The EMA generator kerasgen keeps (`ema_decay`) averages over about 1 / (1 - decay)
steps of one run; this averages whole snapshots, e.g. the ends of several learning-rate
cycles that each decayed to 0, which an EMA of one run cannot reach.

Batch-norm moving statistics are averaged too, but statistics do not average the way the
weights do: recompute them for the averaged weights (`model.precise_batch_norm`, which
`kerasgen average` does) before sampling. Keras has no weight-averaging utility for
whole models (optimizers' `use_ema` keeps one run's EMA), hence this module.
"""

import numpy as np

from kerasgen.models.gan.gan import GAN


def _generator_signature(model):
    return [(w.path.split("/", 1)[-1], tuple(w.shape)) for w in model.generator.weights]


def average_generators(models, base=-1):
    """A new model whose generator and EMA generator hold the element-wise mean of the
    snapshots' generators and EMA generators; its config and every other weight (the
    discriminator or critic) are those of `models[base]`.

    Args:
        models: two or more kerasgen GANs with the same generator architecture (the same
            class and the same generator weight shapes, all with or all without an EMA
            generator), e.g. snapshots of one run or runs started from one another with
            `train.init_from`. Their discriminators may differ.
        base: index of the snapshot that gives the config and the discriminator. The
            default, the last, is what stochastic weight averaging does: sampling does not
            use the discriminator, and a run continued from the result goes on from the
            latest iterate's.
    """
    models = list(models)
    if len(models) < 2:
        raise ValueError(f"average_generators needs at least 2 models; received "
                         f"{len(models)}.")
    if not -len(models) <= base < len(models):
        raise ValueError(f"base must index one of the {len(models)} models; received {base}.")
    for i, model in enumerate(models):
        if not isinstance(model, GAN):
            raise TypeError(f"average_generators needs kerasgen GANs; model {i} is a "
                            f"{type(model).__name__}.")
        if type(model) is not type(models[0]):
            raise ValueError(f"average_generators needs models of one class; model 0 is a "
                             f"{type(models[0]).__name__}, model {i} a "
                             f"{type(model).__name__}.")
        if _generator_signature(model) != _generator_signature(models[0]):
            raise ValueError(
                f"average_generators needs one generator architecture; model {i}'s generator "
                f"weights ({model.generator.count_params():,} parameters in "
                f"{len(model.generator.weights)} arrays) differ from model 0's "
                f"({models[0].generator.count_params():,} in "
                f"{len(models[0].generator.weights)}): compare their generator settings.")
        if (model.ema_generator is None) != (models[0].ema_generator is None):
            raise ValueError(f"average_generators needs all models with an EMA generator or "
                             f"none; model 0 has ema_decay={models[0].ema_decay}, model {i} "
                             f"ema_decay={model.ema_decay}.")
    # The result is as a fresh model gets built (from its config) and then given weights, as
    # `kerasgen.zoo.package` does, so the inputs are left unchanged.
    average = type(models[base]).from_config(models[base].get_config())
    average.set_weights(models[base].get_weights())
    for attr in ("generator", "ema_generator"):
        nets = [getattr(model, attr) for model in models]
        if nets[0] is None:
            continue
        snapshots = [net.get_weights() for net in nets]
        getattr(average, attr).set_weights(
            [np.mean(np.stack(arrays), axis=0).astype(arrays[0].dtype)
             for arrays in zip(*snapshots)])
    return average
