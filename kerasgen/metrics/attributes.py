"""Per-attribute accuracy of a multi-label attribute classifier on held-out faces, beside
the majority-class baseline (an attribute that is absent in 95% of faces is 95% "accurate"
for a classifier that always says no).

    python -m kerasgen.metrics.attributes MODEL_OR_RUN [--data celeba-10k/img]
        [--attributes celeba-10k/list_attr_celeba.txt] [--start 9000] [--stop 10000]

prints a Markdown table (attribute, accuracy, majority baseline, positives) and the means.
"""

import argparse
import os

import numpy as np

from kerasgen.data.images import list_images
from kerasgen.data.images import load_image_folder
from kerasgen.data.images import read_attributes
from kerasgen.data.pipeline import resolve_path


def per_attribute_accuracy(classifier, images, labels, batch_size=250):
    """{"accuracy": (K,), "majority": (K,), "positive_rate": (K,)} for uint8 images (N, H, W,
    C) and 0/1 labels (N, K); a prediction is positive where the sigmoid exceeds 0.5."""
    predictions = []
    for start in range(0, len(images), batch_size):
        batch = images[start:start + batch_size].astype(np.float32) / 255.0
        predictions.append(np.asarray(classifier.probabilities(batch)) > 0.5)
    predicted = np.concatenate(predictions)
    labels = np.asarray(labels) > 0.5
    positive = labels.mean(axis=0)
    return {"accuracy": (predicted == labels).mean(axis=0),
            "majority": np.maximum(positive, 1.0 - positive),
            "positive_rate": positive}


def markdown_table(names, scores):
    lines = ["| attribute | accuracy | majority baseline | positives |", "| --- | --- | --- | --- |"]
    for i, name in enumerate(names):
        lines.append(f"| {name} | {scores['accuracy'][i]:.3f} | {scores['majority'][i]:.3f} | "
                     f"{scores['positive_rate'][i]:.3f} |")
    lines.append(f"| **mean** | **{scores['accuracy'].mean():.4f}** | "
                 f"{scores['majority'].mean():.4f} | |")
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
