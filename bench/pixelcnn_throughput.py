"""PixelCNN training throughput, measured the way the shared reference ref_pixelcnn.py does.

Usage:
    python bench/pixelcnn_throughput.py MNIST_DIR [layers filters head_filters steps batch policy]
    python bench/pixelcnn_throughput.py MNIST_DIR sample [num_images method layers filters
                                                          head_filters repeats]
    -> last line 'images_per_s <float>'

`sample` times `repeats` calls of `generate` (method "fast": the cached sampler; "naive": the
whole network per pixel) on an untrained network (sampling cost does not depend on the
weights), after one warm-up call; compare with `ref_pixelcnn.py MNIST_DIR sample 64`. The
cached sampler draws 64 digits in a few seconds: repeat it until the timing spans a minute
(shorter timings are quantized by the CPU scheduler).

The model is kerasgen.models.PixelCNN (bernoulli, 28 x 28) trained with `fit` on MNIST
binarized at 0.5 (as the reference), after a 5-step warm-up that traces the step. Run it
alternately with `python ref_pixelcnn.py MNIST_DIR train 60 128 float32` on the same machine
and quote ratios: on shared cores absolute numbers move with the load. Time 60+ steps: shorter
runs are quantized by the CPU scheduler.
"""

import gzip
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerasgen.models  # noqa: E402


def main(root, layers=12, filters=32, head_filters=64, steps=60, batch=128, policy="float32"):
    raw = gzip.open(os.path.join(root, "train-images-idx3-ubyte.gz")).read()
    x = (np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28, 1) > 127).astype("float32")
    keras.mixed_precision.set_global_policy(policy)
    model = kerasgen.models.PixelCNN(image_shape=(28, 28, 1), num_layers=int(layers),
                                     filters=int(filters), head_filters=int(head_filters))
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    steps, batch = int(steps), int(batch)
    ds = tf.data.Dataset.from_tensor_slices(x).shuffle(10000).repeat().batch(batch, True)
    model.fit(ds, steps_per_epoch=5, epochs=1, verbose=0)  # warm-up: trace the step
    start = time.perf_counter()
    model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    print(f"params {model.count_params()}")
    print(f"images_per_s {steps * batch / (time.perf_counter() - start):.4f}")


def sample(num_images=16, method="fast", layers=12, filters=32, head_filters=64, repeats=1):
    model = kerasgen.models.PixelCNN(image_shape=(28, 28, 1), num_layers=int(layers),
                                     filters=int(filters), head_filters=int(head_filters))
    n, repeats = int(num_images), int(repeats)
    model.generate(n, seed=0, method=method)  # warm-up: trace (the naive one: once per pass)
    start = time.perf_counter()
    for r in range(repeats):
        images = model.generate(n, seed=1 + r, method=method)
    seconds = time.perf_counter() - start
    print(f"params {model.count_params()}")
    print(f"shape {tuple(images.shape)} x {repeats} seconds {seconds:.2f}")
    print(f"images_per_s {n * repeats / seconds:.4f}")


if __name__ == "__main__":
    if sys.argv[2:3] == ["sample"]:
        sample(*sys.argv[3:])
    else:
        main(*sys.argv[1:])
