"""Captions for text-to-image models: CelebA captions made from attributes
(`kerasgen.data.attribute_captions`), and readers for the caption layouts users already have.

    python -m kerasgen.data.captions celeba-10k/list_attr_celeba.txt --out captions.jsonl
        [--per-image 5] [--seed 0] [--scheme celeba_attributes_v2]

writes a JSONL caption file, one line per caption: {"file", "caption", "stated"}, where
`stated` maps each attribute the caption asserts to 1 (present) or 0 (said to be absent,
e.g. "no beard"), so evaluation can check a generated face against what its caption says.
Generation is deterministic given the seed: the same file is written every time, and training
and evaluation read the same captions.

Readers (`read_captions(path, images_folder)` picks by extension or layout), each returning
{image file relative to the folder: [captions]}:
- JSONL (`{"file": ..., "caption": ...}` per line) and CSV (`file,caption` rows, a header
  row optional): one or many captions per image;
- the CUB-200 / Oxford-102 layout: a folder of `.txt` files, one per image (same relative
  path and stem), one caption per line;
- COCO captions JSON (`images` with `id`/`file_name`, `annotations` with `image_id`/`caption`).

Rules: captions are stripped; an empty caption is an error naming its line; a file that is
not UTF-8 is an error naming the byte offset; a caption for an image that is not in the
folder is an error; images without a caption are an error listing the first few (pass
`allow_missing=True` to drop them instead, which the caller then reports).
"""

import argparse
import csv
import json
import os

from kerasgen.data import attribute_captions
from kerasgen.data.attribute_captions import celeba_captions
from kerasgen.data.images import list_images
from kerasgen.data.paths import resolve_path


def write_jsonl(rows, path):
    """Write caption rows atomically, one JSON object per line."""
    from kerasgen.files import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


# -- readers -----------------------------------------------------------------------------------
def _read_text(path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text (byte {e.start}: {raw[e.start:e.start + 1]!r})"
                         "; expected captions encoded as UTF-8.") from None


def _add(table, file, caption, where):
    caption = (caption or "").strip()
    if not caption:
        raise ValueError(f"{where}: empty caption for {file!r}; expected some text.")
    table.setdefault(file, []).append(caption)


def _read_jsonl(path):
    table = {}
    for number, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            file, caption = row["file"], row["caption"]
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"{path}:{number}: expected a JSON object with 'file' and "
                             f"'caption'; received {line[:80]!r}.") from None
        _add(table, file, caption, f"{path}:{number}")
    return table


def _read_csv(path):
    table = {}
    for number, row in enumerate(csv.reader(_read_text(path).splitlines()), 1):
        if not row or (number == 1 and [c.strip().lower() for c in row] == ["file", "caption"]):
            continue
        if len(row) != 2:
            raise ValueError(f"{path}:{number}: expected 'file,caption' (quote captions "
                             f"holding commas); received {row!r}.")
        _add(table, row[0].strip(), row[1], f"{path}:{number}")
    return table


def _read_text_folder(folder, images):
    table = {}
    for image in images:
        txt = os.path.join(folder, os.path.splitext(image)[0] + ".txt")
        if not os.path.exists(txt):
            continue
        for number, line in enumerate(_read_text(txt).splitlines(), 1):
            if line.strip():
                _add(table, image, line, f"{txt}:{number}")
    return table


def _read_coco(path):
    try:
        data = json.loads(_read_text(path))
        files = {image["id"]: image["file_name"] for image in data["images"]}
        annotations = data["annotations"]
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: expected COCO captions JSON ('images' with id and "
                         f"file_name, 'annotations' with image_id and caption); {e}.") from None
    table = {}
    for i, a in enumerate(annotations):
        if a.get("image_id") not in files:
            raise ValueError(f"{path}: annotation {i} names image_id {a.get('image_id')!r}, "
                             "which is not in 'images'.")
        _add(table, files[a["image_id"]], a.get("caption"), f"{path}: annotation {i}")
    return table


def read_captions(path, images_folder, allow_missing=False):
    """{image (relative to images_folder): [captions]} from a caption file or folder (see the
    module docstring), checked against the images in `images_folder`."""
    images = [os.path.relpath(p, images_folder) for p in list_images(images_folder)]
    if os.path.isdir(path):
        table = _read_text_folder(path, images)
    elif path.endswith(".jsonl"):
        table = _read_jsonl(path)
    elif path.endswith(".csv"):
        table = _read_csv(path)
    elif path.endswith(".json"):
        table = _read_coco(path)
    else:
        raise ValueError(f"{path}: unknown caption layout; expected a .jsonl, .csv or COCO "
                         ".json file, or a folder of .txt files (CUB / Oxford-102), or a "
                         "caption scheme: "
                         f"{', '.join(attribute_captions.CAPTION_SCHEMES.names())}.")
    present = set(images)
    absent = [f for f in table if f not in present]
    if absent:
        raise ValueError(f"{path}: captions for {len(absent)} image(s) not in "
                         f"{images_folder!r}, e.g. {', '.join(sorted(absent)[:3])}.")
    missing = [f for f in images if f not in table]
    if missing and not allow_missing:
        raise ValueError(f"{path}: no caption for {len(missing)} of {len(images)} image(s), "
                         f"e.g. {', '.join(missing[:3])}; caption every image or pass "
                         "allow_missing=True to leave them out.")
    return {f: table[f] for f in images if f in table}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write CelebA captions made from attributes.")
    parser.add_argument("attributes", help="list_attr_celeba.txt (relative paths under "
                                           "$KERASGEN_DATA)")
    parser.add_argument("--out", required=True, help="the JSONL caption file to write")
    parser.add_argument("--per-image", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scheme", default="celeba_attributes",
                        choices=attribute_captions.CAPTION_SCHEMES.names(),
                        help="how captions are phrased (default celeba_attributes)")
    args = parser.parse_args(argv)

    if args.per_image < 1:
        parser.error(f"--per-image must be >= 1; received {args.per_image}.")
    rows = celeba_captions(resolve_path(args.attributes), args.per_image, args.seed,
                           scheme=args.scheme)
    write_jsonl(rows, args.out)
    images = len({r["file"] for r in rows})
    print(f"Wrote {len(rows)} captions of {images} images to {args.out}")


if __name__ == "__main__":
    main()
