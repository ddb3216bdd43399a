"""Scoring samplers and likelihood models: sample-quality metrics against real images, the
nearest-neighbour memorization check, and NLL in nats and bits/dim."""

import math
import os
import time

import keras
import numpy as np

from kerasgen.images import heat_map_grid
from kerasgen.metrics import features as features_lib
from kerasgen.metrics.nearest import memorization
from kerasgen.metrics.nearest import nearest_neighbour_grid
from kerasgen.metrics.sample_quality import SAMPLE_METRICS
from kerasgen.metrics.sample_quality import check_metrics
from kerasgen.models.capabilities import DensityModel
from kerasgen.models.capabilities import Sampler
from kerasgen.models.capabilities import capabilities
from kerasgen.metrics.sample_quality import protocol as sample_protocol
from kerasgen.metrics.sample_quality import scores_from_outputs
from kerasgen.evaluation.real_data import check_distinct_splits
from kerasgen.evaluation.real_data import default_extractor
from kerasgen.evaluation.real_data import real_images


LIKELIHOOD_METRICS = ("nll",)  # of a DensityModel on real images


def metrics_known():
    """Every metric `evaluate` computes: the registered sample metrics, then likelihood."""
    return tuple(SAMPLE_METRICS) + LIKELIHOOD_METRICS
# Domain classifiers for the datasets they were trained on, by the data folder's name.
# -- likelihood ------------------------------------------------------------------------------
def density_inputs(model, images, seed=0):
    """uint8 images (N, H, W, C) -> what `model.log_prob` scores: binarized once with `seed`
    (x ~ Bernoulli(pixel / 255)) for models of binary pixels, else the model's data range."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise ValueError(f"Expected uint8 images (N, H, W, C); received {images.dtype} "
                         f"{images.shape}.")
    x = images.astype(np.float32) / 255.0
    if model.binary:
        x = (np.random.default_rng(seed).uniform(size=x.shape) < x).astype(np.float32)
    elif model.data_range == "symmetric":
        x = x * 2.0 - 1.0
    return x


def check_pixel_terms(model):
    if not isinstance(model, DensityModel) or not model.pixel_terms:
        raise ValueError(f"heat maps need per-pixel log-probabilities (a DensityModel with "
                         f"pixel_terms, such as a PixelCNN); {type(model).__name__} has "
                         f"capabilities {', '.join(capabilities(model)) or 'none'} and no "
                         "per-pixel terms.")


def heat_maps(model, images, path, labels=None, seed=0, count=16):
    """The first `count` images, as `negative_log_likelihood` scores them (binarized with the
    same seed), beside their per-pixel costs -log p(x_i | x_<i) in nats, written to `path`
    (`kerasgen.images.heat_map_grid`): where a likelihood model finds an image surprising.
    Returns what the report records."""
    check_pixel_terms(model)
    x = density_inputs(model, images, seed)[:count]
    conditions = {} if labels is None else {"labels": labels[:count]}
    costs = -np.asarray(model.log_prob_map(x, **conditions))
    _, top = heat_map_grid(x if model.data_range == "unit" else (x + 1.0) / 2.0, costs, path)
    return {"png": path, "images": len(x), "nats_at_white": round(top, 4),
            "layout": "each image beside its -log p(x_i | x_<i) per pixel, black 0, white "
                      "at nats_at_white or more"}


def negative_log_likelihood(model, images, num_samples=None, labels=None, seed=0,
                            verbose=True, batch_size=None):
    """-log p(x) of a `DensityModel` over a whole image set, in nats per image.

    Args:
        model: a `DensityModel` (a VAE's importance-sampled estimate with k = num_samples,
            Burda et al. 2016; a PixelCNN's exact likelihood).
        images: uint8 (N, H, W, C). Models of binary pixels (`model.binary`) see them
            binarized once with `seed` (x ~ Bernoulli(pixel / 255)), the usual test set for
            dynamically binarized MNIST; others see them in the model's `data_range`.
        num_samples: k for estimators (None: the model's default).
        labels: (N,) class ids for a conditional model, else None.

    Returns:
        dict with nll_nats (mean), nll_nats_stderr, bits_per_dim, and the protocol.
    """
    images = np.asarray(images)
    x = density_inputs(model, images, seed)
    batch_size = int(batch_size or model.log_prob_batch_size(num_samples))
    bar = keras.utils.Progbar(len(x), unit_name="image") if verbose else None
    joint = labels is not None and model.classifies
    log_px, log_joint, start_time = [], [], time.time()
    for index, start in enumerate(range(0, len(x), batch_size)):
        batch = x[start:start + batch_size]
        step_seed = seed * 1_000_003 + index
        conditions = {} if labels is None else {"labels": labels[start:start + batch_size]}
        log_px.append(np.asarray(model.log_prob(batch, num_samples=num_samples,
                                                seed=step_seed, **conditions)))
        if joint:
            log_joint.append(np.asarray(model.class_log_joint(batch, num_samples=num_samples)))
        if bar is not None:
            bar.update(min(start + batch_size, len(x)))
    log_px = np.concatenate(log_px).astype(np.float64)
    dims = int(np.prod(images.shape[1:]))
    protocol = dict(model.density_protocol(num_samples), num_images=len(log_px), dims=dims,
                    binarization=f"once, seed {seed}" if model.binary else "none (pixel/255)",
                    seconds=round(time.time() - start_time, 1))
    result = dict(_nll_summary(log_px, dims), protocol=protocol)
    if joint:
        # The labels condition the first figures (log p(x | y)); log p(x) sums y out, and
        # argmax_y p(y | x) classifies.
        log_joint = np.concatenate(log_joint).astype(np.float64)
        marginal = np.logaddexp.reduce(log_joint, axis=1)
        result.update({f"marginal_{k}": v for k, v in _nll_summary(marginal, dims).items()})
        result["class_accuracy"] = float((log_joint.argmax(1) == np.asarray(labels)).mean())
        protocol["conditioning"] = ("nll_nats: log p(x | y) with the true labels; "
                                    "marginal_nll_nats: log p(x) = log sum_y p(y) p(x | y), "
                                    "p(y) the training label frequencies; class_accuracy: "
                                    "argmax_y p(y | x) against the labels")
    return result


def _nll_summary(log_px, dims):
    nll = float(-log_px.mean())
    return {
        "nll_nats": nll,
        "nll_nats_stderr": float(log_px.std(ddof=1) / math.sqrt(len(log_px)))
        if len(log_px) > 1 else float("nan"),
        "bits_per_dim": nll / (dims * math.log(2.0)),
    }


# -- the whole evaluation --------------------------------------------------------------------
def evaluate(model, data, metrics=("fid", "kid", "is"), features=None, num_generated=10_000,
             num_real=None, split="test", nll_samples=1000, nearest_path=None, num_nearest=16,
             heat_map_path=None,
             seed=0, batch_size=500, verbose=True, sampling=None):
    """Evaluate a model; returns the report dict (metrics + protocol).

    Args:
        model: a kerasgen model (`generate` for sample metrics, a VAE for "nll").
        data: a `kerasgen.config.DataConfig` describing the real images.
        metrics: subset of "fid", "kid", "is", "pr", "nll".
        features: extractor name or object; default: the domain classifier for the data
            folder ("mnist", "fashion-mnist"), else an error asking for one.
        num_generated: generated images for the sample metrics.
        num_real: cap on real images (default: the whole split).
        split: the real split compared against ("test" by default).
        nll_samples: k for the likelihood.
        nearest_path: write the nearest-neighbour PNG here and add the memorization score.
        heat_map_path: write the first 16 real images beside their per-pixel costs here
            (`heat_maps`; models with `pixel_terms`).
        sampling: sampling options the samples are drawn with, among those the model
            declares (`sampling_options`: StyleGAN's truncation, PixelCNN's temperature).
    """
    metrics = check_metrics(metrics, metrics_known()) if (
        metrics or not (nearest_path or heat_map_path)) else ()
    report = {"metrics": {}, "protocol": {"split": split, "seed": seed}}
    sample_metrics = [m for m in metrics if m in SAMPLE_METRICS]
    needs_samples = bool(sample_metrics or nearest_path)
    if needs_samples and not isinstance(model, Sampler):
        raise ValueError(f"{type(model).__name__} cannot generate (capabilities: "
                         f"{', '.join(capabilities(model)) or 'none'}), so "
                         f"{sample_metrics or 'the nearest-neighbour check'} do not apply; "
                         "use nll for likelihood models.")
    sampling = check_sampling(model, sampling, needs_samples, metrics)
    if "nll" in metrics and not isinstance(model, DensityModel):
        raise ValueError(f"nll needs a model with a likelihood (a DensityModel such as a VAE "
                         f"or a PixelCNN); {type(model).__name__} has capabilities "
                         f"{', '.join(capabilities(model)) or 'none'}.")
    if heat_map_path:
        check_pixel_terms(model)  # before any data is read
    if nearest_path:
        check_distinct_splits(data, split)
    images, labels, description = real_images(data, split, num_real, verbose)
    report["protocol"]["real"] = description
    if heat_map_path:
        cond = labels if model.num_classes_declared else None
        report["heat_maps"] = heat_maps(model, images, heat_map_path, cond, seed)

    if "nll" in metrics:
        cond = labels if model.num_classes_declared else None
        result = negative_log_likelihood(model, images, nll_samples, labels=cond, seed=seed,
                                         verbose=verbose)
        report["protocol"]["nll"] = result.pop("protocol")
        report["metrics"].update(result)

    if needs_samples:
        extractor = features_lib.get_extractor(features or default_extractor(data))
        if extractor.num_classes == 0 and "is" in sample_metrics:
            raise ValueError(f"{extractor.name} features have no classes, so the Inception "
                             "Score is undefined; drop 'is' or use a classifier extractor.")
        classes = model.num_classes_declared
        options = {**model.cycling_options(num_generated), **sampling}
        gen_labels = options.get("labels") if classes else None
        images_needed = any(SAMPLE_METRICS[m].needs == "images" for m in sample_metrics)
        kept = [] if images_needed else None
        real_f, real_p, _ = features_lib.extract(
            extractor, features_lib.image_batches(images, batch_size), len(images),
            f"Features of {description}", verbose)
        batches = features_lib.generated_batches(model, num_generated, batch_size, seed, options)
        if kept is not None:  # a metric on pixels reads the samples themselves
            batches = _keeping(batches, kept)
        gen_f, gen_p, _ = features_lib.extract(
            extractor, batches, num_generated, f"Features of {num_generated} generated images",
            verbose)
        if sample_metrics:
            generated_images = np.concatenate(kept) if kept is not None else None
            report["metrics"].update(scores_from_outputs(
                real_f, gen_f, gen_p, sample_metrics, real_images=images,
                generated_images=generated_images, seed=seed))
        generated = (f"{num_generated} samples, seed {seed}"
                     + (", labels cycling 0..K-1" if classes else "")
                     + "".join(f", {key} {value:g}" for key, value in sampling.items()))
        report["protocol"].update(sample_protocol(extractor, sample_metrics, description,
                                                  len(images), generated, num_generated,
                                                  seed=seed))
        if gen_labels is not None and gen_p.shape[1] == classes:
            # Only meaningful when the extractor classifies the model's own classes (a domain
            # classifier), not for InceptionV3's ImageNet classes.
            predicted = gen_p.argmax(axis=1)
            report["metrics"]["class_accuracy"] = float((predicted == gen_labels).mean())
        if "is" in sample_metrics:
            # The real split's own score: the ceiling this extractor gives real data.
            report["metrics"]["is_real_mean"] = scores_from_outputs(
                real_f, real_f, real_p, ("is",))["is_mean"]
        if sampling:
            report["protocol"]["sampling"] = dict(sampling)
        if nearest_path:
            report.update(_nearest(model, data, extractor, images, real_f, gen_f, num_nearest,
                                   nearest_path, seed, batch_size, verbose, sampling))
            report["protocol"]["train"] = report["nearest_neighbours"]["train"]
    return report


def check_sampling(model, sampling, needs_samples, metrics):
    """The sampling options of an evaluation as a dict, refused by name where the model does
    not declare them or where nothing asked for is generated."""
    sampling = dict(sampling or {})
    if not sampling:
        return sampling
    # The seed is the evaluation's own, and labels cycle through the classes.
    declared = tuple(o for o in (model.sampling_options if isinstance(model, Sampler) else ())
                     if o not in ("seed", "labels"))
    unknown = [key for key in sampling if key not in declared]
    if unknown:
        raise ValueError(f"{type(model).__name__} does not take the sampling option(s) "
                         f"{', '.join(unknown)}; it takes {', '.join(declared) or 'none'}.")
    if not needs_samples:
        raise ValueError(f"Sampling options ({', '.join(sampling)}) shape generated samples, "
                         f"and {', '.join(metrics) or 'nothing asked'} generates none; "
                         "expected a sample metric (fid, kid, ...) or --nearest-neighbours.")
    return sampling


def _nearest(model, data, extractor, test_images, test_f, gen_f, num_nearest, path, seed,
             batch_size, verbose, sampling=None):
    """Nearest training images of generated samples, and the memorization score."""
    train_images, _, train_description = real_images(data, "train", verbose=verbose)
    train_f, _, _ = features_lib.extract(
        extractor, features_lib.image_batches(train_images, batch_size), len(train_images),
        f"Features of {train_description}", verbose)
    samples = np.asarray(model.generate(num_nearest, seed=seed,
                                        **model.cycling_options(num_nearest),
                                        **(sampling or {})))
    sample_f, _ = extractor.outputs(samples)
    _, info = nearest_neighbour_grid(samples, train_images, sample_f, train_f, path)
    return {"memorization": memorization(gen_f, train_f, test_f),
            "nearest_neighbours": {"png": os.path.abspath(path), "train": train_description,
                                   "rows": ["generated", "nearest train image (pixel L2)",
                                            f"nearest train image ({extractor.name} cosine)"],
                                   **info}}


def _keeping(batches, kept):
    """The batches, each also kept as uint8 in `kept`."""
    from kerasgen.images import to_uint8

    for batch in batches:
        kept.append(np.asarray(to_uint8(batch)))
        yield batch


