import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def data_root():
    """$KERASGEN_DATA, else the shared data folder beside the repository."""
    candidates = [os.environ.get("KERASGEN_DATA"), os.path.join(ROOT, "..", "shared", "data")]
    for path in candidates:
        if path and os.path.isdir(os.path.join(path, "mnist")):
            return os.path.abspath(path)
    return None


@pytest.fixture
def data_dir(monkeypatch):
    path = data_root()
    if path is None:
        if os.environ.get("KERASGEN_REQUIRE_DATA"):
            pytest.fail("KERASGEN_REQUIRE_DATA is set but no data folder was found; set "
                        "KERASGEN_DATA to the folder holding mnist/, fashion-mnist/, celeba-10k/.")
        pytest.skip("real data not found: set KERASGEN_DATA to the shared data folder")
    monkeypatch.setenv("KERASGEN_DATA", path)
    return path


@pytest.fixture(autouse=True)
def _isolate_keras():
    """Each test starts from float32 and a fixed seed, and leaves no global state behind."""
    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(1234)
    yield
    keras.mixed_precision.set_global_policy("float32")
    keras.backend.clear_session()
