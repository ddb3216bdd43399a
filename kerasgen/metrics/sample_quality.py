"""FID, KID, Inception Score and precision/recall of generated images against real images,
with the protocol that makes the numbers reproducible."""

import numpy as np

from kerasgen.metrics import features as features_lib
from kerasgen.metrics.fid import fid_from_features
from kerasgen.metrics.inception_score import inception_score
from kerasgen.metrics.kid import kernel_inception_distance
from kerasgen.metrics.precision_recall import precision_recall

SAMPLE_METRICS = ("fid", "kid", "is", "pr")
# The metrics that rank models by one number, and whether higher is better: what a greedy
# model soup selects by (`kerasgen average --greedy`, a config's `average: {greedy: ...}`).
HIGHER_IS_BETTER = {"is": True, "fid": False, "kid": False}


def check_metrics(metrics, allowed=SAMPLE_METRICS):
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in allowed]
    if unknown or not metrics:
        raise ValueError(f"Unknown metric(s) {unknown or metrics}; expected a subset of "
                         f"{', '.join(allowed)}.")
    return metrics


def scores_from_outputs(real_features, generated_features, generated_probs,
                        metrics=("fid", "kid", "is"), kid_subsets=100, kid_subset_size=1000,
                        is_splits=10, pr_k=3, seed=0):
    """The requested metrics from already extracted features/probabilities.

    Returns a dict: fid; kid_mean, kid_std; is_mean, is_std; precision, recall.
    """
    metrics = check_metrics(metrics)
    out = {}
    if "fid" in metrics:
        out["fid"] = fid_from_features(real_features, generated_features)
    if "kid" in metrics:
        out["kid_mean"], out["kid_std"] = kernel_inception_distance(
            real_features, generated_features, kid_subsets, kid_subset_size, seed)
    if "is" in metrics:
        out["is_mean"], out["is_std"] = inception_score(generated_probs, is_splits)
    if "pr" in metrics:
        # Kynkäänniemi et al. use up to 50k images; pairwise distances are O(N^2), so cap.
        out["precision"], out["recall"] = precision_recall(real_features[:10_000],
                                                           generated_features[:10_000], pr_k)
    return out


def compute_metrics(real_images, generated_images, extractor, metrics=("fid", "kid", "is"),
                    batch_size=500, real_description="real images",
                    generated_description="generated images", verbose=True, **options):
    """Sample-quality metrics of one image set against another.

    Args:
        real_images: (N, H, W, C) uint8 or float in [0, 1], or an iterable of such batches.
        generated_images: the same, for the set being judged.
        extractor: a `FeatureExtractor` or its name (e.g. "classifier_mnist").
        metrics: any of "fid", "kid", "is" (of the generated set), "pr".
        real_description / generated_description: recorded in the protocol.
        **options: kid_subsets, kid_subset_size, is_splits, pr_k, seed.

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
    real_f, _, num_real = features_lib.extract(extractor, real_iter, real_total,
                                               f"Features of {real_description}", verbose)
    gen_f, gen_p, num_gen = features_lib.extract(extractor, gen_iter, gen_total,
                                                 f"Features of {generated_description}", verbose)
    scores = scores_from_outputs(real_f, gen_f, gen_p, metrics, **options)
    return {"metrics": scores,
            "protocol": protocol(extractor, metrics, real_description, num_real,
                                 generated_description, num_gen, **options)}


def protocol(extractor, metrics, real_description, num_real, generated_description,
             num_generated, kid_subsets=100, kid_subset_size=1000, is_splits=10, pr_k=3, seed=0):
    out = {"features": extractor.protocol(),
           "real": {"description": real_description, "num_images": int(num_real)},
           "generated": {"description": generated_description, "num_images": int(num_generated)}}
    if "kid" in metrics:
        out["kid"] = {"kernel": "(x.y / d + 1)^3", "num_subsets": kid_subsets,
                      "subset_size": min(kid_subset_size, num_real, num_generated), "seed": seed}
    if "is" in metrics:
        out["is"] = {"splits": is_splits}
    if "pr" in metrics:
        out["pr"] = {"k": pr_k, "max_images": 10_000}
    return out
