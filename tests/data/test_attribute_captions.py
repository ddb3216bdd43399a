import numpy as np

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
