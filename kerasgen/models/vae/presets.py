"""Zoo entries of the VAE, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "vae_mnist": {
        "family": "vae",
        "description": "Convolutional VAE (latent 32, Bernoulli pixels) on dynamically "
                       "binarized MNIST, ELBO then IWAE fine-tunes (k = 5, then k = 20); "
                       "importance-sampled test NLL 84.90 nats",
        "config": "configs/vae_mnist.yaml",
        "artifact": "vae_mnist/vae_mnist.keras",
        "sha256": "55cb8ec0ec88a8bf73bf25ea90958670ac9f0195b19d1403715e693f80a2c6a5",
        "bytes": 6885802,
        "dataset": "MNIST train split (60,000 images, binarized afresh each epoch); LeCun, "
                   "Cortes & Burges",
        "license": "MNIST is distributed by Yann LeCun and Corinna Cortes under CC BY-SA 3.0",
        "metrics": {"nll_nats": 84.9032, "nll_nats_stderr": 0.2208, "bits_per_dim": 0.1562,
                    "k": 1000, "test_images": 10000, "test_elbo": -93.65,
                    "target_nll_nats": 85.0, "target_met": True,
                    "previous_nll_nats": 85.4799},
        # Every stage: runs/vae_mnist/<stage>/, the model in .../iwae20.
        "command": "kerasgen train configs/vae_mnist.yaml",
        "metrics_command": "kerasgen evaluate vae_mnist --metrics nll --k 1000",
    },
}

register_presets(PRESETS)
