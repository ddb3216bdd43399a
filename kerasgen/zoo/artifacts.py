"""Find zoo artifacts and verify them: every artifact is checked against its sha256 here,
before anything reads it."""

import hashlib
import os

ZOO_DIR_ENV = "KERASGEN_ZOO_DIR"


class ChecksumError(ValueError):
    """An artifact's size or sha256 does not match its zoo entry."""


def repo_zoo_dir():
    """The repository's `zoo/` folder (beside the `kerasgen/` package), or $KERASGEN_ZOO_DIR."""
    if os.environ.get(ZOO_DIR_ENV):
        return os.environ[ZOO_DIR_ENV]
    return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "zoo")


def sha256_file(path, chunk_size=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, sha256, num_bytes=None):
    """Raise ChecksumError unless the file has the expected size and sha256; return path."""
    size = os.path.getsize(path)
    if num_bytes is not None and size != num_bytes:
        raise ChecksumError(f"{path}: expected {num_bytes} bytes, found {size} (truncated or "
                            "replaced?); refusing to use it.")
    actual = sha256_file(path)
    if actual != sha256:
        raise ChecksumError(f"{path}: sha256 {actual} does not match the expected {sha256}; "
                            "refusing to use it.")
    return path


def local_artifact(entry):
    """The verified path of an entry's artifact in the repo's zoo/ folder."""
    path = os.path.join(repo_zoo_dir(), entry["artifact"])
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Artifact {entry['artifact']!r} is not in {repo_zoo_dir()}.")
    return verify(path, entry["sha256"], entry.get("bytes"))
