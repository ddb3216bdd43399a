"""Where data lives: relative data paths resolve under $KERASGEN_DATA.

Its own module so that every data module (pipeline, captions, ...) can use it without
importing each other.
"""

import os

DATA_ENV = "KERASGEN_DATA"


def resolve_path(path):
    """Absolute paths as given; relative ones under $KERASGEN_DATA when it is set."""
    if os.path.isabs(path) or not os.environ.get(DATA_ENV):
        return path
    return os.path.join(os.environ[DATA_ENV], path)
