"""Zoo entries as plain data (KerasHub's presets.py habit). Metrics were measured on this
project's CPU machine by the `metrics_command` recorded with them; `command` trained the
model. See zoo/<name>/README.md for the protocols."""

PRESETS = {
    "classifier_mnist": {
        "family": "classifier",
        "description": "MNIST digit classifier: features for classifier FID/KID/IS, judge of "
                       "conditional-GAN class accuracy",
        "config": "configs/classifier_mnist.yaml",
        "artifact": "classifier_mnist/classifier_mnist.keras",
        "sha256": "8a64ad320244f42ef02c3b0b2aff212882b5a1e7a00259689b17b34cb40f06ed",
        "bytes": 1935369,
        "dataset": "MNIST train split (60,000 images); LeCun, Cortes & Burges",
        "license": "MNIST is distributed by Yann LeCun and Corinna Cortes under CC BY-SA 3.0",
        "metrics": {"test_accuracy": 0.9951},
        "command": "kerasgen train configs/classifier_mnist.yaml",
        "metrics_command": "kerasgen train configs/classifier_mnist.yaml (val_accuracy on the "
                           "10,000 test images after the last epoch)",
    },
    "classifier_fashion_mnist": {
        "family": "classifier",
        "description": "Fashion-MNIST classifier: features for classifier FID/KID/IS, judge "
                       "of conditional-GAN class accuracy",
        "config": "configs/classifier_fashion_mnist.yaml",
        "artifact": "classifier_fashion_mnist/classifier_fashion_mnist.keras",
        "sha256": "5d07ecebabb7cb37d3f5c92320e76238cc5280ff3b7bf824ed7b6338ef3f1f36",
        "bytes": 1935370,
        "dataset": "Fashion-MNIST train split (60,000 images); Xiao, Rasul & Vollgraf 2017",
        "license": "Fashion-MNIST: Zalando Research, MIT licence",
        "metrics": {"test_accuracy": 0.9301},
        "command": "kerasgen train configs/classifier_fashion_mnist.yaml",
        "metrics_command": "kerasgen train configs/classifier_fashion_mnist.yaml (val_accuracy "
                           "on the 10,000 test images after the last epoch)",
    },
    "dcgan_celeba_64": {
        "family": "dcgan",
        "description": "Radford et al. 2016 DCGAN, 64x64 RGB faces from 9,000 aligned CelebA "
                       "images (10 epochs on this CPU; rough, recognisable faces)",
        "config": "configs/dcgan_celeba_64.yaml",
        "artifact": "dcgan_celeba_64/dcgan_celeba_64.keras",
        "sha256": "2755c5de3f7bc9e51b57cae62ca9ef4aa719efba77f5ff45f0b70df765843347",
        "bytes": 25470526,
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015); 009001-010000 held "
                   "out for the nearest-neighbour check",
        "license": "CelebA agreement: non-commercial research and education only; these "
                   "weights carry the same terms",
        "metrics": {"memorization_score": 1.18, "fraction_closer_than_test_p1": 0.0,
                    "generated_distance": 0.291, "test_distance": 0.246},
        "command": "kerasgen train configs/dcgan_celeba_64.yaml",
        "metrics_command": "kerasgen evaluate dcgan_celeba --metrics '' --features pixels:32 "
                           "--nearest-neighbours nn.png --num-generated 1000",
    },
}

ALIASES = {"dcgan_celeba": "dcgan_celeba_64"}
