"""What keeps a `train_step` correct when it runs once per replica under a tf.distribute
strategy: each replica's share of the global-batch mean, and seeds distinct per replica.

Keras 3 (TensorFlow backend) sums gradients over replicas in `optimizer.apply_gradients`, so
each replica must contribute `mean over its examples / num_replicas`: the sum over replicas is
then the mean over the global batch. `tf.nn.compute_average_loss` computes exactly that.
"""

import tensorflow as tf


def num_replicas():
    return tf.distribute.get_strategy().num_replicas_in_sync


def global_mean(per_example):
    """Per-replica contribution to the global-batch mean of a (B,) loss, for gradients:
    `tf.nn.compute_average_loss` (sum / (local batch x replicas)), in float32 whatever the
    compute dtype."""
    return tf.nn.compute_average_loss(tf.cast(per_example, tf.float32))


def global_value(per_example):
    """The global-batch mean of a (B,) value as one number, the same on every replica (the
    replicas' `global_mean` shares summed by an all-reduce), in float32. For values that
    decide state every replica must update alike (BEGAN's k_t) and for logged numbers; not for
    losses to differentiate (use `global_mean`, whose gradients the optimizer sums)."""
    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context: the whole batch is here
        return tf.reduce_mean(tf.cast(per_example, tf.float32))
    return context.all_reduce(tf.distribute.ReduceOp.SUM, global_mean(per_example))


def global_batch_mean(values):
    """The global-batch mean of (B, ...) values over the batch axis, (...) float32 and the same
    on every replica: each replica's sum over its examples divided by the global batch (local
    batch x replicas), summed by an all-reduce (as `global_value`, for vectors: StyleGAN's
    running average of w)."""
    values = tf.cast(values, tf.float32)
    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context: the whole batch is here
        return tf.reduce_mean(values, axis=0)
    share = tf.reduce_sum(values, axis=0) / tf.cast(tf.shape(values)[0] * num_replicas(),
                                                    tf.float32)
    return context.all_reduce(tf.distribute.ReduceOp.SUM, share)


def global_sum(values):
    """The sum of (B, ...) values over the batch axis and every replica, (...) float32 and the
    same on every replica (an all-reduce): counts and totals for state every replica updates
    alike (ADA's signs of D(real) and the number of real images)."""
    total = tf.reduce_sum(tf.cast(values, tf.float32), axis=0)
    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context: the whole batch is here
        return total
    return context.all_reduce(tf.distribute.ReduceOp.SUM, total)


def replica_id():
    """Index of the replica running this code (0 outside a strategy), as an int32 tensor."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None:  # cross-replica context
        return tf.constant(0, tf.int32)
    return tf.cast(ctx.replica_id_in_sync_group, tf.int32)


def replica_seed(seed_generator):
    """Draw a stateless seed from a `keras.random.SeedGenerator`, distinct per replica.

    Every replica advances the same (mirrored) generator state identically, so without folding
    in the replica id all replicas would draw the same latents and the global batch would hold
    num_replicas copies of one batch of noise.
    """
    seed = tf.cast(seed_generator.next(), tf.int32)  # (2,)
    return seed + tf.stack([tf.constant(0, tf.int32), replica_id() * 1000003])


def shared_state(model, name, shape=(), dtype="float32"):
    """A model variable every replica updates alike from global values (the first replica's
    value is written to all), saved by `.keras` files and backups."""
    return model.add_weight(shape=shape, initializer="zeros", trainable=False, dtype=dtype,
                            aggregation="only_first_replica", name=name)
