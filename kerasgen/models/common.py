"""Small pieces shared by every model family."""


def image_shape(model):
    """(H, W, C) of the images a generative model produces."""
    if hasattr(model, "image_shape"):
        return tuple(model.image_shape)
    if hasattr(model, "image_size"):
        return (model.image_size, model.image_size, model.channels)
    return tuple(model.generate(1, seed=0).shape[1:])  # a GAN built on custom networks


def unpack(data):
    """Split a `fit` batch into (images, labels or None)."""
    if isinstance(data, (tuple, list)):
        if len(data) == 1:
            return data[0], None
        return data[0], data[1]
    return data, None


class ArgumentError(ValueError):
    """A constructor argument out of range; `argument` names it (configs report
    `model.args.<argument>`)."""

    def __init__(self, argument, message):
        super().__init__(message)
        self.argument = argument


def positive_int(name, value):
    """`int(value)`, refusing anything that is not a whole number >= 1, with `name` in the
    error (a 0 would otherwise surface deep inside Keras as `units=0`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
            or value < 1:
        raise ArgumentError(name, f"{name} must be a positive integer; received {value!r}.")
    return int(value)
