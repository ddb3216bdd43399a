"""FID, KID, Inception Score and precision/recall of generated images against real images,
SWD and MS-SSIM variety on their pixels, with the protocol that makes the numbers
reproducible."""

import numpy as np

from kerasgen.metrics import features as features_lib
from kerasgen.metrics.fid import fid_from_features
from kerasgen.metrics.inception_score import inception_score
from kerasgen.metrics.kid import kernel_inception_distance
from kerasgen.metrics.ms_ssim import ms_ssim_diversity
from kerasgen.metrics.precision_recall import precision_recall
from kerasgen.metrics.swd import sliced_wasserstein_distance

class SampleMetric:
    """A registered sample-quality metric: `fn(real, generated, **context)` -> dict of
    numbers; `needs` "features" (real/generated are extractor features, context holds
    `generated_probs`, `seed` and the options) or "images" (uint8 image arrays, e.g. a
    metric on pixels such as SWD); `protocol(**options)` describes how it was computed;
    `higher_is_better` says which way its numbers improve (None: not one direction)."""

    def __init__(self, name, fn, needs="features", protocol=None, higher_is_better=None):
        if needs not in ("features", "images"):
            raise ValueError(f"needs must be 'features' or 'images'; received {needs!r}.")
        if higher_is_better not in (True, False, None):
            raise ValueError(f"higher_is_better must be True, False or None; received "
                             f"{higher_is_better!r}.")
        self.name, self.fn, self.needs, self.protocol = name, fn, needs, protocol
        self.higher_is_better = higher_is_better


# The metrics that rank models by one number, and whether higher is better: what a greedy
# model soup selects by (`kerasgen average --greedy`, a config's `average: {greedy: ...}`).
# Every metric's direction is `SampleMetric.higher_is_better`; swd and ms_ssim are not soup
# criteria: swd reports one number per pyramid level (the soup reads one key per metric),
# and ms_ssim measures variety, not quality (noise would win).
HIGHER_IS_BETTER = {"is": True, "fid": False, "kid": False}


# name -> SampleMetric, in registration order; `register_sample_metric` adds one, so
# `kerasgen evaluate --metrics NAME` and the training-time callback take it.
SAMPLE_METRICS = {}


def register_sample_metric(name, needs="features", protocol=None, higher_is_better=None):
    """Decorator: register `fn(real, generated, **context) -> {key: number}` as a sample
    metric (see SampleMetric); a name registered twice raises."""
    def decorator(fn):
        if name in SAMPLE_METRICS:
            raise KeyError(f"sample metric {name!r} is already registered.")
        SAMPLE_METRICS[name] = SampleMetric(name, fn, needs, protocol, higher_is_better)
        return fn

    return decorator


def check_metrics(metrics, allowed=None):
    allowed = tuple(SAMPLE_METRICS) if allowed is None else tuple(allowed)
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in allowed]
    if unknown or not metrics:
        raise ValueError(f"Unknown metric(s) {unknown or metrics}; expected a subset of "
                         f"{', '.join(allowed)}.")
    return metrics


@register_sample_metric("fid", higher_is_better=False)
def _fid(real_features, generated_features, **context):
    return {"fid": fid_from_features(real_features, generated_features)}


@register_sample_metric("kid", higher_is_better=False,
                        protocol=lambda kid_subsets=100, kid_subset_size=1000, seed=0,
                        num_real=None, num_generated=None, **_: {
    "kernel": "(x.y / d + 1)^3", "num_subsets": kid_subsets,
    "subset_size": min(kid_subset_size, num_real, num_generated), "seed": seed})
def _kid(real_features, generated_features, kid_subsets=100, kid_subset_size=1000, seed=0,
         **context):
    mean, std = kernel_inception_distance(real_features, generated_features, kid_subsets,
                                          kid_subset_size, seed)
    return {"kid_mean": mean, "kid_std": std}


@register_sample_metric("is", higher_is_better=True,
                        protocol=lambda is_splits=10, **_: {"splits": is_splits})
def _inception_score(real_features, generated_features, generated_probs=None, is_splits=10,
                     **context):
    mean, std = inception_score(generated_probs, is_splits)
    return {"is_mean": mean, "is_std": std}


@register_sample_metric("pr", higher_is_better=True,
                        protocol=lambda pr_k=3, **_: {"k": pr_k, "max_images": 10_000})
def _precision_recall(real_features, generated_features, pr_k=3, **context):
    # Kynkäänniemi et al. use up to 50k images; pairwise distances are O(N^2), so cap.
    precision, recall = precision_recall(real_features[:10_000],
                                         generated_features[:10_000], pr_k)
    return {"precision": precision, "recall": recall}


@register_sample_metric("swd", needs="images", higher_is_better=False,
                        protocol=lambda seed=0, **_: {
    "paper": "Karras et al. 2018, Appendix D",
    "levels": "Laplacian pyramid (5x5 binomial kernel) from full size down to 16 px",
    "descriptors": "128 random 7x7 patches per image per level, normalized per channel by "
                   "each set's mean and std",
    "directions": 512, "scale": "x1e3, per level and their mean", "seed": seed})
def _swd(real_images, generated_images, seed=0, **context):
    return sliced_wasserstein_distance(real_images, generated_images, seed=seed)


# Lower is more varied; read it beside ms_ssim_real, since noise scores lowest of all.
@register_sample_metric("ms_ssim", needs="images", higher_is_better=False,
                        protocol=lambda ms_ssim_pairs=1000, seed=0, **_: {
    "pairs": ms_ssim_pairs, "of": "distinct images of each set, drawn with the seed",
    "window": "7x7 Gaussian, sigma 1.5",
    "scales": "Wang et al. 2003's of those >= 7 px (64 px: 4), weights renormalized",
    "seed": seed})
def _ms_ssim(real_images, generated_images, ms_ssim_pairs=1000, seed=0, **context):
    return ms_ssim_diversity(real_images, generated_images, ms_ssim_pairs, seed)


def scores_from_outputs(real_features, generated_features, generated_probs,
                        metrics=("fid", "kid", "is"), real_images=None, generated_images=None,
                        **options):
    """The requested metrics from already extracted features/probabilities (and, for metrics
    on pixels, the uint8 images). `options`: kid_subsets, kid_subset_size, is_splits, pr_k,
    ms_ssim_pairs, seed, and whatever a registered metric takes.

    Returns a dict: fid; kid_mean, kid_std; is_mean, is_std; precision, recall; swd_<size>
    per pyramid level and swd_mean; ms_ssim, ms_ssim_real; ...
    """
    metrics = check_metrics(metrics)
    out = {}
    for name in metrics:
        metric = SAMPLE_METRICS[name]
        if metric.needs == "images":
            if real_images is None or generated_images is None:
                raise ValueError(f"metric {name!r} is computed on images; pass real_images "
                                 "and generated_images.")
            out.update(metric.fn(real_images, generated_images, **options))
        else:
            out.update(metric.fn(real_features, generated_features,
                                 generated_probs=generated_probs, **options))
    return out


def compute_metrics(real_images, generated_images, extractor, metrics=("fid", "kid", "is"),
                    batch_size=500, real_description="real images",
                    generated_description="generated images", verbose=True, **options):
    """Sample-quality metrics of one image set against another.

    Args:
        real_images: (N, H, W, C) uint8 or float in [0, 1], or an iterable of such batches.
        generated_images: the same, for the set being judged.
        extractor: a `FeatureExtractor` or its name (e.g. "classifier_mnist").
        metrics: any of "fid", "kid", "is" (of the generated set), "pr", and on pixels
            "swd", "ms_ssim" (any registered sample metric).
        real_description / generated_description: recorded in the protocol.
        **options: kid_subsets, kid_subset_size, is_splits, pr_k, ms_ssim_pairs, seed.

    Returns:
        {"metrics": {...}, "protocol": {...}}.

    Example:
    >>> kerasgen.metrics.compute_metrics(x_test, gan.generate(10000), "classifier_mnist")
    """
    extractor = features_lib.get_extractor(extractor)
    metrics = check_metrics(metrics)

    def batches(images):
        if isinstance(images, np.ndarray) or hasattr(images, "numpy"):
            return features_lib.image_batches(np.asarray(images), batch_size), len(images)
        return images, None

    real_iter, real_total = batches(real_images)
    gen_iter, gen_total = batches(generated_images)
    kept = None
    if any(SAMPLE_METRICS[m].needs == "images" for m in metrics):  # they read the pixels
        kept = [], []
        real_iter = features_lib.keeping_uint8(real_iter, kept[0])
        gen_iter = features_lib.keeping_uint8(gen_iter, kept[1])
    real_f, _, num_real = features_lib.extract(extractor, real_iter, real_total,
                                               f"Features of {real_description}", verbose)
    gen_f, gen_p, num_gen = features_lib.extract(extractor, gen_iter, gen_total,
                                                 f"Features of {generated_description}", verbose)
    pixels = {} if kept is None else {"real_images": np.concatenate(kept[0]),
                                      "generated_images": np.concatenate(kept[1])}
    scores = scores_from_outputs(real_f, gen_f, gen_p, metrics, **pixels, **options)
    return {"metrics": scores,
            "protocol": protocol(extractor, metrics, real_description, num_real,
                                 generated_description, num_gen, **options)}


def protocol(extractor, metrics, real_description, num_real, generated_description,
             num_generated, **options):
    out = {"features": extractor.protocol(),
           "real": {"description": real_description, "num_images": int(num_real)},
           "generated": {"description": generated_description, "num_images": int(num_generated)}}
    for name in metrics:
        describe = SAMPLE_METRICS[name].protocol
        if describe is not None:
            out[name] = describe(num_real=num_real, num_generated=num_generated, **options)
    return out
