"""Scoring text models: caption -> image retrieval of a text encoder, attribute accuracy and
diversity of a text-to-image model."""

import os


from kerasgen.data.images import list_images
from kerasgen.data.pipeline import folder_selection
from kerasgen.data.paths import resolve_path
from kerasgen.metrics import features as features_lib
from kerasgen.metrics.sample_quality import scores_from_outputs
from kerasgen.evaluation.real_data import _attribute_judge
from kerasgen.evaluation.real_data import _translation_extractor


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
    captions are CelebA attribute phrasings (a caption scheme such as `celeba_attributes`):
    one image per held-out face from its first caption; `kerasgen.metrics.text_to_image`'s
    attribute accuracy (judge: default classifier_celeba_attributes_judge) beside the real
    faces and mismatched captions, FID/KID against the real held-out faces in `features` (default
    classifier_celeba_attributes), and diversity (`diversity_samples` z for each of the first
    `diversity_captions` captions)."""
    import numpy as np

    from kerasgen.data.attribute_captions import CAPTION_SCHEMES
    from kerasgen.data.attribute_captions import celeba_captions
    from kerasgen.data.images import load_image_folder
    from kerasgen.data.images import read_attributes
    from kerasgen.images import to_uint8
    from kerasgen.metrics import text_to_image as t2i
    from kerasgen.metrics.attribute_transfer import verdicts

    if data.captions not in CAPTION_SCHEMES:
        raise ValueError(f"Text-to-image scores need captions with known attributes "
                         f"(data.captions: one of {', '.join(CAPTION_SCHEMES.names())}); "
                         f"received {data.captions!r}.")
    held_out = (data.eval_split or "test") if split == "test" else data.split
    path, start, stop = folder_selection(data, held_out)
    folder = resolve_path(path)
    files = [os.path.relpath(p, folder) for p in list_images(folder)][start:stop]
    rows = celeba_captions(resolve_path(data.labels_file), seed=data.seed or 0, files=files,
                           scheme=data.captions)
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


