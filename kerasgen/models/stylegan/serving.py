"""StyleGAN's serving endpoints: the sampler's, with `sample` taking a truncation, and the two
halves of the generator, `mapping` and `synthesis`."""

import tensorflow as tf

from kerasgen.models import endpoints


def stylegan_endpoints(model, defaults):
    """`defaults` (the sampler's `serving_default`(z) and `sample`) with:

    - `sample`(count, seed, truncation) -> images: z ~ N(0, I) from the seed, w pulled toward
      the average by psi = truncation;
    - `mapping`(z, truncation) -> w float32 (B, w_dim), truncated (the average w is model
      state, so a client could not truncate without it);
    - `synthesis`(w) -> images from w (B, w_dim), the same style for every layer.

    A truncation outside [0, 1] is refused by name, in the graph.
    """
    latent_dim, w_dim = int(model.latent_dim), int(model.w_dim)
    count_seed = [tf.TensorSpec((), tf.int32, name="count"),
                  tf.TensorSpec((), tf.int64, name="seed")]
    truncation_spec = tf.TensorSpec((), tf.float32, name="truncation")

    def sample(count, seed, truncation):
        z = tf.random.stateless_normal(tf.stack([endpoints.check_count(count), latent_dim]),
                                       seed=endpoints.seed_pair(seed))
        images = model.generate(z, truncation=endpoints.check_truncation(truncation))
        return {"images": endpoints.to_uint8(images)}  # (B, S, S, C) uint8

    def mapping(z, truncation):
        z = endpoints.check_latents(z, latent_dim)
        return {"w": model.mapping(z, endpoints.check_truncation(truncation))}  # (B, w_dim)

    def synthesis(w):
        w = endpoints.checked(w, [tf.debugging.assert_equal(
            tf.shape(w)[-1], w_dim, message=f"w must have shape (batch, {w_dim}) float32")])
        return {"images": endpoints.to_uint8(model.synthesis(w))}

    found = dict(defaults)
    found["sample"] = endpoints.Endpoint(sample, count_seed + [truncation_spec])
    found["mapping"] = endpoints.Endpoint(mapping, [
        tf.TensorSpec((None, latent_dim), tf.float32, name="z"), truncation_spec])
    found["synthesis"] = endpoints.Endpoint(synthesis, [
        tf.TensorSpec((None, w_dim), tf.float32, name="w")])
    return found
