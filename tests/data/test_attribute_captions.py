import collections

import numpy as np
import pytest

from kerasgen.data import attribute_captions
from kerasgen.data.images import read_attributes

NAMES = ["Male", "Young", "Smiling", "Eyeglasses", "Blond_Hair", "Wavy_Hair", "No_Beard",
         "Goatee", "Wearing_Hat"]


def attribute_file(tmp_path, rows):
    path = tmp_path / "attr.txt"
    lines = [f"{f} " + " ".join("1" if v else "-1" for v in values) for f, values in rows]
    path.write_text(f"{len(rows)}\n{' '.join(NAMES)}\n" + "\n".join(lines) + "\n")
    return str(path)


def test_celeba_captions_are_deterministic_varied_and_true_to_the_attributes(tmp_path):
    rng = np.random.default_rng(0)
    rows = [(f"{i:06d}.jpg", rng.integers(0, 2, len(NAMES)).tolist()) for i in range(1, 41)]
    path = attribute_file(tmp_path, rows)
    first = attribute_captions.celeba_captions(path, per_image=4, seed=0)
    assert first == attribute_captions.celeba_captions(path, per_image=4, seed=0)
    assert first != attribute_captions.celeba_captions(path, per_image=4, seed=1)
    names, table = read_attributes(path)
    texts = [r["caption"] for r in first]
    assert len(set(texts)) > 0.8 * len(texts)  # wordings vary across and within images
    for row in first:
        attrs = dict(zip(names, table[row["file"]]))
        for name, value in row["stated"].items():  # every stated attribute is true
            assert attrs[name] == value, (row, name)
        assert ("woman" in row["caption"] or "lady" in row["caption"]
                or "girl" in row["caption"]) != bool(attrs["Male"])
    glasses = [r for r in first if r["stated"].get("Eyeglasses") == 1]
    assert glasses and all("glasses" in r["caption"] for r in glasses)
    absent = [r for r in first if 0 in r["stated"].values() and "no " in r["caption"]]
    assert absent  # some captions say what is absent ("no glasses", "no hat")


def test_repeat_factors_give_faces_with_rare_attributes_more_captions(tmp_path):
    # Eyeglasses on 1 face of 40 (share 0.025), Wearing_Hat on 10 (0.25): with threshold 0.1
    # glasses repeat sqrt(0.1 / 0.025) = 2 times, hats not at all (r = max(1, ...)).
    rows = [{"Eyeglasses": int(i == 0), "Wearing_Hat": int(i < 10)} for i in range(40)]
    factors, per_attribute = attribute_captions.repeat_factors(
        rows, 0.1, attributes=("Eyeglasses", "Wearing_Hat"))
    assert per_attribute == {"Eyeglasses": pytest.approx(2.0), "Wearing_Hat": 1.0}
    assert factors[0] == pytest.approx(2.0) and factors[1:] == [1.0] * 39
    rows = [(f"{i:06d}.jpg", [1, 1, 1, int(i <= 2), 0, 0, 1, 0, 0]) for i in range(1, 41)]
    path = attribute_file(tmp_path, rows)  # Eyeglasses on 2 faces of 40
    plain = attribute_captions.celeba_captions(path, per_image=4, scheme="celeba_attributes_v2")
    repeated = attribute_captions.celeba_captions(path, per_image=4, repeat_threshold=0.2,
                                                  scheme="celeba_attributes_v2")
    count = collections.Counter(r["file"] for r in repeated)
    assert count["000001.jpg"] == count["000002.jpg"] == 8 and count["000003.jpg"] == 4
    assert [r for r in repeated if r["file"] == "000003.jpg"] == [
        r for r in plain if r["file"] == "000003.jpg"]  # the others as without repeats
    assert all(r["stated"]["Eyeglasses"] == 1 for r in repeated if r["file"] == "000001.jpg")
    with pytest.raises(LookupError, match="Unknown caption scheme 'v3'. Known caption "
                                          "schemes: celeba_attributes, celeba_attributes_v2"):
        attribute_captions.celeba_captions(path, scheme="v3")


def test_repeat_threshold_needs_a_caption_scheme_and_a_share(tmp_path):
    from kerasgen import config as config_lib

    def load(captions, threshold):
        path = tmp_path / "c.yaml"
        path.write_text(f"data: {{source: captions, path: img, captions: {captions}, "
                        f"labels_file: attr.txt, repeat_threshold: {threshold}}}\n")
        return config_lib.load(str(path))

    assert load("celeba_attributes_v2", 0.2).data.repeat_threshold == 0.2
    with pytest.raises(config_lib.ConfigError, match=r"data.repeat_threshold: repeats faces by "
                                                     r"their attributes, so it needs a caption "
                                                     r"scheme .* received 'captions.jsonl'"):
        load("captions.jsonl", 0.2)
    with pytest.raises(config_lib.ConfigError, match=r"must be in \(0, 1\]; received 2"):
        load("celeba_attributes", 2)
