"""Per-attribute accuracy of a multi-label attribute classifier on held-out faces, beside
the majority-class baseline (an attribute that is absent in 95% of faces is 95% "accurate"
for a classifier that always says no).

    python -m kerasgen.metrics.attributes MODEL_OR_RUN [--data celeba-10k/img]
        [--attributes celeba-10k/list_attr_celeba.txt] [--start 9000] [--stop 10000]

prints a Markdown table (attribute, accuracy, majority baseline, balanced accuracy, ROC AUC,
positives) and the means. Balanced accuracy (the mean of the true-positive and true-negative
rates) and AUC are what tell whether a rare attribute is read at all.
"""

import argparse
import os

import numpy as np

from kerasgen.data.images import list_images
from kerasgen.data.images import load_image_folder
from kerasgen.data.images import read_attributes
from kerasgen.data.pipeline import resolve_path


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


def per_attribute_accuracy(classifier, images, labels, batch_size=250):
    """{"accuracy", "majority", "balanced_accuracy", "auc", "positive_rate"}, each (K,), for
    uint8 images (N, H, W, C) and 0/1 labels (N, K); a prediction is positive where the
    sigmoid exceeds 0.5."""
    probabilities = []
    for start in range(0, len(images), batch_size):
        batch = images[start:start + batch_size].astype(np.float32) / 255.0
        probabilities.append(np.asarray(classifier.probabilities(batch)))
    probabilities = np.concatenate(probabilities)
    predicted = probabilities > 0.5
    labels = np.asarray(labels) > 0.5
    positive = labels.mean(axis=0)
    with np.errstate(invalid="ignore"):  # an attribute absent from the slice: NaN rates
        true_positive = (predicted & labels).sum(0) / labels.sum(0)
        true_negative = (~predicted & ~labels).sum(0) / (~labels).sum(0)
    return {"accuracy": (predicted == labels).mean(axis=0),
            "majority": np.maximum(positive, 1.0 - positive),
            "balanced_accuracy": (true_positive + true_negative) / 2.0,
            "auc": np.array([roc_auc(labels[:, k], probabilities[:, k])
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
    parser.add_argument("--start", type=int, default=9000)
    parser.add_argument("--stop", type=int, default=10000)
    args = parser.parse_args(argv)
    from kerasgen.evaluate import load_model

    model, _, _ = load_model(args.model)
    if not getattr(model, "multi_label", False):
        raise SystemExit(f"error: {args.model} is not a multi-label attribute classifier.")
    folder = resolve_path(args.data)
    names, table = read_attributes(resolve_path(args.attributes))
    files = [os.path.relpath(p, folder) for p in list_images(folder)][args.start:args.stop]
    images = load_image_folder(folder, model.image_shape[0], model.image_shape[-1],
                               start=args.start, stop=args.stop, verbose=False)
    labels = np.stack([table[f] for f in files])
    print(markdown_table(names, per_attribute_accuracy(model, images, labels)))


if __name__ == "__main__":
    main()
