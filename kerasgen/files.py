"""Writing files so that a crash or a concurrent reader never sees half of one."""

import contextlib
import os
import shutil
import uuid


def fsync_file(path):
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # directories cannot be opened on some platforms; rename is still atomic
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path` to write to; when the block ends without an
    error, the file (or folder) is synced to disk and renamed over `path`, else removed.

    The temporary name is unique per process and call (two processes writing the same file
    never share one) and keeps the extension, for writers that choose the format by it
    (`model.save(".keras")`). Example:
    >>> with atomic_path("runs/x/report.json") as tmp:
    ...     json.dump(report, open(tmp, "w"))
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem, ext = os.path.splitext(os.path.basename(path))
    tmp = os.path.join(folder, f".{stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp{ext}")
    try:
        yield tmp
        if os.path.isfile(tmp):
            fsync_file(tmp)
        os.replace(tmp, path)
        fsync_dir(folder)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.exists(tmp):
            os.remove(tmp)
