import collections
import ctypes
import ctypes.util
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# TensorFlow's oneDNN build keeps large tensors in a pool of its own that grows to the
# process's largest need and never shrinks, so each test process stayed at the high-water mark
# of its heaviest test (the real-data VAE test left a worker at 1.46 GB after it ended). With
# the system allocator that memory is freed like any other and `_release_freed_memory` below
# hands it back (0.75 GB after the same test, same ELBO). Read when TensorFlow first
# allocates, so it is set before any test imports it; the processes tests start inherit it.
os.environ.setdefault("TF_ONEDNN_USE_SYSTEM_ALLOCATOR", "1")
# NumPy's OpenBLAS starts a thread per core and its threads spin while they wait for each
# other. With two test processes on two cores they wait on a descheduled partner: one
# eigendecomposition of a 2048x2048 covariance (FID) took 18 s of CPU time with the default
# threads and 2.3 s with one, measured here while other processes shared the cores. Each test
# process has about one core, so one BLAS thread each; set before NumPy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

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


@pytest.fixture(scope="session", autouse=True)
def _freeze_imported_objects():
    """Leave the objects that exist before the first test (TensorFlow's, Keras's, kerasgen's
    modules and the test modules: about 400,000) out of every later garbage collection:
    `gc.freeze()` moves them to a generation the collector no longer scans. Every teardown's
    `clear_session()` ends with a full collection, which scanned them again after each test
    (about 0.22 s of CPU time each, measured)."""
    import gc

    import keras  # noqa: F401  (imported before freezing, with the rest of the stack)

    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def _isolate_keras():
    """Each test starts from float32 and a fixed seed, and leaves no global state behind."""
    # Imported here, not at the top: the parallel run's controller process loads this file but
    # runs no test, and TensorFlow would cost it ~0.6 GB.
    import keras

    registered = set(_custom_gradients())
    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(1234)
    yield
    keras.mixed_precision.set_global_policy("float32")
    _forget_custom_gradients(registered)
    keras.backend.clear_session()  # ends with gc.collect()
    _release_freed_memory()


def _custom_gradients():
    """TensorFlow's process-wide registry of gradient functions (name -> entry)."""
    from tensorflow.python.framework import ops

    return ops._gradient_registry._registry


def _forget_custom_gradients(before):
    """Drop the custom gradients the test's traced steps registered.

    Every traced Keras optimizer step calls `all_reduce` (even with one replica), and
    TensorFlow's all-reduce registers a `tf.custom_gradient` entry (`CustomGradient-N`) in this
    registry that is never removed. The entry's gradient function holds the traced step's graph
    and every tensor in it, so a model's train step outlived the model and `clear_session()`:
    after one tiny DCGAN was fitted and deleted its 1,556-operation step graph stayed alive,
    10,000 objects per model, and tests/models/test_gan.py's process grew from 424,000 to
    833,000 objects, each full collection rescanning them. No public TensorFlow API removes an
    entry; the names are unique, and the graphs they belong to are gone after the test."""
    registry = _custom_gradients()
    for name in set(registry) - before:
        if name.startswith("CustomGradient-"):
            del registry[name]


_LIBC_PATH = ctypes.util.find_library("c")
_LIBC = ctypes.CDLL(_LIBC_PATH) if _LIBC_PATH else None


def _release_freed_memory():
    """Hand memory freed by the test back to the OS. glibc keeps freed heap pages mapped, so a
    long-lived test process otherwise stays at the high-water mark of its largest test (the
    data sets and sample batches of the preset and real-data tests), and the two worker
    processes sum their high-water marks. No Python library does this; `malloc_trim` is
    glibc's own call for it (absent on other C libraries, where this does nothing).

    Called right after `keras.backend.clear_session()`, whose last step is a full
    `gc.collect()`. A second full collection, measured over tests/models/test_gan.py's 39
    tests, found 0 unreachable objects after every test and took 0.4 to 0.5 s each time,
    growing with the objects traced graphs leave alive; teardowns were a fifth of the suite's
    summed time."""
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:
        trim(0)


# The parallel run hands whole files to its two worker processes in this order. First the
# files that take longest (seconds summed from a full run's --durations report) or start
# TensorFlow processes of their own (the two-worker cluster: three ~0.7 GB processes;
# distribute_worker.py: ~1.7 GB): early, the two worker processes are still small, and a long
# file started last would leave one core idle at the end. Then the rest, most tests first
# (pytest-xdist's own order, switched off in pytest.ini so that this one holds).
FIRST_FILES = (
    "tests/test_real_data.py",         # 310 s
    "tests/test_docs.py",              # about 25 TensorFlow processes in turn, 281 CPU-s
    "tests/test_multi_worker.py",      # 171 s, a cluster of 3 processes
    "tests/test_distribute.py",        # 165 s, a process of its own
    "tests/metrics/test_fid.py",       # 147 s
)


def pytest_collection_modifyitems(config, items):
    def path(item):
        return item.nodeid.split("::")[0]

    per_file = collections.Counter(path(item) for item in items)

    def rank(item):
        first = FIRST_FILES.index(path(item)) if path(item) in FIRST_FILES else len(FIRST_FILES)
        return first, -per_file[path(item)], path(item)

    items.sort(key=rank)  # stable: a file's own tests keep their order
