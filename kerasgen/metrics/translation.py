"""Scores of image-to-image translation against a paired ground truth (pix2pix, CycleGAN):
L1, PSNR and SSIM per image, classifier FID/KID of the outputs against the true targets, and
attribute agreement (a multi-label classifier's verdicts on output vs on ground truth)."""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.metrics.sample_quality import scores_from_outputs

TRANSLATION_METRICS = ("l1", "psnr", "ssim", "fid", "kid", "attributes")


def check_translation_metrics(metrics):
    unknown = [m for m in metrics if m not in TRANSLATION_METRICS]
    if unknown or not metrics:
        raise ValueError(f"Translation metrics must be a non-empty subset of "
                         f"{', '.join(TRANSLATION_METRICS)}; received {list(metrics)}.")
    return list(metrics)


def to_channels(images, channels):
    """Repeat one-channel images to `channels` (grey or edges beside colour targets)."""
    images = tf.convert_to_tensor(images, tf.float32)
    if images.shape[-1] == 1 and channels != 1:
        images = tf.repeat(images, channels, axis=-1)
    return images


PSNR_CAP = 60.0  # dB; an identical pair has infinite PSNR and would make the mean infinite


def pair_scores(outputs, targets):
    """Per-image L1 (mean absolute difference of [0, 1] pixels), PSNR (dB, peak 1, capped at
    PSNR_CAP: 8-bit rounding alone gives about 59 dB, so only identical pairs reach it) and
    SSIM (`tf.image.ssim`, Gaussian 11x11, peak 1) of outputs against targets, (B,) each."""
    outputs = tf.clip_by_value(tf.convert_to_tensor(outputs, tf.float32), 0.0, 1.0)
    targets = tf.convert_to_tensor(targets, tf.float32)
    return {
        "l1": tf.reduce_mean(tf.abs(outputs - targets), axis=[1, 2, 3]).numpy(),
        "psnr": tf.minimum(tf.image.psnr(outputs, targets, max_val=1.0), PSNR_CAP).numpy(),
        "ssim": tf.image.ssim(outputs, targets, max_val=1.0).numpy(),
    }


def identity(sources, channels):
    """The identity baseline's translation function: the input copied to the output."""
    return to_channels(sources, channels).numpy()


def evaluate_translation(translate, sources, targets, metrics=("l1", "psnr", "ssim"),
                         extractor=None, attribute_classifier=None, batch_size=100,
                         verbose=True, description="translation"):
    """Score `translate` (a function of [0, 1] source batches) on paired uint8 arrays.

    Returns {metric: value}; l1/psnr/ssim are means over images with `_std` beside them,
    fid/kid use `extractor` features of outputs vs targets, `attributes` is the mean
    per-attribute agreement of `attribute_classifier` (a multi-label kerasgen Classifier)
    between output and ground truth.
    """
    metrics = check_translation_metrics(metrics)
    per_image = {"l1": [], "psnr": [], "ssim": []}
    out_f, tgt_f, agree = [], [], []
    bar = keras.utils.Progbar(len(sources), unit_name="image") if verbose else None
    if verbose:
        print(f"Scoring {description} on {len(sources)} pairs")
    for start in range(0, len(sources), batch_size):
        src = sources[start:start + batch_size].astype(np.float32) / 255.0
        tgt = targets[start:start + batch_size].astype(np.float32) / 255.0
        out = np.clip(np.asarray(translate(src), np.float32), 0.0, 1.0)
        for name, values in pair_scores(out, tgt).items():
            per_image[name].append(values)
        if "fid" in metrics or "kid" in metrics:
            out_f.append(extractor.outputs(out)[0])
            tgt_f.append(extractor.outputs(tgt)[0])
        if "attributes" in metrics:
            p_out = np.asarray(attribute_classifier.probabilities(out)) > 0.5
            p_tgt = np.asarray(attribute_classifier.probabilities(tgt)) > 0.5
            agree.append((p_out == p_tgt).astype(np.float32))
        if bar:
            bar.update(min(start + batch_size, len(sources)))
    result = {}
    if "psnr" in metrics:
        result["identical_pairs"] = int((np.concatenate(per_image["l1"]) == 0).sum())
    for name in ("l1", "psnr", "ssim"):
        if name in metrics:
            values = np.concatenate(per_image[name]).astype(np.float64)
            result[name] = float(values.mean())
            result[f"{name}_std"] = float(values.std())
    sample = [m for m in metrics if m in ("fid", "kid")]
    if sample:  # the ground-truth targets are the real set
        scores = scores_from_outputs(np.concatenate(tgt_f), np.concatenate(out_f), None, sample)
        result.update({k: float(v) for k, v in scores.items()})
    if "attributes" in metrics:
        result["attribute_agreement"] = float(np.concatenate(agree).mean())
    return result
