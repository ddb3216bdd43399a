"""Exact raster-order sampling from a gated PixelCNN: a fast sampler with per-layer caches and
the naive one (the whole network once per sub-pixel) it is checked against.

Both draw every sub-pixel by inverse CDF from uniforms drawn up front, (B, H, W, U), so the
same uniforms give the same images whichever sampler runs (up to draws that fall within float
rounding of a CDF step).

The fast sampler follows Ramachandran et al. 2017 ("Fast Generation for Convolutional
Autoregressive Models"): each block keeps the few past rows of its vertical-stack input and
the few past columns of its horizontal-stack input that its kernels read, so a new row costs
one row of each vertical convolution and a new pixel one column of each horizontal one,
instead of the whole network per pixel.
"""

import keras
import tensorflow as tf
from keras import ops

from kerasgen.losses import pixelcnn as dist
from kerasgen.models.pixelcnn.networks import network_input


def _pad_columns(row, left, right):
    """(B, h, W, F) -> (B, h, left + W + right, F) with zeros: the convolutions' padding."""
    return tf.pad(row, [[0, 0], [0, 0], [left, right], [0, 0]])


class FastSampler:
    """Row-by-row, pixel-by-pixel sampling of a `GatedPixelCNNNetwork` with cached activations.

    Per row: one row of every vertical convolution (from each block's cache of the rows
    above), then a `tf.while_loop` over the columns running the horizontal stacks and the head
    on a single pixel (one pass per sub-pixel group: R, then G given R, then B). The caches are
    zero where the full network pads with zeros, so the results equal the full network's.
    """

    def __init__(self, network, distribution, image_shape, num_mixtures):
        self.network, self.distribution = network, distribution
        self.height, self.width, self.channels = image_shape
        self.num_mixtures = num_mixtures
        self.binary = dist.is_binary(distribution)
        self.groups = dist.channel_groups(distribution, self.channels)
        self.row_step = tf.function(self._row_step, reduce_retracing=True)

    def initial_state(self, batch):
        """Zero caches: per block, the rows above of its vertical input (padded columns)."""
        state = []
        for i, block in enumerate(self.network.blocks):
            rows = -block.v_conv.row_offsets[0]
            cols = -block.v_conv.col_offsets[0] + block.v_conv.col_offsets[1]
            depth = self.channels if i == 0 else block.filters
            dtype = "float32" if i == 0 else block.compute_dtype
            state.append(tf.zeros((batch, rows, self.width + cols, depth), dtype))
        return state

    def _vertical(self, state, labels):
        """One row of every vertical convolution: the new caches' inputs and, per block, the
        vertical contribution to the horizontal gates for this row, (B, 1, W, 2F)."""
        from_v, new_rows, v = [], [], None
        for i, block in enumerate(self.network.blocks):
            conv = block.v_conv
            if i == 0:
                window = state[0]  # mask A: only the image rows above, (B, rows, W + pad, C)
            else:
                pad = -conv.col_offsets[0]
                window = tf.concat([state[i], _pad_columns(v, pad, conv.col_offsets[1])], 1)
                new_rows.append(window[:, 1:])  # the cache for the next row
            cond_v, _ = block.condition(labels)
            v, contribution = block.vertical(conv(window, window=True), cond_v)  # (B, 1, W, F)
            from_v.append(contribution)
        return from_v, new_rows

    def _pixel(self, row_input, column, h_caches, from_v, conditions):
        """The horizontal stacks and head at one column: distribution parameters (B, P) and
        each block's input window (for the caches)."""
        block0 = self.network.blocks[0]
        (c0, c1) = block0.h_conv.col_offsets
        taps = c1 - c0 + 1
        window = tf.ensure_shape(row_input[:, :, column:column + taps],
                                 [None, 1, taps, self.channels])  # (B, 1, taps, C)
        skip, h, windows = 0.0, None, []
        for i, block in enumerate(self.network.blocks):
            if i > 0:
                window = tf.concat([h_caches[i - 1], h], axis=2)  # (B, 1, taps, F)
                windows.append(window)
            v_here = tf.ensure_shape(from_v[i][:, :, column:column + 1],
                                     [None, 1, 1, 2 * block.filters])  # (B, 1, 1, 2F)
            h, s = block.horizontal(block.h_conv(window, window=True), v_here, h,
                                    conditions[i])
            skip = skip + s
        params = self.network.head(skip)[:, 0, 0]  # (B, P)
        return params, windows

    def _row_step(self, state, labels, uniforms, temperature, known_row=None):
        """Sample row r (or take `known_row`, (B, W, C)) given the caches of the rows above.
        uniforms (B, W, U). Returns (new state, row values (B, W, C))."""
        from_v, new_rows = self._vertical(state, labels)
        batch = tf.shape(uniforms)[0]
        if known_row is None:
            row = self._sample_columns(from_v, labels, uniforms, temperature, batch)
        else:
            row = tf.cast(known_row, tf.float32)
        block0 = self.network.blocks[0].v_conv
        pad = -block0.col_offsets[0]
        image_row = _pad_columns(network_input(row, self.binary)[:, None], pad,
                                 block0.col_offsets[1])
        state0 = tf.concat([state[0], image_row], axis=1)[:, 1:]
        return [state0] + new_rows, row

    def _sample_columns(self, from_v, labels, uniforms, temperature, batch):
        blocks = self.network.blocks
        conditions = [block.condition(labels)[1] for block in blocks]
        c0, c1 = blocks[0].h_conv.col_offsets
        h_caches = [tf.zeros((batch, 1, -b.h_conv.col_offsets[0], b.filters), b.compute_dtype)
                    for b in blocks[1:]]
        row = tf.zeros((batch, self.width, self.channels), tf.float32)

        def body(column, row, h_caches):
            here = tf.one_hot(column, self.width)[None, :, None]  # (1, W, 1)
            for g in range(self.groups):  # R, then G given R, then B given R and G
                row_input = _pad_columns(network_input(row, self.binary)[:, None], -c0,
                                         max(c1, 0))
                params, windows = self._pixel(row_input, column, h_caches, from_v, conditions)
                params = dist.split_params(self.distribution, params, self.channels)
                draw = dist.sample(self.distribution, params, uniforms[:, column], temperature,
                                   self.num_mixtures, self.channels)  # (B, C)
                if self.groups > 1:  # keep only sub-pixel g of this pass
                    draw = draw * tf.one_hot(g, self.channels)[None]
                    here_g = here * tf.one_hot(g, self.channels)[None, None]
                else:
                    here_g = here
                row = row * (1.0 - here_g) + draw[:, None] * here_g
            # The last pass's features are final: a group-g feature never depends on sub-pixel
            # g or later of its own pixel (mask A), so the last sub-pixel changes none of them.
            h_caches = [w[:, :, 1:] for w in windows]
            return column + 1, row, h_caches

        _, row, _ = tf.while_loop(lambda column, *_: column < self.width, body,
                                  (tf.constant(0), row, h_caches))
        return row  # (B, W, C)

    def sample(self, uniforms, labels=None, temperature=1.0, known=None, known_rows=0,
               verbose=False):
        """uniforms (B, H, W, U) -> values (B, H, W, C): 0/1 (binary) or levels 0..255.
        Rows < known_rows are copied from `known` (values of the same kind)."""
        uniforms = tf.convert_to_tensor(uniforms, tf.float32)
        state = self.initial_state(tf.shape(uniforms)[0])
        labels = None if labels is None else tf.convert_to_tensor(labels, tf.int32)
        temperature = tf.constant(temperature, tf.float32)
        bar = keras.utils.Progbar(self.height, unit_name="row") if verbose else None
        rows = []
        for r in range(self.height):
            if r < known_rows:
                state, row = self.row_step(state, labels, uniforms[:, r], temperature,
                                           known_row=tf.convert_to_tensor(known[:, r]))
            else:
                state, row = self.row_step(state, labels, uniforms[:, r], temperature)
            rows.append(row)
            if bar is not None:
                bar.update(r + 1)
        return tf.stack(rows, axis=1)  # (B, H, W, C)


class WholeNetworkSampler:
    """Raster-order sampling that runs the whole network once per pixel, in a compiled loop over
    each row's columns: for networks without a cached sampler (PixelCNN++'s down/up-sampling
    network, whose strided layers mix rows and columns). Its output never depends on the
    current pixel, so one pass draws all of a pixel's channels (the mixture's coefficients
    chain them). Same interface and draws as `FastSampler`: H * W passes instead of its one
    row and one column per step."""

    def __init__(self, network, distribution, image_shape, num_mixtures):
        self.network, self.distribution = network, distribution
        self.height, self.width, self.channels = image_shape
        self.num_mixtures = num_mixtures
        self.binary = dist.is_binary(distribution)
        if dist.channel_groups(distribution, self.channels) != 1:
            raise ValueError(f"{distribution} on {self.channels} channels needs the sub-pixels "
                             "of a pixel inside the network; this sampler draws a pixel at once.")
        self.row_step = tf.function(self._row_step, reduce_retracing=True)

    def _row_step(self, values, row, labels, uniforms, temperature):
        """Sample row `row` of values (B, H, W, C) given the rows above; uniforms (B, W, U)."""
        def body(column, values):
            params = self.network(network_input(values, self.binary), labels)[:, row, column]
            params = dist.split_params(self.distribution, params, self.channels)
            draw = dist.sample(self.distribution, params, uniforms[:, column], temperature,
                               self.num_mixtures, self.channels)  # (B, C)
            here = (tf.one_hot(row, self.height)[:, None] *
                    tf.one_hot(column, self.width)[None, :])[None, :, :, None]  # (1, H, W, 1)
            return column + 1, values * (1.0 - here) + draw[:, None, None] * here

        _, values = tf.while_loop(lambda column, _: column < self.width, body,
                                  (tf.constant(0), values))
        return values

    def sample(self, uniforms, labels=None, temperature=1.0, known=None, known_rows=0,
               verbose=False):
        """uniforms (B, H, W, U) -> values (B, H, W, C), as `FastSampler.sample`."""
        uniforms = tf.convert_to_tensor(uniforms, tf.float32)
        batch = tf.shape(uniforms)[0]
        values = tf.zeros(tf.stack([batch, self.height, self.width, self.channels]))
        if known is not None and known_rows:
            known = tf.cast(known, tf.float32)
            kept = tf.cast(tf.range(self.height) < known_rows, tf.float32)[None, :, None, None]
            values = known * kept
        labels = None if labels is None else tf.convert_to_tensor(labels, tf.int32)
        temperature = tf.constant(temperature, tf.float32)
        bar = keras.utils.Progbar(self.height, unit_name="row") if verbose else None
        for r in range(known_rows, self.height):
            values = self.row_step(values, tf.constant(r), labels, uniforms[:, r], temperature)
            if bar is not None:
                bar.update(r + 1)
        return values


def sample_naive(network, distribution, image_shape, num_mixtures, uniforms, labels=None,
                 temperature=1.0, known=None, known_rows=0):
    """The reference sampler: the whole network once per sub-pixel (H * W * groups passes)."""
    height, width, channels = image_shape
    binary = dist.is_binary(distribution)
    groups = dist.channel_groups(distribution, channels)
    uniforms = ops.convert_to_numpy(uniforms)
    values = tf.Variable(tf.zeros((uniforms.shape[0],) + tuple(image_shape)))
    if known is not None and known_rows:
        values[:, :known_rows].assign(tf.cast(known[:, :known_rows], tf.float32))
    labels = None if labels is None else tf.convert_to_tensor(labels, tf.int32)

    @tf.function
    def params_map():
        params = network(network_input(values, binary), labels)
        return dist.split_params(distribution, params, channels)  # (B, H, W, ...)

    for r in range(known_rows, height):
        for c in range(width):
            for g in range(groups):
                draw = dist.sample(distribution, params_map()[:, r, c], uniforms[:, r, c],
                                   temperature, num_mixtures, channels)  # (B, C)
                if groups > 1:
                    values[:, r, c, g].assign(draw[:, g])
                else:
                    values[:, r, c].assign(draw)
    return tf.convert_to_tensor(values)
