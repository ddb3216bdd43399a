"""Image grids and PNG files for samples."""

import math
import os

import numpy as np
import tensorflow as tf

from kerasgen.data.images import expand_inputs
from kerasgen.files import atomic_path
from kerasgen.models.capabilities import Sampler
from kerasgen.models.capabilities import capabilities


def to_uint8(images):
    """float images in [0, 1] -> uint8, rounding and clipping."""
    images = tf.convert_to_tensor(images, tf.float32)
    return tf.cast(tf.round(tf.clip_by_value(images, 0.0, 1.0) * 255.0), tf.uint8)


def resize_for(images, image_shape):
    """Float images (B, H, W, C) at the (height, width) of `image_shape` that a network reads
    (bilinear, antialiased: differentiable); unchanged when they are that size already."""
    size = tuple(int(d) for d in image_shape[:2])
    images = tf.cast(images, tf.float32)
    if tuple(images.shape[1:3]) == size:
        return images
    return tf.image.resize(images, size, "bilinear", antialias=True)


def make_grid(images, columns=None, padding=2):
    """(N, H, W, C) in [0, 1] -> one uint8 (rows * (H + p), columns * (W + p), C) grid."""
    images = np.asarray(to_uint8(images))
    if images.ndim != 4:
        raise ValueError(f"Expected images (N, H, W, C); received shape {images.shape}.")
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding, c),
                   255, np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top: top + h, left: left + w] = image
    return grid


def save_png(path, image):
    """Write a uint8 (H, W, C) array as PNG, atomically (a crash never leaves half a file)."""
    with atomic_path(path) as tmp:
        tf.io.write_file(tmp, tf.io.encode_png(np.asarray(image, np.uint8)))
    return path


# Black -> red -> yellow -> white at 0, 1/3, 2/3, 1: the "hot" ramp, readable in grey too.
_HOT = np.array([[0, 0, 0], [230, 0, 0], [255, 220, 0], [255, 255, 255]], np.float32)


def heat_colours(values, top):
    """values (…) >= 0 -> uint8 (…, 3) on the black-red-yellow-white ramp, `top` and above
    white."""
    t = np.clip(np.asarray(values, np.float32) / max(float(top), 1e-12), 0.0, 1.0) * 3.0
    low = np.minimum(t.astype(int), 2)
    frac = (t - low)[..., None]
    return np.round(_HOT[low] * (1.0 - frac) + _HOT[low + 1] * frac).astype(np.uint8)


def heat_map_grid(images, costs, path=None, top=None, columns=4):
    """Each image beside its per-pixel cost map (e.g. -log p(x_i | x_<i) in nats), pairs in a
    grid of `columns` pairs per row. images (N, H, W, C) uint8 or floats in [0, 1], costs
    (N, H, W); every map shares one scale, white at `top` (default: the 99th percentile of
    `costs`). Writes a PNG to `path` if given; returns (grid uint8, top)."""
    images, costs = np.asarray(images), np.asarray(costs, np.float32)
    if images.dtype != np.uint8:
        images = np.asarray(to_uint8(images))
    if costs.shape != images.shape[:3]:
        raise ValueError(f"costs must be (N, H, W) for images {images.shape}; received "
                         f"{costs.shape}.")
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    top = float(np.percentile(costs, 99)) if top is None else float(top)
    pairs = [np.concatenate([image, heat_colours(cost, top)], axis=1)
             for image, cost in zip(images, costs)]
    grid = make_grid(np.stack(pairs) / 255.0, columns=min(columns, len(pairs)))
    if path:
        save_png(path, grid)
    return grid, top


def generate_grid(model, num_samples=64, seed=0, path=None):
    """A sampler's fixed-seed preview grid (`model.preview`: conditional models walk through
    their classes along each row), optionally saved as PNG."""
    grid = model.preview(int(num_samples), seed=seed)
    if path:
        save_png(path, grid)
    return grid


def translation_grid(model, source, target=None, path=None):
    """Rows of source | translation | target (when given), images in [0, 1]; one-channel
    sides are shown in grey next to colour ones. For a two-way model (CycleGAN) `source` and
    `target` are images of domains A and B, shown as A | G(A) | F(G(A)) rows, then
    B | F(B) | G(F(B)) rows."""
    source = np.asarray(source, np.float32)
    if len(model.directions) == 2:
        b = np.asarray(target, np.float32)
        g_a = np.asarray(model.translate(source, "a2b"))
        f_b = np.asarray(model.translate(b, "b2a"))
        rows = _grid_rows([source, g_a, np.asarray(model.translate(g_a, "b2a"))])
        rows = np.concatenate([rows, _grid_rows(
            [b, f_b, np.asarray(model.translate(f_b, "a2b"))])])
        grid = make_grid(rows, columns=3 * (2 if len(source) >= 8 else 1))
        if path:
            save_png(path, grid)
        return grid
    columns = [source, np.asarray(model.translate(source))]
    if target is not None:
        columns.append(np.asarray(target, np.float32))
    channels = max(c.shape[-1] for c in columns)
    columns = [np.repeat(c, channels, -1) if c.shape[-1] == 1 else c for c in columns]
    rows = np.stack(columns, axis=1).reshape((-1,) + columns[0].shape[1:])
    grid = make_grid(rows, columns=len(columns) * (2 if len(source) >= 8 else 1))
    if path:
        save_png(path, grid)
    return grid


def _grid_rows(columns, channels=3):
    """Interleave equal-length columns into rows, grey ones repeated to `channels`."""
    columns = [np.repeat(c, channels, -1) if c.shape[-1] == 1 else c for c in columns]
    return np.stack(columns, axis=1).reshape((-1,) + columns[0].shape[1:])


def generated_batches(model, num_images, batch_size=500, seed=0, options=None):
    """Float [0, 1] batches of `num_images` samples from a `Sampler`.

    Each batch gets its own seed (seed * 100003 + batch index), so the set is reproducible
    and does not depend on the model's internal seed state. `options`: sampling options,
    arrays of one value per image (e.g. {"labels": (num_images,)}) sliced per batch, scalars
    (e.g. {"temperature": 0.9}) passed to every batch; default: the model's
    `cycling_options` (every class equally often).
    """
    if options is None:
        options = model.cycling_options(num_images)
    for index, start in enumerate(range(0, int(num_images), batch_size)):
        n = min(batch_size, int(num_images) - start)
        batch_options = {k: v if np.ndim(v) == 0 else v[start:start + n]
                         for k, v in options.items()}
        yield np.asarray(model.generate(n, seed=int(seed) * 100_003 + index, **batch_options))


MAX_GRID_SAMPLES = 1024  # a 32 x 32 grid; more samples go to an .npz file or a folder


def _sample_batches(model, num_samples, seed, batch_size, options=None):
    """(uint8 images, labels or None) batches: conditional models cycle labels 0..K-1 unless
    `options` says otherwise."""
    options = model.cycling_options(num_samples) if options is None else options
    labels = options.get("labels")
    start = 0
    for batch in generated_batches(model, num_samples, batch_size, seed, options):
        n = len(batch)
        yield np.asarray(to_uint8(batch)), None if labels is None else labels[start:start + n]
        start += n


def write_samples(model, num_samples, seed=0, out="samples.png", batch_size=256,
                  verbose=True, options=None):
    """Generate `num_samples` images and write them in bounded memory.

    `options`: sampling options with one value per sample (e.g. {"labels": ...}); default:
    the model's own (conditional models cycle through their classes).
    `out` ending in `.png`: one grid (at most MAX_GRID_SAMPLES images). Ending in `.npz`: an
    `images` uint8 (N, H, W, C) array (and `labels` for conditional models) streamed into the
    file batch by batch, so memory stays at one batch whatever N is. Anything else: a folder of
    PNG files `000000.png`, ... Progress bar for more than one batch.

    Returns the path written.
    """
    num_samples = int(num_samples)
    if num_samples < 1:
        raise ValueError(f"Number of samples must be >= 1; received {num_samples}.")
    if not isinstance(model, Sampler):
        raise ValueError(f"{type(model).__name__} cannot generate samples (capabilities: "
                         f"{', '.join(capabilities(model)) or 'none'}); expected a Sampler "
                         "such as a GAN or a VAE.")
    suffix = os.path.splitext(out)[1].lower()
    if suffix == ".png":
        if num_samples > MAX_GRID_SAMPLES:
            raise ValueError(f"A PNG grid holds at most {MAX_GRID_SAMPLES} samples; received "
                             f"{num_samples}. Write them to an .npz file or a folder instead "
                             f"(e.g. --out samples.npz or --out samples/).")
        if options is None:
            generate_grid(model, num_samples, seed, out)
        else:
            images = np.concatenate(list(generated_batches(model, num_samples, batch_size,
                                                           seed, options)))
            save_png(out, make_grid(images, model.grid_columns(num_samples)))
        return out
    if suffix and suffix != ".npz":
        raise ValueError(f"Unknown output {out!r}; expected a .png grid, an .npz file or a "
                         "folder.")
    bar = None
    if verbose and num_samples > batch_size:
        import keras

        bar = keras.utils.Progbar(num_samples, unit_name="image")
    batches = _sample_batches(model, num_samples, seed, batch_size, options)
    if suffix == ".npz":
        _write_npz_stream(out, num_samples, batches, bar)
    else:
        os.makedirs(out, exist_ok=True)
        done = 0
        for images, _ in batches:
            for image in images:
                save_png(os.path.join(out, f"{done:06d}.png"), image)
                done += 1
            if bar:
                bar.update(done)
    return out


def _write_npz_stream(path, num_samples, batches, bar=None):
    """An .npz (a zip of .npy files) written one batch at a time: np.savez needs the whole
    array in memory, which is what grew `sample --num 100000` to 16.8 GB."""
    import zipfile

    labels, done = [], 0
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            with archive.open("images.npy", "w", force_zip64=True) as f:
                for images, batch_labels in batches:
                    if done == 0:
                        header = {"descr": np.lib.format.dtype_to_descr(images.dtype),
                                  "fortran_order": False,
                                  "shape": (num_samples,) + images.shape[1:]}
                        np.lib.format.write_array_header_2_0(f, header)
                    f.write(np.ascontiguousarray(images).tobytes())
                    if batch_labels is not None:
                        labels.append(batch_labels)
                    done += len(images)
                    if bar:
                        bar.update(done)
            if labels:
                with archive.open("labels.npy", "w") as f:
                    np.lib.format.write_array(f, np.concatenate(labels).astype(np.int32))
    return path


def read_images(inputs, shape, limit=None):
    """uint8 (N, H, W, C) images of exactly `shape` (H, W, C) from image files, folders and
    globs, or an .npz / .npy array file (the .npz's `images` array, else its first); a
    one-channel array may come without its channel axis. At most `limit` images, in order.
    Raises ValueError naming the file and the size received and expected."""
    h, w, c = shape
    inputs = [inputs] if isinstance(inputs, str) else list(inputs)
    if len(inputs) == 1 and inputs[0].lower().endswith((".npz", ".npy")):
        path = inputs[0]
        if path.lower().endswith(".npy"):
            arr = np.load(path)
        else:
            with np.load(path) as data:
                arr = data["images"] if "images" in data.files else data[data.files[0]]
        arr = np.asarray(arr)
        if arr.ndim == 3 and c == 1:
            arr = arr[..., None]
        if arr.dtype != np.uint8 or arr.shape[1:] != (h, w, c):
            raise ValueError(f"{path}: expected uint8 images (N, {h}, {w}, {c}); received "
                             f"{arr.dtype} {arr.shape}.")
        return arr[:limit]
    images = []
    for path in expand_inputs(inputs)[:limit]:
        image = tf.io.decode_image(tf.io.read_file(path), channels=c,
                                   expand_animations=False).numpy()
        if image.shape != (h, w, c):
            raise ValueError(f"{path}: expected a {w}x{h} image (the model's size); received "
                             f"{image.shape[1]}x{image.shape[0]}.")
        images.append(image)
    if not images:
        raise ValueError(f"No images in {', '.join(inputs)}.")
    return np.stack(images)

