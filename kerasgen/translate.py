"""`kerasgen translate`: image files of any size through a translation model (pix2pix).

Policy: each image is decoded at its own size, resized (bilinear, antialiased) to the model's
square input, translated, and resized back to its own height and width, so outputs line up
with inputs; non-square images are squeezed into the square and stretched back (the model
sees them distorted, the output is not). The same function serves the SavedModel's
`translate` signature (`kerasgen.export.translate_any_size`).
"""

import glob
import os

import keras
import numpy as np
import tensorflow as tf

from kerasgen.data.images import IMAGE_EXTENSIONS
from kerasgen.data.images import list_images
from kerasgen.images import save_png


def expand_inputs(inputs):
    """Files from a list of files, folders (recursively) and glob patterns, in order, once
    each. Raises FileNotFoundError naming an input that matches nothing."""
    files = []
    for item in inputs:
        if os.path.isdir(item):
            found = list_images(item)
        elif os.path.isfile(item):
            found = [item]
        else:
            found = sorted(f for f in glob.glob(item, recursive=True)
                           if f.lower().endswith(IMAGE_EXTENSIONS))
            if not found:
                raise FileNotFoundError(f"{item!r} is neither an image file, a folder nor a "
                                        f"glob matching images ({', '.join(IMAGE_EXTENSIONS)}).")
        files += [f for f in found if f not in files]
    return files


def translate_files(model, inputs, out_dir, verbose=True):
    """Translate every input image to `out_dir/<name>.png`; returns the written paths."""
    from kerasgen.export import translate_any_size

    if not hasattr(model, "translate"):
        raise ValueError(f"{type(model).__name__} does not translate images; expected a "
                         "translation model such as pix2pix.")
    files = expand_inputs(inputs)
    net = model.deterministic_generator()
    size, channels = int(model.image_size), int(model.source_channels)
    fn = tf.function(lambda x: translate_any_size(net, x, size, channels),
                     reduce_retracing=True)
    os.makedirs(out_dir, exist_ok=True)
    bar = keras.utils.Progbar(len(files), unit_name="image") if verbose else None
    written = []
    for i, path in enumerate(files):
        try:
            image = tf.io.decode_image(tf.io.read_file(path), channels=channels,
                                       expand_animations=False)
        except tf.errors.InvalidArgumentError as e:
            raise ValueError(f"{path}: cannot decode image ({e.message.strip()}); expected a "
                             "JPEG or PNG.") from None
        out = np.asarray(fn(image[None]))[0]
        name = os.path.splitext(os.path.basename(path))[0] + ".png"
        target = os.path.join(out_dir, name)
        if target in written:  # same name from two folders: keep both
            target = os.path.join(out_dir, f"{i:06d}_{name}")
        written.append(save_png(target, out))
        if bar:
            bar.update(i + 1)
    return written
