"""Zoo entries of PixelCNN, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "pixelcnn_mnist": {
        "family": "pixelcnn",
        "description": "Gated PixelCNN (12 blocks of 32 filters, one Bernoulli logit per "
                       "pixel) on dynamically binarized MNIST; exact test NLL 83.46 nats, "
                       "below vae_mnist's 84.90",
        "config": "configs/pixelcnn_mnist.yaml",
        "artifact": "pixelcnn_mnist/pixelcnn_mnist.keras",
        "sha256": "01bc665024c5a557ea01f6bb54b87539a28a9bdcaf5d37cac45e77cfe017997d",
        "bytes": 1296009,
        "dataset": "MNIST train split (60,000 images, binarized afresh each epoch); LeCun, "
                   "Cortes & Burges",
        "license": "MNIST is distributed by Yann LeCun and Corinna Cortes under CC BY-SA 3.0",
        "metrics": {"nll_nats": 83.4559, "nll_nats_stderr": 0.1972, "bits_per_dim": 0.1536,
                    "test_images": 10000, "binarization": "once, seed 0",
                    "target_nll_nats": 81.5, "target_met": False,
                    "vae_mnist_nll_nats": 84.9032,
                    "independent_pixels_nll_nats": 205.7703,
                    "fashion_mnist_test_nll_nats": 348.5383,
                    "uniform_noise_nll_nats": 912.3075},
        "command": "kerasgen train configs/pixelcnn_mnist.yaml",
        "metrics_command": "kerasgen evaluate pixelcnn_mnist --metrics nll",
    },
}

register_presets(PRESETS)
