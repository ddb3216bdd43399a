"""The history pool of past fakes (Shrivastava et al. 2017, Sec. 2.3; Zhu et al. 2017, Sec.
4): the discriminator sees a mix of the newest fakes and ones generated earlier, which damps
oscillation between the players.

Held in variables, so it works inside `tf.function`, and per replica: its variables are
synchronized on read, so every replica keeps its own pool of the fakes it generated (no
cross-replica traffic), as every GPU of the reference implementation does.
"""

import keras
import tensorflow as tf


class HistoryPool:
    """`size` past images of shape `shape`; `query(fakes, seed)` returns the batch D sees.

    The reference implementation's rule, per image: while the pool is filling, the image is
    stored and returned; once it is full, with probability 1/2 a random stored image is
    returned and replaced by the new one, otherwise the new image is returned. Images are
    stored as float32 whatever the compute dtype.

    Deliberately not a Keras layer: its variables are not saved with the model (a resumed run
    refills it within `size` images), so zoo files do not carry 50 images per domain.
    """

    def __init__(self, size, shape, name):
        self.size = int(size)
        self.shape = tuple(int(s) for s in shape)
        kw = dict(trainable=False, synchronization="on_read",
                  aggregation="only_first_replica")
        self.images = keras.Variable(tf.zeros((max(self.size, 1),) + self.shape),
                                     name=f"{name}_images", **kw)
        self.count = keras.Variable(0, dtype="int32", name=f"{name}_count", **kw)

    def query(self, fakes, seed):
        """The images D should score as fake, (B,) + shape float32; `seed` a stateless seed
        pair (distinct per replica and step)."""
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
        # An old image comes back only when swapped; its slot then takes the new one.
        out = tf.where(swap[:, None, None, None], stored, fakes)
        write = tf.logical_or(filling, swap)
        self.images.assign(tf.tensor_scatter_nd_update(
            self.images.value, tf.boolean_mask(slot, write)[:, None],
            tf.boolean_mask(fakes, write)))
        self.count.assign(tf.minimum(count + batch, self.size))
        return out
