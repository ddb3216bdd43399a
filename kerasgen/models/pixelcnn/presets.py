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
    "pixelcnn_cifar10": {
        "family": "pixelcnn",
        "description": "Gated PixelCNN (12 blocks of 60 filters, PixelCNN++'s mixture of 5 "
                       "discretized logistics per pixel) on 8-bit CIFAR-10 JPEG copies, 3 "
                       "epochs; exact held-out NLL 3.2054 bits/dim (each sub-pixel on its "
                       "own: 7.8754)",
        "config": "configs/pixelcnn_cifar10.yaml",
        "artifact": "pixelcnn_cifar10/pixelcnn_cifar10.keras",
        "sha256": "8cc3f6ef35f571d7d9e219b33160108380b0eeb82a7d3242514b7a1514ab1645",
        "bytes": 4070532,
        "dataset": "CIFAR-10 training split as JPEG copies (quality about 75), 45,000 images; "
                   "the last 500 of each class held out; Krizhevsky 2009",
        "license": "CIFAR-10 is distributed by its authors for research use (Krizhevsky "
                   "2009); these weights under the same terms",
        "metrics": {"bits_per_dim": 3.2054, "held_out_images": 5000,
                    "target_bits_per_dim": 3.6, "target_met": True,
                    "independent_pixels_bits_per_dim": 7.8754},
        "command": "kerasgen train configs/pixelcnn_cifar10.yaml",
        "metrics_command": "kerasgen evaluate pixelcnn_cifar10 --metrics nll",
    },
}

register_presets(PRESETS)
