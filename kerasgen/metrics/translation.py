"""Scores of image-to-image translation against a paired ground truth (pix2pix, CycleGAN):
L1, PSNR and SSIM per image, classifier FID/KID of the outputs against the true targets,
attribute agreement (a multi-label classifier's verdicts on output vs on ground truth), and
for a translator that also translates back, how it closes the cycle ("cycle": see
`cycle_scores`)."""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.metrics.sample_quality import scores_from_outputs

TRANSLATION_METRICS = ("l1", "psnr", "ssim", "fid", "kid", "attributes", "cycle")


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


def box_blur(images, size=3):
    """A size x size mean filter with symmetric padding: visible content survives it, codes
    in the finest pixels do not."""
    images = tf.convert_to_tensor(images, tf.float32)
    pad = size // 2
    padded = tf.pad(images, [[0, 0], [pad, pad], [pad, pad], [0, 0]], "SYMMETRIC")
    return tf.nn.avg_pool2d(padded, size, 1, "VALID")


def cycle_scores(back, sources, outputs, targets):
    """Per-image cycle errors, mean |.| of [0, 1] pixels, (B,) each, for a translator that
    translates back (`back`, a function of [0, 1] batches of the target domain):
    - `cycle_l1`: back(output) against the source;
    - `cycle_l1_blurred`: the same after a 3x3 box blur of the output. A translator that
      hides its source in the finest pixels (Chu et al. 2017, "CycleGAN, a master of
      steganography") loses much of its cycle to the blur; one whose output shows its source
      loses little;
    - `back_from_target_l1`: back(the true target) against the source, the cycle error the
      translator would have if its output were the true target. A cycle error well below it
      means the output carries more of the source than the true target does.
    """
    sources = tf.convert_to_tensor(sources, tf.float32)

    def error(images):
        result = tf.clip_by_value(tf.convert_to_tensor(back(images), tf.float32), 0.0, 1.0)
        return tf.reduce_mean(tf.abs(result - sources), axis=[1, 2, 3]).numpy()

    return {"cycle_l1": error(outputs), "cycle_l1_blurred": error(box_blur(outputs)),
            "back_from_target_l1": error(tf.convert_to_tensor(targets, tf.float32))}


def identity(sources, channels):
    """The identity baseline's translation function: the input copied to the output."""
    return to_channels(sources, channels).numpy()


def evaluate_translation(translate, sources, targets, metrics=("l1", "psnr", "ssim"),
                         extractor=None, attribute_classifier=None, batch_size=100,
                         verbose=True, description="translation", back=None):
    """Score `translate` (a function of [0, 1] source batches) on paired uint8 arrays.

    Returns {metric: value}; l1/psnr/ssim are means over images with `_std` beside them,
    fid/kid use `extractor` features of outputs vs targets, `attributes` is the mean
    per-attribute agreement of `attribute_classifier` (a multi-label kerasgen Classifier)
    between output and ground truth, `cycle` the means of `cycle_scores` with `back` (the
    translation the other way).
    """
    metrics = check_translation_metrics(metrics)
    if "cycle" in metrics and back is None:
        raise ValueError(f"'cycle' scores a translator that also translates back (directions "
                         f"a2b and b2a, as CycleGAN); {description} has no way back.")
    per_image = {"l1": [], "psnr": [], "ssim": []}
    cycles = {"cycle_l1": [], "cycle_l1_blurred": [], "back_from_target_l1": []}
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
        if "cycle" in metrics:
            for name, values in cycle_scores(back, src, out, tgt).items():
                cycles[name].append(values)
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
    if "cycle" in metrics:
        result.update({k: float(np.concatenate(v).mean()) for k, v in cycles.items()})
    return result
