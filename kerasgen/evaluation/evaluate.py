"""`kerasgen evaluate`: sample quality, likelihood and memorization of a trained model.

Every number in the report carries its protocol (feature extractor and its checksum, which
split, how many real and generated images, seeds, k), so it can be reproduced.
"""

import dataclasses
import json
import math
import os
import time

import keras
import numpy as np

from kerasgen import config as config_lib
from kerasgen.data.images import list_images
from kerasgen.data.pipeline import folder_files
from kerasgen.data.pipeline import folder_holdout
from kerasgen.data.pipeline import folder_selection
from kerasgen.data.pipeline import load_arrays
from kerasgen.data.paths import resolve_path
from kerasgen.files import atomic_path
from kerasgen.metrics import features as features_lib
from kerasgen.metrics.nearest import memorization
from kerasgen.metrics.nearest import nearest_neighbour_grid
from kerasgen.metrics.sample_quality import SAMPLE_METRICS
from kerasgen.metrics.sample_quality import check_metrics
from kerasgen.models.capabilities import DensityModel
from kerasgen.models.capabilities import Sampler
from kerasgen.models.capabilities import capabilities
from kerasgen.models.common import image_shape
from kerasgen.metrics.sample_quality import protocol as sample_protocol
from kerasgen.metrics.sample_quality import scores_from_outputs

LIKELIHOOD_METRICS = ("nll",)  # of a DensityModel on real images


def metrics_known():
    """Every metric `evaluate` computes: the registered sample metrics, then likelihood."""
    return tuple(SAMPLE_METRICS) + LIKELIHOOD_METRICS
# Domain classifiers for the datasets they were trained on, by the data folder's name.
DEFAULT_EXTRACTORS = {"mnist": "classifier_mnist", "fashion-mnist": "classifier_fashion_mnist"}


def data_config(model, run_config=None, data_path=None, source=None, train_data=None):
    """The DataConfig to read real images from.

    With a run's config, `data_path` names the held-out images to compare with: for an image
    folder it becomes `eval_path` (the whole folder), so the run's own training images stay
    the nearest-neighbour reference; for idx it replaces the idx folder (its test split).
    `train_data` names the training image folder (the nearest-neighbour reference) where no
    run config says it.
    """
    if run_config is not None:
        data = run_config.data
        if source:
            data.source = source
        if data_path:
            if data.source == "folder":
                data.eval_path, data.eval_start, data.eval_stop = data_path, 0, None
            else:
                data.path = data_path
        if train_data:
            data.path, data.start, data.stop = train_data, 0, None
        return data
    if not data_path:
        raise ValueError("No data location: pass --data (an idx folder such as "
                         "$KERASGEN_DATA/mnist, or an image folder).")
    shape = image_shape(model)
    source = source or _guess_source(data_path)
    if train_data and source == "folder":
        return config_lib.DataConfig(source=source, path=train_data, eval_path=data_path,
                                     image_size=shape[0], channels=shape[-1])
    return config_lib.DataConfig(source=source, path=data_path, image_size=shape[0],
                                 channels=shape[-1])


def _guess_source(path):
    folder = resolve_path(path)
    if os.path.isdir(folder) and any("idx" in f for f in os.listdir(folder)):
        return "idx"
    return "folder"


def _selection(data, split):
    """(folder, start, stop, description) of an image folder's split."""
    path, start, stop = folder_selection(data, "train" if split == "train" else "eval")
    description = f"files [{start}:{stop if stop is not None else ''}] of the sorted list"
    holdout = folder_holdout(data, "train" if split == "train" else "eval")
    if holdout is not None:
        description += (f", {'the last' if holdout[1] else 'all but the last'} "
                        f"{holdout[0]} of each class")
    return path, start, stop, description


def real_images(data, split, limit=None, verbose=True):
    """uint8 images (N, H, W, C) and labels or None for `split` ("train" or "test").

    Image folders have no named splits: "train" is [start, stop) of the sorted file list of
    `path`, and "test" the held-out [eval_start, eval_stop) of `eval_path` (else of `path`).
    """
    if data.source == "tfds":
        raise ValueError("kerasgen evaluate reads idx or image folders; for TFDS data export "
                         "the split to a folder or call kerasgen.metrics.compute_metrics.")
    path = data.path
    if data.source == "folder":
        path, start, stop, split_name = _selection(data, split)
    else:
        start, stop, split_name = 0, None, f"{split} split"
    holdout = folder_holdout(data, split) if data.source == "folder" else None
    images, labels = load_arrays(data.source, path, split=split,
                                 image_size=data.image_size, channels=data.channels,
                                 crop=data.crop, start=start, stop=stop,
                                 labels=(bool(data.labels_file) or data.source == "idx"
                                         or bool(data.labels)),
                                 labels_file=data.labels_file, verbose=verbose,
                                 holdout=holdout)
    if limit:
        images = images[:limit]
        labels = None if labels is None else labels[:limit]
    return images, labels, f"{path} {split_name}, {len(images)} images"


def check_distinct_splits(data, split="test"):
    """Refuse to compare an image folder's split with its training images when they share
    files (by content, so a copied folder counts): a memorization score or a validation loss
    on training images is a silently wrong number. idx and TFDS splits are distinct by
    construction."""
    if data.source != "folder":
        return
    train = _selection(data, "train")
    held_out = _selection(data, split)
    shared = shared_files(folder_files(data, "train"), folder_files(data, split))
    if shared:
        raise ValueError(
            f"The held-out images ({held_out[0]} {held_out[3]}) and the training images "
            f"({train[0]} {train[3]}) share {len(shared)} file(s), e.g. {shared[0]!r}, so a "
            "comparison would score training images against themselves. Pass --data a folder "
            "of held-out images, or set data.eval_path / data.eval_start and eval_stop to "
            "images outside training.")


def shared_files(files_a, files_b):
    """Paths in `files_b` whose bytes equal a file of `files_a` (sha1 of each file)."""
    import hashlib

    def digest(path):
        with open(path, "rb") as f:
            return hashlib.sha1(f.read()).hexdigest()

    seen = {digest(p) for p in files_a}
    return [p for p in files_b if digest(p) in seen]


# -- likelihood ------------------------------------------------------------------------------
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
    if images.dtype != np.uint8 or images.ndim != 4:
        raise ValueError(f"Expected uint8 images (N, H, W, C); received {images.dtype} "
                         f"{images.shape}.")
    x = images.astype(np.float32) / 255.0
    if model.binary:
        x = (np.random.default_rng(seed).uniform(size=x.shape) < x).astype(np.float32)
    elif model.data_range == "symmetric":
        x = x * 2.0 - 1.0
    batch_size = int(batch_size or model.log_prob_batch_size(num_samples))
    bar = keras.utils.Progbar(len(x), unit_name="image") if verbose else None
    log_px, start_time = [], time.time()
    for index, start in enumerate(range(0, len(x), batch_size)):
        conditions = {} if labels is None else {"labels": labels[start:start + batch_size]}
        log_px.append(np.asarray(model.log_prob(
            x[start:start + batch_size], num_samples=num_samples,
            seed=seed * 1_000_003 + index, **conditions)))
        if bar is not None:
            bar.update(min(start + batch_size, len(x)))
    log_px = np.concatenate(log_px).astype(np.float64)
    dims = int(np.prod(images.shape[1:]))
    nll = float(-log_px.mean())
    protocol = dict(model.density_protocol(num_samples), num_images=len(log_px), dims=dims,
                    binarization=f"once, seed {seed}" if model.binary else "none (pixel/255)",
                    seconds=round(time.time() - start_time, 1))
    return {
        "nll_nats": nll,
        "nll_nats_stderr": float(log_px.std(ddof=1) / math.sqrt(len(log_px)))
        if len(log_px) > 1 else float("nan"),
        "bits_per_dim": nll / (dims * math.log(2.0)),
        "protocol": protocol,
    }


# -- the whole evaluation --------------------------------------------------------------------
def evaluate(model, data, metrics=("fid", "kid", "is"), features=None, num_generated=10_000,
             num_real=None, split="test", nll_samples=1000, nearest_path=None, num_nearest=16,
             seed=0, batch_size=500, verbose=True):
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
    """
    metrics = check_metrics(metrics, metrics_known()) if (metrics or not nearest_path) else ()
    report = {"metrics": {}, "protocol": {"split": split, "seed": seed}}
    sample_metrics = [m for m in metrics if m in SAMPLE_METRICS]
    needs_samples = bool(sample_metrics or nearest_path)
    if needs_samples and not isinstance(model, Sampler):
        raise ValueError(f"{type(model).__name__} cannot generate (capabilities: "
                         f"{', '.join(capabilities(model)) or 'none'}), so "
                         f"{sample_metrics or 'the nearest-neighbour check'} do not apply; "
                         "use nll for likelihood models.")
    if "nll" in metrics and not isinstance(model, DensityModel):
        raise ValueError(f"nll needs a model with a likelihood (a DensityModel such as a VAE "
                         f"or a PixelCNN); {type(model).__name__} has capabilities "
                         f"{', '.join(capabilities(model)) or 'none'}.")
    if nearest_path:
        check_distinct_splits(data, split)
    images, labels, description = real_images(data, split, num_real, verbose)
    report["protocol"]["real"] = description

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
        options = model.cycling_options(num_generated)
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
                     + (", labels cycling 0..K-1" if classes else ""))
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
        if nearest_path:
            report.update(_nearest(model, data, extractor, images, real_f, gen_f, num_nearest,
                                   nearest_path, seed, batch_size, verbose))
            report["protocol"]["train"] = report["nearest_neighbours"]["train"]
    return report


TRANSLATION_DEFAULT = ("l1", "psnr", "ssim", "fid", "kid")


def evaluate_translator(model, data, metrics=TRANSLATION_DEFAULT, features=None,
                        num_real=None, split="test", seed=0, verbose=True, judge=None):
    """Score a translator on the held-out pairs of a paired DataConfig, beside the identity
    baseline (the input copied to the output) under the same protocol.

    `features` (default: `classifier_celeba_attributes` for CelebA folders, else
    pixels:32) gives FID/KID of outputs against the true targets; metric "attributes"
    needs a multi-label classifier as `features`. An attribute split is judged by `judge`
    (see `evaluate_attribute_transfer`).
    """
    from kerasgen.data.pipeline import load_pair_arrays
    from kerasgen.metrics.translation import check_translation_metrics
    from kerasgen.metrics.translation import evaluate_translation
    from kerasgen.metrics.translation import identity

    metrics = check_translation_metrics(metrics)
    if data.source == "unpaired" and data.domains in ("edges", "grayscale"):
        # Unpaired training, paired scoring: the held-out faces have their ground truth.
        data = dataclasses.replace(data, source="paired", pairs=data.domains, domains=None)
    elif data.source == "unpaired" and data.domains == "attribute":
        return evaluate_attribute_transfer(model, data, features, split, verbose, judge)
    if data.source != "paired":
        raise ValueError(f"Translators are scored on paired data (data.source: paired), or "
                         f"on an attribute split (data.domains: attribute); the config's "
                         f"source is {data.source!r}"
                         + (f" with domains {data.domains!r}." if data.domains else "."))
    held_out = "test" if split == "test" else data.split
    if held_out == "test" and not data.eval_path:
        check_distinct_splits(dataclasses.replace(data, source="folder"), "test")
    sources, targets = load_pair_arrays(data, held_out, verbose=verbose)
    if num_real:
        sources, targets = sources[:num_real], targets[:num_real]
    extractor, classifier = None, None
    if "fid" in metrics or "kid" in metrics or "attributes" in metrics:
        extractor = features_lib.get_extractor(features or _translation_extractor(data))
    if "attributes" in metrics:
        classifier = extractor.multi_label_classifier()
        if classifier is None:
            raise ValueError(f"'attributes' needs a multi-label attribute classifier as "
                             f"--features (e.g. classifier_celeba_attributes); received "
                             f"{extractor.name}.")
    keras.utils.set_random_seed(seed)  # test-time dropout draws
    path, start, stop = folder_selection(data, held_out)
    report = {"metrics": {}, "protocol": {
        "pairs": f"{data.pairs} pairs of {path} [{start}:{stop if stop is not None else ''}]"
                 f", {len(sources)} held-out pairs, {data.image_size}x{data.image_size}",
        "l1": "mean |output - target| of [0, 1] pixels", "psnr": "dB, peak 1, per image capped at 60 (identical pairs)",
        "ssim": "tf.image.ssim, 11x11 Gaussian, peak 1",
        "dropout": "on at test time (Isola et al.), seed " + str(seed),
        "baseline": "identity: the input copied to the output (grey replicated)"}}
    channels = targets.shape[-1]
    for name, fn in (("model", model.translate),
                     ("identity", lambda x: identity(x, channels))):
        scores = evaluate_translation(fn, sources, targets, metrics, extractor, classifier,
                                      verbose=verbose, description=name)
        report["metrics"].update({f"{name}.{k}": v for k, v in scores.items()})
    if extractor is not None:
        report["protocol"]["features"] = extractor.protocol()
    return report


def evaluate_attribute_transfer(model, data, features=None, split="test", verbose=True,
                                judge=None):
    """Score a CycleGAN between faces without (A) and with (B) an attribute on the held-out
    slice, both ways: `kerasgen.metrics.attribute_transfer`. FID/KID in `features` (default
    classifier_celeba_attributes); attribute verdicts by `judge`, a multi-label attribute
    classifier (zoo name or .keras file; default classifier_celeba_attributes_balanced, which
    reads rare attributes such as Eyeglasses that the unweighted classifier never predicts;
    else the features' own classifier). FID references are the real faces of the target
    domain in the whole folder (training and held-out slices: a rare attribute has too few
    held-out faces for a covariance of its own)."""
    from kerasgen.data.images import read_attributes
    from kerasgen.data.pipeline import load_domain_arrays
    from kerasgen.metrics.attribute_transfer import attribute_transfer

    held_out = "test" if split == "test" else data.split
    a, b = load_domain_arrays(data, held_out, verbose=verbose)
    whole = dataclasses.replace(data, start=0, stop=None, eval_start=0, eval_stop=None)
    all_a, all_b = load_domain_arrays(whole, data.split, verbose=verbose)
    extractor = features_lib.get_extractor(features or _translation_extractor(data))
    judge = judge or _attribute_judge(data)
    judge_extractor = features_lib.get_extractor(judge) if judge else extractor
    classifier = judge_extractor.multi_label_classifier()
    if classifier is None:
        raise ValueError(f"Attribute translation is judged by a multi-label attribute "
                         f"classifier (--judge, or --features without it; e.g. "
                         f"classifier_celeba_attributes_balanced); received "
                         f"{judge_extractor.name}.")
    names, _ = read_attributes(resolve_path(data.labels_file))
    index = names.index(data.attribute)

    def reference(images, what):
        f, _, _ = features_lib.extract(extractor, features_lib.image_batches(images),
                                       len(images), f"Features of {what}", verbose)
        return f

    path, start, stop = folder_selection(data, held_out)
    report = {"metrics": {}, "protocol": {
        "images": f"{path} [{start}:{stop if stop is not None else ''}] split by "
                  f"{data.attribute}: {len(a)} without (A), {len(b)} with (B), "
                  f"{data.image_size}x{data.image_size}",
        "target": "share the judge finds carrying the target value of "
                  f"{data.attribute} (present for a2b, absent for b2a), before / after "
                  "translation; target_real: the same share on the real held-out faces of "
                  "the target domain",
        "judge": judge_extractor.protocol(),
        "others_unchanged": f"share of the other {len(names) - 1} attribute verdicts that "
                            "are the same on output and input",
        "cycle_l1": "mean |F(G(x)) - x| (a2b) or |G(F(x)) - x| (b2a) of [0, 1] pixels",
        "fid": f"outputs vs real target-domain faces of the whole folder ({len(all_b)} with, "
               f"{len(all_a)} without); fid_input: the untranslated inputs vs the same",
        "features": extractor.protocol()}}
    for direction, source, target_images, held_out_target, value in (
            ("a2b", a, all_b, b, 1), ("b2a", b, all_a, a, 0)):
        back = "b2a" if direction == "a2b" else "a2b"
        scores = attribute_transfer(
            lambda x, d=direction: model.translate(x, d),
            lambda x, d=back: model.translate(x, d), source, classifier, index, value,
            extractor, reference(target_images, f"real {direction[-1].upper()} faces"),
            target_images=held_out_target)
        report["metrics"].update({f"{direction}.{k}": v for k, v in scores.items()})
    return report


def evaluate_text_encoder(model, data, split="test", batch_size=250, verbose=True):
    """Caption -> image retrieval on the held-out images of a captions DataConfig: each
    image's first caption ranks all N held-out images by cosine similarity; top-1 / top-5 are
    the shares whose own image comes first / in the first five (chance: 1/N, 5/N). Captions
    that describe several faces equally (attribute phrasings) bound what is reachable."""
    import numpy as np

    from kerasgen.data.pipeline import load_caption_pairs
    from kerasgen.models.text_encoder.text_encoder import retrieval_accuracy

    held_out = data.eval_split if split == "test" else data.split
    images, index, texts = load_caption_pairs(data, held_out, verbose=verbose)
    first = np.unique(index, return_index=True)[1]  # each image's first caption
    captions = texts[first].astype(str)
    text_e, image_e = [], []
    for start in range(0, len(images), batch_size):
        text_e.append(np.asarray(model.encode_text(captions[start:start + batch_size])))
        image_e.append(np.asarray(model.encode_images(
            images[start:start + batch_size].astype(np.float32) / 255.0)))
    scores = retrieval_accuracy(np.concatenate(text_e), np.concatenate(image_e))
    path, start, stop = folder_selection(data, held_out)
    return {"metrics": {"retrieval_top1": scores["top1"], "retrieval_top5": scores["top5"],
                        "chance_top1": 1.0 / len(images), "chance_top5": 5.0 / len(images),
                        "images": len(images)},
            "protocol": {
                "images": f"{path} [{start}:{stop if stop is not None else ''}], "
                          f"{len(images)} held-out images",
                "retrieval": "each image's first caption ranks all held-out images by cosine "
                             "similarity of the embeddings; top-k: its own image among the k "
                             "first"}}


def evaluate_text_to_image(model, data, features=None, judge=None, split="test", seed=0,
                           diversity_captions=50, diversity_samples=8, batch_size=100,
                           verbose=True):
    """Score a text-to-image model on the held-out images of a captions DataConfig whose
    captions are CelebA attribute phrasings (`captions: celeba_attributes`): one image per
    held-out face from its first caption; `kerasgen.metrics.text_to_image`'s attribute
    accuracy (judge: default classifier_celeba_attributes_balanced) beside the real faces and
    mismatched captions, FID/KID against the real held-out faces in `features` (default
    classifier_celeba_attributes), and diversity (`diversity_samples` z for each of the first
    `diversity_captions` captions)."""
    import numpy as np

    from kerasgen.data import captions as captions_lib
    from kerasgen.data.images import load_image_folder
    from kerasgen.data.images import read_attributes
    from kerasgen.images import to_uint8
    from kerasgen.metrics import text_to_image as t2i
    from kerasgen.metrics.attribute_transfer import verdicts

    if data.captions != "celeba_attributes":
        raise ValueError(f"Text-to-image scores need captions with known attributes "
                         f"(data.captions: celeba_attributes); received {data.captions!r}.")
    held_out = (data.eval_split or "test") if split == "test" else data.split
    path, start, stop = folder_selection(data, held_out)
    folder = resolve_path(path)
    files = [os.path.relpath(p, folder) for p in list_images(folder)][start:stop]
    rows = captions_lib.celeba_captions(resolve_path(data.labels_file), seed=data.seed or 0,
                                        files=files)
    first = {}
    for row in rows:
        first.setdefault(row["file"], row)
    texts = np.array([first[f]["caption"] for f in files], object)
    real = load_image_folder(folder, data.image_size, data.channels, data.crop, start, stop,
                             verbose=verbose)
    generated = []
    for i in range(0, len(texts), batch_size):
        generated.append(np.asarray(to_uint8(model.generate_from_text(
            texts[i:i + batch_size].astype(str), seed=seed * 100_003 + i))))
    generated = np.concatenate(generated)
    extractor = features_lib.get_extractor(features or _translation_extractor(data))
    judge_extractor = features_lib.get_extractor(judge or _attribute_judge(data) or
                                                 extractor)
    classifier = judge_extractor.multi_label_classifier()
    if classifier is None:
        raise ValueError(f"Text-to-image attribute accuracy needs a multi-label attribute "
                         f"classifier as --judge; received {judge_extractor.name}.")
    names, _ = read_attributes(resolve_path(data.labels_file))
    values = t2i.stated_arrays([first[f]["stated"] for f in files], names)
    on_generated, on_real = verdicts(classifier, generated), verdicts(classifier, real)
    shuffled = np.roll(np.arange(len(files)), len(files) // 2)  # another face's caption
    real_f = features_lib.extract(extractor, features_lib.image_batches(real), len(real),
                                  "Features of real faces", verbose)[0]
    gen_f = features_lib.extract(extractor, features_lib.image_batches(generated),
                                 len(generated), "Features of generated faces", verbose)[0]
    scores = scores_from_outputs(real_f, gen_f, None, ["fid", "kid"])
    groups = []
    for i in range(min(diversity_captions, len(texts))):
        same = np.asarray(to_uint8(model.generate_from_text(
            [str(texts[i])] * diversity_samples, seed=seed * 100_003 + 7_919 * (i + 1))))
        groups.append(extractor.outputs(same.astype(np.float32) / 255.0)[0])
    report = {"metrics": {
        "attribute_accuracy": t2i.attribute_accuracy(on_generated, values),
        "attribute_accuracy_real": t2i.attribute_accuracy(on_real, values),
        "attribute_accuracy_mismatched": t2i.attribute_accuracy(on_generated[shuffled],
                                                                values),
        "fid": scores["fid"], "kid": scores["kid_mean"], "kid_std": scores["kid_std"],
        "diversity": t2i.diversity(groups, real_f),
        "captions": len(texts)},
        "per_attribute": {name: {"agreement": a, "captions": n} for name, (a, n) in
                          t2i.per_attribute_agreement(on_generated, values, names).items()},
        "protocol": {
            "captions": f"the first caption (data.seed {data.seed or 0}) of each face of "
                        f"{path} [{start}:{stop if stop is not None else ''}], "
                        f"{len(texts)} captions, one image each (seed {seed})",
            "attribute_accuracy": "per caption, the share of its stated attributes (present "
                                  "or absent) the judge finds so, averaged; _real: on the "
                                  "face the caption describes; _mismatched: on the image "
                                  "generated for another face's caption",
            "fid": "generated vs the real held-out faces (FID; KID mean and std over "
                   "subsets)",
            "diversity": f"{diversity_samples} images for each of the first "
                         f"{len(groups)} captions: mean pairwise feature distance within a "
                         "caption / that among the real held-out faces",
            "features": extractor.protocol(), "judge": judge_extractor.protocol()}}
    return report


def _attribute_judge(data):
    if "celeba" in (data.path or ""):
        from kerasgen.registry import PRESETS

        if "classifier_celeba_attributes_balanced" in PRESETS:
            return "classifier_celeba_attributes_balanced"
    return None


def _translation_extractor(data):
    if "celeba" in (data.path or ""):
        from kerasgen.registry import PRESETS

        if "classifier_celeba_attributes" in PRESETS:
            return "classifier_celeba_attributes"
    return "pixels:32"


def default_extractor(data):
    name = os.path.basename(os.path.normpath(data.path or ""))
    if name in DEFAULT_EXTRACTORS:
        return DEFAULT_EXTRACTORS[name]
    raise ValueError(f"No default feature extractor for data {data.path!r}; pass --features "
                     "pixels:SIZE (downsampled pixels, works for any images, e.g. pixels:16), "
                     "inception:/path/to/inception_v3_weights.h5, a classifier .keras file, "
                     f"or one of {', '.join(sorted(set(DEFAULT_EXTRACTORS.values())))}.")


def _nearest(model, data, extractor, test_images, test_f, gen_f, num_nearest, path, seed,
             batch_size, verbose):
    """Nearest training images of generated samples, and the memorization score."""
    train_images, _, train_description = real_images(data, "train", verbose=verbose)
    train_f, _, _ = features_lib.extract(
        extractor, features_lib.image_batches(train_images, batch_size), len(train_images),
        f"Features of {train_description}", verbose)
    samples = np.asarray(model.generate(num_nearest, seed=seed,
                                        **model.cycling_options(num_nearest)))
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


# -- output ----------------------------------------------------------------------------------
def format_table(report):
    """The report's numbers as an aligned text table, then the protocol lines."""
    rows = [(name, f"{value:.4f}" if isinstance(value, float) else str(value))
            for name, value in report["metrics"].items()]
    for name, value in report.get("memorization", {}).items():
        rows.append((f"memorization.{name}", f"{value:.4f}"))
    width = max((len(r[0]) for r in rows), default=6)
    lines = [f"{'metric':<{width}}  value", f"{'-' * width}  -----"]
    lines += [f"{name:<{width}}  {value}" for name, value in rows]
    lines.append("")
    for key, value in report["protocol"].items():
        lines.append(f"{key}: {json.dumps(value) if isinstance(value, dict) else value}")
    if "nearest_neighbours" in report:
        lines.append(f"nearest neighbours: {report['nearest_neighbours']['png']}")
    return "\n".join(lines)


def write_json(report, path):
    """Write the report atomically."""
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        json.dump(report, f, indent=2)
    return path


# -- one entry point: the evaluator of what the model can do ----------------------------------
def _needs_config(name, what):
    raise ValueError(f"{name}: {what} is scored on its config's held-out data; pass a zoo "
                     "name or a run folder with config.yaml.")


def _evaluate_translator(model, run_config, metrics, name, o):
    if run_config is None:
        _needs_config(name, "a translator")
    return evaluate_translator(model, run_config.data, metrics or model.default_metrics(),
                               o["features"], o["num_real"], o["split"], o["seed"],
                               verbose=o["verbose"], judge=o["judge"])


def _evaluate_text_to_image(model, run_config, metrics, name, o):
    if run_config is None:
        _needs_config(name, "a text-to-image model")
    return evaluate_text_to_image(model, run_config.data, o["features"], o["judge"],
                                  o["split"], o["seed"], verbose=o["verbose"])


def _evaluate_embedder(model, run_config, metrics, name, o):
    if run_config is None:
        _needs_config(name, "a text encoder")
    return evaluate_text_encoder(model, run_config.data, o["split"], verbose=o["verbose"])


def _evaluate_samples_and_likelihood(model, run_config, metrics, name, o):
    data = data_config(model, run_config, o["data_path"], o["source"], o["train_data"])
    if metrics is None:
        metrics = model.default_metrics()
    return evaluate(model, data, metrics, features=o["features"],
                    num_generated=o["num_generated"], num_real=o["num_real"],
                    split=o["split"], nll_samples=o["nll_samples"],
                    nearest_path=o["nearest_path"], seed=o["seed"], verbose=o["verbose"])


def _evaluators():
    """(capability, evaluator) in the order they are asked: the first the model declares
    scores it. A new kind of model adds its evaluator here with its capability."""
    from kerasgen.models import capabilities as caps

    return ((caps.Translator, _evaluate_translator),
            (caps.TextConditioned, _evaluate_text_to_image),
            (caps.TextImageEmbedder, _evaluate_embedder),
            ((caps.Sampler, caps.DensityModel), _evaluate_samples_and_likelihood))


def evaluate_model(model, run_config=None, metrics=None, name="model", data_path=None,
                   source=None, train_data=None, features=None, judge=None,
                   num_generated=10_000, num_real=None, split="test", nll_samples=1000,
                   nearest_path=None, seed=0, verbose=True):
    """`kerasgen evaluate`: score `model` by what it can do (translators on held-out pairs,
    text-to-image models on held-out captions, text encoders by retrieval, samplers and
    likelihood models by sample metrics and NLL); `metrics` None takes the model's
    `default_metrics()`. Returns the report dict."""
    options = dict(data_path=data_path, source=source, train_data=train_data,
                   features=features, judge=judge, num_generated=num_generated,
                   num_real=num_real, split=split, nll_samples=nll_samples,
                   nearest_path=nearest_path, seed=seed, verbose=verbose)
    for capability, evaluator in _evaluators():
        if isinstance(model, capability):
            return evaluator(model, run_config, metrics, name, options)
    raise ValueError(f"{name} ({type(model).__name__}) has nothing kerasgen evaluate scores "
                     f"(capabilities: {', '.join(capabilities(model)) or 'none'}); expected a "
                     "sampler, a likelihood model, a translator or a text model.")
