"""Per-attribute accuracy of a multi-label attribute classifier on held-out faces, beside
the majority-class baseline (an attribute that is absent in 95% of faces is 95% "accurate"
for a classifier that always says no).

    python -m kerasgen.metrics.attributes MODEL_OR_RUN [--data celeba-10k/img]
        [--attributes celeba-10k/list_attr_celeba.txt] [--start 9000] [--stop 10000]
    python -m kerasgen.metrics.attributes MODEL_OR_RUN --calibrate OUT.keras
        [--start 0 --stop 9000]

prints a Markdown table (attribute, accuracy, majority baseline, balanced accuracy, ROC AUC,
positives) and the means. Balanced accuracy (the mean of the true-positive and true-negative
rates) and AUC are what tell whether a rare attribute is read at all. `--calibrate` instead
picks, per attribute, the decision threshold with the best balanced accuracy on the given
(training) slice and writes the classifier with those `thresholds` to OUT.keras.
"""

import argparse
import os

import numpy as np

from kerasgen.data.images import list_images
from kerasgen.data.images import load_image_folder
from kerasgen.data.images import read_attributes
from kerasgen.data.paths import resolve_path


def roc_auc(labels, scores):
    """Area under the ROC curve of one attribute: the probability that a random positive
    scores above a random negative (ties count half), from average ranks (Mann-Whitney U).
    NaN when only one class is present. Written out because numpy has no rank function and
    scipy is not a runtime dependency."""
    labels, scores = np.asarray(labels, bool), np.asarray(scores, np.float64)
    positives, negatives = labels.sum(), (~labels).sum()
    if positives == 0 or negatives == 0:
        return float("nan")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)  # rank of the last member of each tie group (1-based)
    average_rank = (upper - (counts - 1) / 2.0)[inverse]
    return float((average_rank[labels].sum() - positives * (positives + 1) / 2.0)
                 / (positives * negatives))


def probabilities(classifier, images, batch_size=100):
    """(N, K) sigmoids of a multi-label classifier on uint8 images."""
    return np.concatenate([np.asarray(classifier.probabilities(
        images[start:start + batch_size].astype(np.float32) / 255.0))
        for start in range(0, len(images), batch_size)])


def balanced_thresholds(probs, labels):
    """Per attribute, the threshold on (N, K) probabilities with the highest balanced
    accuracy against 0/1 labels (Youden's J), chosen among the midpoints between sorted
    distinct scores; 0.5 for an attribute with one class only."""
    labels = np.asarray(labels) > 0.5
    out = []
    for k in range(labels.shape[1]):
        y, p = labels[:, k], probs[:, k].astype(np.float64)
        if y.all() or not y.any():
            out.append(0.5)
            continue
        order = np.argsort(-p)
        p_sorted, y_sorted = p[order], y[order]
        tp = np.cumsum(y_sorted) / y.sum()  # true-positive rate at each cut (top i+1 positive)
        fp = np.cumsum(~y_sorted) / (~y).sum()
        distinct = np.r_[p_sorted[1:] < p_sorted[:-1], True]  # cut only between distinct scores
        j = np.where(distinct, tp - fp, -np.inf)
        i = int(np.argmax(j))
        below = p_sorted[i + 1] if i + 1 < len(p_sorted) else 0.0
        out.append(float(np.clip((p_sorted[i] + below) / 2.0, 1e-6, 1 - 1e-6)))
    return out


def per_attribute_accuracy(classifier, images, labels, batch_size=100):
    """{"accuracy", "majority", "balanced_accuracy", "auc", "positive_rate"}, each (K,), for
    uint8 images (N, H, W, C) and 0/1 labels (N, K); a prediction is positive where the
    sigmoid exceeds its threshold (the classifier's `thresholds`, else 0.5)."""
    probabilities_ = probabilities(classifier, images, batch_size)
    thresholds = classifier.thresholds or 0.5
    predicted = probabilities_ > np.asarray(thresholds)
    labels = np.asarray(labels) > 0.5
    positive = labels.mean(axis=0)
    with np.errstate(invalid="ignore"):  # an attribute absent from the slice: NaN rates
        true_positive = (predicted & labels).sum(0) / labels.sum(0)
        true_negative = (~predicted & ~labels).sum(0) / (~labels).sum(0)
    return {"accuracy": (predicted == labels).mean(axis=0),
            "majority": np.maximum(positive, 1.0 - positive),
            "balanced_accuracy": (true_positive + true_negative) / 2.0,
            "auc": np.array([roc_auc(labels[:, k], probabilities_[:, k])
                             for k in range(labels.shape[1])]),
            "positive_rate": positive}


def markdown_table(names, scores):
    lines = ["| attribute | accuracy | majority baseline | balanced accuracy | ROC AUC | "
             "positives |", "| --- | --- | --- | --- | --- | --- |"]
    for i, name in enumerate(names):
        lines.append(f"| {name} | {scores['accuracy'][i]:.3f} | {scores['majority'][i]:.3f} | "
                     f"{scores['balanced_accuracy'][i]:.3f} | {scores['auc'][i]:.3f} | "
                     f"{scores['positive_rate'][i]:.3f} |")
    lines.append(f"| **mean** | **{scores['accuracy'].mean():.4f}** | "
                 f"{scores['majority'].mean():.4f} | "
                 f"**{np.nanmean(scores['balanced_accuracy']):.4f}** | "
                 f"**{np.nanmean(scores['auc']):.4f}** | |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="a run folder, a .keras file or a zoo name")
    parser.add_argument("--data", default="celeba-10k/img")
    parser.add_argument("--attributes", default="celeba-10k/list_attr_celeba.txt")
    parser.add_argument("--start", type=int, default=None,
                        help="first image of the slice (default 9000; 0 with --calibrate)")
    parser.add_argument("--stop", type=int, default=None,
                        help="end of the slice (default 10000; 9000 with --calibrate)")
    parser.add_argument("--calibrate", metavar="OUT.keras",
                        help="pick balanced-accuracy thresholds on the slice (training "
                             "faces) and write the classifier with them here")
    args = parser.parse_args(argv)
    if args.start is None:
        args.start = 0 if args.calibrate else 9000
    if args.stop is None:
        args.stop = 9000 if args.calibrate else 10000
    from kerasgen.evaluation.loading import load_model
    from kerasgen.models.capabilities import FeatureExtractor

    model, _, _ = load_model(args.model)
    if not (isinstance(model, FeatureExtractor) and model.multi_label):
        raise SystemExit(f"error: {args.model} is not a multi-label attribute classifier.")
    folder = resolve_path(args.data)
    names, table = read_attributes(resolve_path(args.attributes))
    files = [os.path.relpath(p, folder) for p in list_images(folder)][args.start:args.stop]
    images = load_image_folder(folder, model.image_shape[0], model.image_shape[-1],
                               start=args.start, stop=args.stop, verbose=False)
    labels = np.stack([table[f] for f in files])
    if args.calibrate:
        model.thresholds = balanced_thresholds(probabilities(model, images), labels)
        model.save(args.calibrate)
        print(f"Wrote {args.calibrate}: thresholds of best balanced accuracy on images "
              f"[{args.start}:{args.stop}]: " + ", ".join(
                  f"{n} {t:.3f}" for n, t in zip(names, model.thresholds)))
        return
    print(markdown_table(names, per_attribute_accuracy(model, images, labels)))


if __name__ == "__main__":
    main()
