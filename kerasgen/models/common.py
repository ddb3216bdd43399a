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
