"""Analytic multiply-add counts of conv and dense layers, for 'fraction of the conv ceiling'.

Counted per image, forward pass, from each layer's built input/output shapes:
Conv2D 2*Ho*Wo*Co*kh*kw*Ci, Conv2DTranspose 2*Hi*Wi*Ci*kh*kw*Co, Dense 2*in*out; layers of
our own with a `kernel` (StyleGAN's equalized-rate and modulated convolutions, which convolve
at their output's resolution, and its dense layers) by the same rules from the kernel's shape,
with the dense layers they hold (a modulated convolution's style affine). Element-wise
work (norms, activations, losses) is left out: it is small and not what the ceiling measures.
A training pass costs about 3x its forward pass (forward, input gradients, weight gradients).
"""

import keras


def _layers(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _layers(layer)
        else:
            yield layer


def forward_flops(model):
    """FLOPs of one forward pass of a functional `model`, per image."""
    total = 0
    for layer in _layers(model):
        if isinstance(layer, (keras.layers.Conv2DTranspose, keras.layers.Conv2D)):
            kh, kw = layer.kernel_size
            _, hi, wi, ci = layer.input.shape
            _, ho, wo, co = layer.output.shape
            if isinstance(layer, keras.layers.Conv2DTranspose):
                total += 2 * hi * wi * ci * kh * kw * co
            else:
                total += 2 * ho * wo * co * kh * kw * ci
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
        else:
            total += _own_layer_flops(layer)
    return total


def _own_layer_flops(layer):
    """A custom layer's kernel: rank 4 (kh, kw, ci, co) convolves at the output's size,
    rank 2 (in, out) is a dense layer; plus the dense layers it holds as attributes."""
    total = 0
    kernel = getattr(layer, "kernel", None)
    if kernel is not None and len(kernel.shape) == 4:
        kh, kw, ci, co = kernel.shape
        _, ho, wo, _ = layer.output.shape
        total += 2 * ho * wo * kh * kw * ci * co
    elif kernel is not None and len(kernel.shape) == 2:
        total += 2 * kernel.shape[0] * kernel.shape[1]
    for held in vars(layer).values():
        if isinstance(held, keras.layers.Layer) and held is not layer:
            total += _own_layer_flops(held)
    return total


def training_step_flops(model):
    """FLOPs per real training image of one kerasgen training step (approximate).

    GANs, per D update on b real images: G forward (b), D forward+backward on b real and b fake
    images; then per G update: G forward+backward and D forward + input gradients (weight
    gradients of D are not needed). With k D updates per G update each real image accounts
    for 1/k of the G update. WGAN-GP's penalty (a double backward through D) is not counted,
    so its fraction is a lower bound. VAEs: encoder and decoder, forward+backward.
    """
    if hasattr(model, "encoder") and hasattr(model, "decoder"):
        return 3 * (forward_flops(model.encoder) + forward_flops(model.decoder))
    g, d = forward_flops(model.generator), forward_flops(model.discriminator)
    k = getattr(model, "discriminator_steps", 1)
    d_update = g + 2 * 3 * d
    g_update = 3 * g + 2 * d
    return d_update + g_update / k
