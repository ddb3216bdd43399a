import json
import os

import numpy as np
import pytest
import tensorflow as tf

from kerasgen.data import captions
from tests.data.test_attribute_captions import attribute_file


def write_png(path, value=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tf.io.write_file(path, tf.io.encode_png(np.full((8, 8, 3), value, np.uint8)))


def folder_of_images(tmp_path, names=("a.png", "b.png", "sub/c.png")):
    for name in names:
        write_png(str(tmp_path / "img" / name))
    return str(tmp_path / "img")


def test_readers_of_the_four_layouts_agree(tmp_path):
    images = folder_of_images(tmp_path)
    expected = {"a.png": ["a red bird", "a small bird"], "b.png": ["a yellow flower"],
                "sub/c.png": ["a dog, running"]}
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text("".join(json.dumps({"file": f, "caption": c}) + "\n"
                             for f, cs in expected.items() for c in cs))
    csv_path = tmp_path / "c.csv"
    csv_path.write_text("file,caption\na.png,a red bird\na.png,  a small bird \n"
                        "b.png,a yellow flower\nsub/c.png,\"a dog, running\"\n")
    text = tmp_path / "text"
    for f, cs in expected.items():
        os.makedirs(os.path.dirname(text / f), exist_ok=True)
        (text / f.replace(".png", ".txt")).write_text("\n".join(cs) + "\n\n")
    coco = tmp_path / "captions.json"
    ids = {f: i for i, f in enumerate(expected)}
    coco.write_text(json.dumps({
        "images": [{"id": i, "file_name": f} for f, i in ids.items()],
        "annotations": [{"image_id": ids[f], "caption": c}
                        for f, cs in expected.items() for c in cs]}))
    for path in (jsonl, csv_path, text, coco):
        assert captions.read_captions(str(path), images) == expected, path


def test_bad_caption_files_are_named(tmp_path):
    images = folder_of_images(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"file": "a.png", "caption": "ok"}\n{"file": "b.png", "caption": "  "}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: empty caption for 'b.png'"):
        captions.read_captions(str(bad), images)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("a.png,caf\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin.csv: not UTF-8 text \(byte 9"):
        captions.read_captions(str(latin), images)
    partial = tmp_path / "partial.csv"
    partial.write_text("a.png,a bird\nzz.png,a ghost\n")
    with pytest.raises(ValueError, match=r"captions for 1 image\(s\) not in .*zz.png"):
        captions.read_captions(str(partial), images)
    partial.write_text("a.png,a bird\n")
    with pytest.raises(ValueError, match=r"no caption for 2 of 3 image\(s\), e.g. b.png, "
                                         r"sub/c.png; .*allow_missing=True"):
        captions.read_captions(str(partial), images)
    assert captions.read_captions(str(partial), images, allow_missing=True) == {
        "a.png": ["a bird"]}
    with pytest.raises(ValueError, match="unknown caption layout"):
        captions.read_captions(str(tmp_path / "c.txt"), images)


def test_cli_writes_the_caption_file(tmp_path, capsys):
    path = attribute_file(tmp_path, [("000001.jpg", [1, 1, 1, 1, 0, 0, 0, 1, 0])])
    out = tmp_path / "captions.jsonl"
    captions.main([path, "--out", str(out), "--per-image", "3"])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3 and all(r["file"] == "000001.jpg" for r in rows)
    assert "Wrote 3 captions of 1 images" in capsys.readouterr().out
