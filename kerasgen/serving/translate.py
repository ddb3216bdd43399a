"""`kerasgen translate`: image files of any size through a translation model.

Policy: each image is decoded at its own size and the output has that size. pix2pix (a fixed
square input) gets it resized (bilinear, antialiased) to its side, translated, and resized
back; non-square images are squeezed into the square and stretched back (the model sees them
distorted, the output is not). CycleGAN (fully convolutional) translates it at its own
resolution, mirror-extended at the bottom and right to a multiple of 4 (at least 8 px) and
cropped back. The
same function serves the SavedModel's signatures (`kerasgen.serving.export.translate_any_size`).
"""

import os

import keras
import numpy as np
import tensorflow as tf

from kerasgen.data.images import expand_inputs
from kerasgen.images import save_png


def translate_files(model, inputs, out_dir, verbose=True, direction=None):
    """Translate every input image to `out_dir/<name>.png` (CycleGAN: in `direction`, "a2b"
    or "b2a"); returns the written paths."""
    from kerasgen.models.capabilities import Translator
    from kerasgen.models.endpoints import translate_any_size

    if not isinstance(model, Translator):
        raise ValueError(f"{type(model).__name__} does not translate images; expected a "
                         "translation model such as pix2pix.")
    translator = model.translator(direction or model.directions[0])
    files = expand_inputs(inputs)
    channels = int(translator.source_channels)
    fn = tf.function(lambda x: translate_any_size(translator, x), reduce_retracing=True)
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
