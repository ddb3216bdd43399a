import os
import shutil

import numpy as np
import pytest

import kerasgen
from kerasgen import zoo
from kerasgen.zoo import presets
from kerasgen.zoo.artifacts import sha256_file
from kerasgen.zoo.package import package


@pytest.fixture
def tiny_entry(tmp_path, monkeypatch):
    """A zoo folder in tmp holding one packaged classifier, registered as 'tiny'."""
    zoo_dir = str(tmp_path / "zoo")
    clf = kerasgen.models.Classifier(image_shape=(8, 8, 1), num_classes=3, width=4,
                                     feature_dim=8)
    path, sha, size = package(clf, "tiny", zoo_dir)
    monkeypatch.setenv("KERASGEN_ZOO_DIR", zoo_dir)
    monkeypatch.setitem(presets.PRESETS, "tiny", {
        "family": "classifier", "artifact": "tiny/tiny.keras", "sha256": sha, "bytes": size})
    monkeypatch.setitem(presets.ALIASES, "tiny_alias", "tiny")
    return clf, path


def test_load_verifies_and_returns_the_same_model(tiny_entry):
    clf, _ = tiny_entry
    x = np.random.default_rng(0).uniform(size=(2, 8, 8, 1)).astype("float32")
    for name in ("tiny", "tiny_alias"):
        loaded = zoo.load(name)
        np.testing.assert_allclose(np.array(loaded(x)), np.array(clf(x)), atol=1e-6)
    assert zoo.info("tiny_alias")["name"] == "tiny"
    assert "tiny" in zoo.list()


def test_tampered_or_truncated_artifacts_are_refused(tiny_entry, tmp_path):
    _, path = tiny_entry
    original = str(tmp_path / "original.keras")
    shutil.copy(path, original)
    data = bytearray(open(original, "rb").read())
    data[len(data) // 2] ^= 0xFF  # same size, one byte flipped
    open(path, "wb").write(bytes(data))
    with pytest.raises(zoo.ChecksumError, match="does not match the expected"):
        zoo.load("tiny")
    open(path, "wb").write(open(original, "rb").read()[:-100])
    with pytest.raises(zoo.ChecksumError, match="truncated"):
        zoo.load("tiny")
    shutil.copy(original, path)
    assert sha256_file(path) == zoo.info("tiny")["sha256"]
    zoo.load("tiny")


def test_unknown_names_list_the_known_ones(tiny_entry):
    with pytest.raises(LookupError, match=r"Unknown zoo model 'nope'\. Known: .*tiny"):
        zoo.load("nope")
