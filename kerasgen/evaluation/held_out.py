"""Text-to-image on sentence shapes no caption scheme produces (issue 36).

`SENTENCES`: twelve captions fixed before any model was trained on the second caption scheme,
each with the attributes it states (1 present, 0 said to be absent). The scheme
`celeba_attributes_v2` holds every word they use and none of their shapes (see
`kerasgen.data.attribute_phrasings`), so they measure whether a model follows how people
phrase a face rather than the templates it was trained on.
"""

import warnings

import numpy as np

SENTENCES = (
    ("she is smiling and has black hair", {"Male": 0, "Smiling": 1, "Black_Hair": 1}),
    ("he has a beard and is not smiling", {"Male": 1, "No_Beard": 0, "Smiling": 0}),
    ("a woman without glasses, wearing lipstick",
     {"Male": 0, "Eyeglasses": 0, "Wearing_Lipstick": 1}),
    ("glasses on a middle-aged man", {"Eyeglasses": 1, "Male": 1, "Young": 0}),
    ("young, blond, smiling woman", {"Young": 1, "Blond_Hair": 1, "Smiling": 1, "Male": 0}),
    ("a man with grey hair", {"Male": 1, "Gray_Hair": 1}),
    ("a smiling man in a hat", {"Smiling": 1, "Male": 1, "Wearing_Hat": 1}),
    ("woman, heavy makeup, wavy hair", {"Male": 0, "Heavy_Makeup": 1, "Wavy_Hair": 1}),
    ("bald man with a mustache", {"Bald": 1, "Male": 1, "Mustache": 1}),
    ("a girl with bangs who is smiling", {"Male": 0, "Bangs": 1, "Smiling": 1}),
    ("the man is young and wears eyeglasses", {"Male": 1, "Young": 1, "Eyeglasses": 1}),
    ("a serious woman with straight brown hair",
     {"Smiling": 0, "Male": 0, "Straight_Hair": 1, "Brown_Hair": 1}),
)

# Attributes a caption may ask for and a generator may add uninvited; the aim is
# that faces whose caption is silent on them carry them no more often than real faces do.
UNASKED = ("Eyeglasses", "Wearing_Hat")


def other_sentence(sentence, seed_index, count=len(SENTENCES)):
    """The sentence whose caption the `seed_index`-th image of `sentence` is given instead:
    each of the other sentences in turn."""
    return (sentence + 1 + seed_index % (count - 1)) % count


def _share(hits):
    """{share, low, high, images} of a boolean array, with its 95% Wilson interval."""
    from kerasgen.metrics.text_to_image import wilson_interval

    hits = np.asarray(hits, bool).ravel()
    low, high = wilson_interval(int(hits.sum()), hits.size)
    return {"share": float(hits.mean()) if hits.size else float("nan"), "low": low,
            "high": high, "images": int(hits.size)}


def _cell(share):
    return f"{share['share']:.2f} [{share['low']:.2f}, {share['high']:.2f}]"


def generate_held_out(model, seeds=64, seed=0, seeds_per_call=32):
    """(own, other): uint8 images (seeds, 12, H, W, C) of each sentence, and of another
    sentence's caption (`other_sentence`) with the same noise. The twelve sentences are
    repeated `seeds_per_call` times in a batch; call c draws that batch's noise from seed
    `seed * 100_003 + c` (`generate_from_text` draws one z per row from its seed), once with
    the sentences, once with the others' captions in the same rows."""
    from kerasgen.images import to_uint8

    texts = [text for text, _ in SENTENCES]
    own, other = [], []
    with warnings.catch_warnings():  # the report names the unknown words once
        warnings.filterwarnings("ignore", message="Words the text encoder")
        for c, first in enumerate(range(0, int(seeds), seeds_per_call)):
            js = range(first, min(first + seeds_per_call, int(seeds)))
            draw = seed * 100_003 + c
            batch = [texts[k] for _ in js for k in range(len(texts))]
            swapped = [texts[other_sentence(k, j)] for j in js for k in range(len(texts))]
            for out, captions in ((own, batch), (other, swapped)):
                images = np.asarray(to_uint8(model.generate_from_text(captions, seed=draw)))
                out.append(images.reshape((len(js), len(texts)) + images.shape[1:]))
    return np.concatenate(own), np.concatenate(other)


def evaluate_held_out_captions(model, judge, attribute_names, seeds=64, seed=0,
                               real_images=None):
    """Per stated attribute of each held-out sentence, the share of `seeds` generated faces
    the judge finds as stated, beside the share for the same noise given another sentence's
    caption, with 95% Wilson intervals; the same pooled over sentences; and how often faces
    whose caption is silent on glasses or a hat carry them, beside `real_images` (uint8,
    optional) under the same judge.

    Args:
        model: a TextConditioned model.
        judge: a feature extractor (or its name or .keras path) wrapping a multi-label
            attribute classifier, e.g. "classifier_celeba_attributes_judge".
        attribute_names: the judge's outputs in order (list_attr_celeba.txt's header).

    Returns the report dict (metrics, held_out, tables, protocol)."""
    from kerasgen.metrics import features as features_lib
    from kerasgen.metrics import text_to_image as t2i
    from kerasgen.metrics.attribute_transfer import verdicts

    extractor = features_lib.get_extractor(judge)
    classifier = extractor.multi_label_classifier()
    if classifier is None:
        raise ValueError(f"Held-out captions are judged by a multi-label attribute classifier; "
                         f"received {extractor.name}.")
    names = list(attribute_names)
    missing = sorted({a for _, stated in SENTENCES for a in stated} - set(names))
    if missing:
        raise ValueError(f"The judge's attributes {names} lack {missing}, which the held-out "
                         "sentences state; expected CelebA's 40 attribute names.")
    index = {name: i for i, name in enumerate(names)}
    own, other = generate_held_out(model, seeds, seed)  # (S, 12, H, W, C)
    shape = own.shape
    judged = verdicts(classifier, own.reshape((-1,) + shape[2:]), batch_size=256).reshape(
        shape[:2] + (-1,))  # (S, 12, K) bool
    judged_other = verdicts(classifier, other.reshape((-1,) + shape[2:]),
                            batch_size=256).reshape(shape[:2] + (-1,))
    texts = [text for text, _ in SENTENCES]
    unknown = [[w.decode("utf-8") for w in row]
               for row in model.unknown_words(np.array(texts)).to_list()]
    sentences, rows = [], []
    for k, (text, stated) in enumerate(SENTENCES):
        attributes = []
        for i, (name, value) in enumerate(stated.items()):
            hits = _share(judged[:, k, index[name]] == bool(value))
            hits_other = _share(judged_other[:, k, index[name]] == bool(value))
            attributes.append({"attribute": name, "stated": value, "own": hits,
                               "other": hits_other})
            first = i == 0  # the sentence and its unknown words on its first row only
            rows.append([text if first else "", ", ".join(unknown[k]) if first else "",
                         name, str(value), _cell(hits), _cell(hits_other)])
        sentences.append({"text": text, "unknown_words": unknown[k], "attributes": attributes})
    pooled = {}
    for name, value in sorted({(a, v) for _, s in SENTENCES for a, v in s.items()}):
        ks = [k for k, (_, s) in enumerate(SENTENCES) if s.get(name) == value]
        pooled[f"{name}={value}"] = {
            "own": _share(judged[:, ks, index[name]] == bool(value)),
            "other": _share(judged_other[:, ks, index[name]] == bool(value)),
            "sentences": len(ks)}
    real = (verdicts(classifier, np.asarray(real_images))
            if real_images is not None and len(real_images) else None)
    unasked = {}
    for name in UNASKED:
        silent = [k for k, (_, s) in enumerate(SENTENCES) if name not in s]
        unasked[name] = {"generated": _share(judged[:, silent, index[name]]),
                         "real": _share(real[:, index[name]]) if real is not None else None}
    values = np.repeat(t2i.stated_arrays([s for _, s in SENTENCES], names)[None],
                       shape[0], axis=0).reshape(-1, len(names))  # (S * 12, K)
    gender = _share(np.concatenate([judged[:, k, index["Male"]] == bool(s["Male"])
                                    for k, (_, s) in enumerate(SENTENCES) if "Male" in s]))
    gender_other = _share(np.concatenate([
        judged_other[:, k, index["Male"]] == bool(s["Male"])
        for k, (_, s) in enumerate(SENTENCES) if "Male" in s]))
    metrics = {
        "held_out_accuracy": t2i.attribute_accuracy(judged.reshape(-1, len(names)), values),
        "held_out_accuracy_other_caption": t2i.attribute_accuracy(
            judged_other.reshape(-1, len(names)), values),
        "held_out_gender": gender["share"],
        "held_out_gender_other_caption": gender_other["share"],
        "held_out_eyeglasses": pooled["Eyeglasses=1"]["own"]["share"],
        "held_out_hat": pooled["Wearing_Hat=1"]["own"]["share"],
        "held_out_eyeglasses_unasked": unasked["Eyeglasses"]["generated"]["share"],
        "held_out_hat_unasked": unasked["Wearing_Hat"]["generated"]["share"],
        "held_out_images": int(shape[0] * shape[1]),
    }
    if real is not None:
        metrics["held_out_eyeglasses_real"] = unasked["Eyeglasses"]["real"]["share"]
        metrics["held_out_hat_real"] = unasked["Wearing_Hat"]["real"]["share"]
    tables = {
        "held-out sentences: share of faces the judge finds as stated [95% Wilson interval]": {
            "columns": ["sentence", "unknown words", "attribute", "stated", "own caption",
                        "another caption"], "rows": rows},
        "pooled over the sentences stating it": {
            "columns": ["attribute", "stated", "sentences", "images", "own caption",
                        "another caption"],
            "rows": [[key.split("=")[0], key.split("=")[1], str(p["sentences"]),
                      str(p["own"]["images"]), _cell(p["own"]), _cell(p["other"])]
                     for key, p in pooled.items()]},
        "carried without being asked for": {
            "columns": ["attribute", "generated, caption silent on it", "real held-out faces"],
            "rows": [[name, _cell(u["generated"]), _cell(u["real"]) if u["real"] else "-"]
                     for name, u in unasked.items()]},
    }
    return {"metrics": metrics,
            "held_out": {"sentences": sentences, "pooled": pooled, "unasked": unasked,
                         "gender": {"own": gender, "other": gender_other}},
            "tables": tables,
            "protocol": {
                "held_out_captions": f"the twelve held-out sentences "
                                     f"(kerasgen.evaluation.held_out), {shape[0]} noise draws "
                                     f"each, {shape[0] * shape[1]} images (seed {seed}: "
                                     f"generate_from_text seed {seed * 100_003} + c for the "
                                     "c-th batch of 32 draws of the twelve); another caption: "
                                     "the same noise given the other sentences in turn",
                "held_out_share": "per stated attribute, the share of the images the judge "
                                  "finds as stated, with 95% Wilson intervals; accuracy: per "
                                  "image the share of its caption's stated attributes, "
                                  "averaged",
                "held_out_unasked": "images of the sentences silent on the attribute that the "
                                    "judge finds carrying it" + (
                                        f", beside {len(real)} real held-out faces"
                                        if real is not None else ""),
                "judge": extractor.protocol()}}


def held_out_report(model, data, judge=None, seed=0, split="test", verbose=True):
    """`kerasgen evaluate MODEL --metrics held_out_captions`: `evaluate_held_out_captions`
    with 64 seeds, the judge's attribute names from `data.labels_file`, the real held-out
    faces of `data` for the unasked shares, and the default judge of CelebA data
    (classifier_celeba_attributes_judge) unless `judge` names one."""
    from kerasgen.data.images import load_image_folder
    from kerasgen.data.images import read_attributes
    from kerasgen.data.paths import resolve_path
    from kerasgen.data.pipeline import folder_selection
    from kerasgen.evaluation.real_data import _attribute_judge

    if not data.labels_file:
        raise ValueError("Held-out captions need the judge's attribute names: data.labels_file "
                         "(list_attr_celeba.txt) in the run's config; received null.")
    judge = judge or _attribute_judge(data)
    if judge is None:
        raise ValueError(f"No default attribute judge for data {data.path!r}; pass --judge "
                         "(a multi-label attribute classifier: zoo name or .keras file).")
    names, _ = read_attributes(resolve_path(data.labels_file))
    path, start, stop = folder_selection(data, (data.eval_split or "test") if split == "test"
                                         else data.split)
    real = load_image_folder(resolve_path(path), data.image_size, data.channels, data.crop,
                             start, stop, verbose=verbose)
    return evaluate_held_out_captions(model, judge, names, seeds=64, seed=seed,
                                      real_images=real)
