"""Small pieces shared by every model family."""


def unpack(data):
    """Split a `fit` batch into (images, labels or None)."""
    if isinstance(data, (tuple, list)):
        if len(data) == 1:
            return data[0], None
        return data[0], data[1]
    return data, None
