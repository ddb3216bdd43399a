"""Find zoo artifacts and verify them: every artifact is checked against its sha256 here,
before anything reads it."""

import hashlib
import os
import shutil
import urllib.error
import urllib.request
import warnings

ZOO_DIR_ENV = "KERASGEN_ZOO_DIR"
URL_ENV = "KERASGEN_ZOO_URL"  # base URL of artifacts: https://... or file://...
HOME_ENV = "KERASGEN_HOME"  # cache root, default ~/.cache/kerasgen


class ChecksumError(ValueError):
    """An artifact's size or sha256 does not match its zoo entry."""


class DownloadError(OSError):
    """An artifact could not be fetched from $KERASGEN_ZOO_URL."""


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


def cache_dir():
    return os.path.join(os.environ.get(HOME_ENV) or os.path.join(
        os.path.expanduser("~"), ".cache", "kerasgen"), "zoo")


def local_artifact(entry):
    """The verified path of an entry's artifact in the repo's zoo/ folder."""
    path = os.path.join(repo_zoo_dir(), entry["artifact"])
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Artifact {entry['artifact']!r} is not in {repo_zoo_dir()}.")
    return verify(path, entry["sha256"], entry.get("bytes"))


def fetch(entry):
    """The verified local path of an entry's artifact, downloading it if needed.

    Order: the repository's zoo/ folder; the cache ($KERASGEN_HOME/zoo); a download from
    $KERASGEN_ZOO_URL into the cache. A copy that fails verification is never returned: a
    bad repo copy raises, a bad cached copy is deleted and downloaded again.
    """
    if os.path.isfile(os.path.join(repo_zoo_dir(), entry["artifact"])):
        return local_artifact(entry)
    cached = os.path.join(cache_dir(), entry["artifact"])
    removed = None
    if os.path.isfile(cached):
        try:
            return verify(cached, entry["sha256"], entry.get("bytes"))
        except ChecksumError as e:
            os.remove(cached)
            removed = (f"The cached copy {cached} failed verification ({e}) and was removed")
    base = os.environ.get(URL_ENV)
    if removed and base:
        warnings.warn(removed + "; downloading it again.", stacklevel=2)
    if not base:
        where = (f"{removed}, and it is not in {repo_zoo_dir()}" if removed else
                 f"Artifact {entry['artifact']!r} is neither in {repo_zoo_dir()} nor cached in "
                 f"{cache_dir()}")
        raise FileNotFoundError(f"{where}; set {URL_ENV} to a base URL (https:// or file://) "
                                "to download it.")
    url = base.rstrip("/") + "/" + entry["artifact"]
    return download(url, cached, entry["sha256"], entry.get("bytes"))


def download(url, path, sha256, num_bytes=None, timeout=60):
    """Download `url` to `path` atomically, verified against sha256 (and size).

    Not keras.utils.get_file: it writes straight to the destination, so a crash or a second
    process loading the same model can see a partial file. Here each process downloads to its
    own temporary name and renames it into place only once verified; concurrent loads both
    succeed (the last rename wins with identical bytes).
    """
    from kerasgen.files import atomic_path

    with atomic_path(path) as tmp:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, \
                    open(tmp, "wb") as f:
                shutil.copyfileobj(response, f, length=1 << 20)
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or e
            raise DownloadError(f"Could not download {url}: {reason}; expected the file at "
                                f"that address (set {URL_ENV} to the base URL of a zoo "
                                "mirror laid out like zoo/).") from None
        try:
            verify(tmp, sha256, num_bytes)
        except ChecksumError as e:
            raise ChecksumError(f"Download from {url} failed verification: {e}") from None
    return path
