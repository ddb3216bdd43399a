"""Scoring translators: held-out pairs beside the identity baseline, and attribute
translation both ways."""

import dataclasses

import keras

from kerasgen.data.pipeline import folder_selection
from kerasgen.data.paths import resolve_path
from kerasgen.metrics import features as features_lib
from kerasgen.evaluation.real_data import _attribute_judge
from kerasgen.evaluation.real_data import _translation_extractor
from kerasgen.evaluation.real_data import check_distinct_splits


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
    back = None
    if "cycle" in metrics:
        if "b2a" not in model.directions:
            raise ValueError(f"'cycle' scores a translator that also translates back; "
                             f"{type(model).__name__} translates {', '.join(model.directions)}"
                             f" only, expected a2b and b2a (as CycleGAN).")
        back = lambda y: model.translate(y, "b2a")  # noqa: E731
        report["protocol"]["cycle"] = (
            "cycle_l1: mean |F(G(a)) - a| of [0, 1] pixels; cycle_l1_blurred: the same with a "
            "3x3 box blur of G(a) before F; back_from_target_l1: mean |F(b) - a| for the true "
            "b; the identity baseline has no cycle")
    channels = targets.shape[-1]
    baseline = [m for m in metrics if m != "cycle"]
    for name, fn, scored in (("model", model.translate, metrics),
                             ("identity", lambda x: identity(x, channels), baseline)):
        if not scored:  # --metrics cycle alone: the copy has nothing to score
            continue
        scores = evaluate_translation(fn, sources, targets, scored, extractor, classifier,
                                      verbose=verbose, description=name,
                                      back=back if name == "model" else None)
        report["metrics"].update({f"{name}.{k}": v for k, v in scores.items()})
    if extractor is not None:
        report["protocol"]["features"] = extractor.protocol()
    return report


def evaluate_attribute_transfer(model, data, features=None, split="test", verbose=True,
                                judge=None):
    """Score a CycleGAN between faces without (A) and with (B) an attribute on the held-out
    slice, both ways: `kerasgen.metrics.attribute_transfer`. FID/KID in `features` (default
    classifier_celeba_attributes); attribute verdicts by `judge`, a multi-label attribute
    classifier (zoo name or .keras file; default classifier_celeba_attributes_judge, which
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
                         f"classifier_celeba_attributes_judge); received "
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


