"""The history pool of past fakes (Shrivastava et al. 2017, Sec. 2.3; Zhu et al. 2017, Sec.
4): the discriminator sees a mix of the newest fakes and ones generated earlier, which damps
oscillation between the players.

Held in variables, so it works inside `tf.function` and is saved with the model (a resumed
run continues with the pool it had), and per replica: the variables are synchronized on
read, so every replica keeps its own pool of the fakes it generated (no cross-replica
traffic), as every GPU of the reference implementation does. Fakes are stored as uint8, the
precision of the real images D sees, a quarter of float32's bytes (0.6 MB per pool at 64 px,
9.8 MB at 256 px).
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="kerasgen")
class HistoryPool(keras.layers.Layer):
    """`size` past images of shape `shape`; `query(fakes, seed)` returns the batch D sees.

    The reference implementation's rule, per image: while the pool is filling, the image is
    stored and returned; once it is full, with probability 1/2 a random stored image is
    returned and replaced by the new one, otherwise the new image is returned. Images are
    [-1, 1] floats in and out.
    """

    def __init__(self, size, shape, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.shape = tuple(int(s) for s in shape)
        kw = dict(trainable=False, synchronization="on_read",
                  aggregation="only_first_replica")
        self.images = keras.Variable(tf.zeros((max(self.size, 1),) + self.shape, tf.uint8),
                                     dtype="uint8", name="images", **kw)
        self.count = keras.Variable(0, dtype="int32", name="count", **kw)
        self.built = True

    def query(self, fakes, seed):
        """The images D should score as fake, (B,) + shape float32 in [-1, 1]; `seed` a
        stateless seed pair (distinct per replica and step)."""
        fakes = tf.cast(tf.stop_gradient(fakes), tf.float32)
        if self.size == 0:
            return fakes
        batch = tf.shape(fakes)[0]
        count = self.count.value
        # Slots for images while filling: count, count+1, ... (at most up to size).
        position = count + tf.range(batch)
        filling = position < self.size
        swap_seed, index_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        swap = tf.logical_and(~filling,
                              tf.random.stateless_uniform([batch], swap_seed) < 0.5)
        random_slot = tf.random.stateless_uniform([batch], index_seed, 0, self.size,
                                                  dtype=tf.int32)
        slot = tf.where(filling, position, random_slot)
        stored = tf.gather(self.images.value, tf.minimum(slot, self.size - 1))
        stored = tf.cast(stored, tf.float32) / 127.5 - 1.0
        # An old image comes back only when swapped; its slot then takes the new one.
        out = tf.where(swap[:, None, None, None], stored, fakes)
        write = tf.logical_or(filling, swap)
        quantized = tf.cast(tf.round((tf.clip_by_value(fakes, -1.0, 1.0) + 1.0) * 127.5),
                            tf.uint8)
        self.images.assign(tf.tensor_scatter_nd_update(
            self.images.value, tf.boolean_mask(slot, write)[:, None],
            tf.boolean_mask(quantized, write)))
        self.count.assign(tf.minimum(count + batch, self.size))
        return out

    def get_config(self):
        return {**super().get_config(), "size": self.size, "shape": list(self.shape)}
