"""Scores of an attribute translation (CycleGAN between faces without and with an attribute),
judged by a multi-label attribute classifier, as Zhu et al. judge theirs with an FCN.

For images of the source domain translated towards the target domain:
- `target_before` / `target_after`: the share the classifier judges to carry the target value
  of the attribute (present for A -> B, absent for B -> A), on the inputs and on the outputs;
- `target_real`: the same share on real images of the target domain, when given: what a
  perfect translation would score under this judge (its sensitivity, or its specificity);
- `others_unchanged`: the share of (image, other attribute) verdicts that are the same on the
  output as on the input;
- `cycle_l1`: mean |back(translate(x)) - x| on [0, 1] pixels;
- `fid` / `fid_input`: FID of the outputs / of the inputs themselves against real images of
  the target domain, in the classifier's features.
"""

import numpy as np

from kerasgen.metrics.sample_quality import scores_from_outputs


def decide(classifier, x):
    """Boolean (B, K) verdicts on a [0, 1] batch: the classifier's own (`decide`: its
    calibrated thresholds, else sigmoid > 0.5)."""
    if hasattr(classifier, "decide"):  # a kerasgen FeatureExtractor's calibrated verdicts
        return np.asarray(classifier.decide(x))
    return np.asarray(classifier.probabilities(x)) > 0.5


def verdicts(classifier, images, batch_size=100):
    """Boolean (N, K) attribute verdicts of a multi-label classifier on uint8 images
    (N, H, W, C)."""
    out = [decide(classifier, images[start:start + batch_size].astype(np.float32) / 255.0)
           for start in range(0, len(images), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, 0), bool)


def attribute_transfer(translate, back, images, classifier, attribute_index, target_value,
                       extractor, reference_features, batch_size=100, target_images=None):
    """`translate`/`back`: functions of [0, 1] batches; `images` uint8 (N, H, W, C) of the
    source domain; `classifier` the multi-label judge of the verdicts; `reference_features`
    (M, D) of real target-domain images in `extractor`'s features; `target_images` (optional)
    uint8 real held-out images of the target domain for `target_real`. Returns the dict
    described in the module docstring (plus `count`)."""
    before, after, cycle, in_f, out_f = [], [], [], [], []
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size].astype(np.float32) / 255.0
        y = np.clip(np.asarray(translate(x), np.float32), 0.0, 1.0)
        x_back = np.clip(np.asarray(back(y), np.float32), 0.0, 1.0)
        before.append(decide(classifier, x))
        after.append(decide(classifier, y))
        cycle.append(np.abs(x_back - x).mean(axis=(1, 2, 3)))
        in_f.append(extractor.outputs(x)[0])
        out_f.append(extractor.outputs(y)[0])
    before, after = np.concatenate(before), np.concatenate(after)
    others = np.delete(np.arange(before.shape[1]), attribute_index)
    fid = scores_from_outputs(reference_features, np.concatenate(out_f), None, ["fid"])["fid"]
    fid_input = scores_from_outputs(reference_features, np.concatenate(in_f), None,
                                    ["fid"])["fid"]
    extra = {}
    if target_images is not None and len(target_images):
        real = verdicts(classifier, target_images, batch_size)
        extra["target_real"] = float((real[:, attribute_index] == target_value).mean())
    return {
        **extra,
        "count": int(len(images)),
        "target_before": float((before[:, attribute_index] == target_value).mean()),
        "target_after": float((after[:, attribute_index] == target_value).mean()),
        "others_unchanged": float((before[:, others] == after[:, others]).mean()),
        "cycle_l1": float(np.concatenate(cycle).mean()),
        "fid": float(fid),
        "fid_input": float(fid_input),
    }
