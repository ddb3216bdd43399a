"""Zoo entries of the feature extractors and judges of the metrics, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

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
    "classifier_celeba_attributes": {
        "family": "classifier",
        "description": "The 40 CelebA attributes as a multi-label CNN on 64x64 faces: features "
                       "for classifier FID/KID on faces, judge of attribute agreement",
        "config": "configs/classifier_celeba_attributes.yaml",
        "artifact": "classifier_celeba_attributes/classifier_celeba_attributes.keras",
        "sha256": "b7e9f8f55bcae8bf226626a9a15649c2deadef784a256266556234af34279253",
        "bytes": 5450418,
        "dataset": "CelebA aligned faces 000001-009000 with list_attr_celeba.txt (Liu et al. "
                   "2015); 009001-010000 held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"mean_attribute_accuracy": 0.8640, "majority_baseline": 0.8029,
                    "test_images": 1000},
        "command": "kerasgen train configs/classifier_celeba_attributes.yaml",
        "metrics_command": "python -m kerasgen.metrics.attributes "
                           "classifier_celeba_attributes (faces 9001-10000)",
    },
    "classifier_celeba_attributes_balanced": {
        "family": "classifier",
        "description": "classifier_celeba_attributes with per-attribute decision thresholds "
                       "of best balanced accuracy on faces 1-9000: the judge of attribute "
                       "verdicts (rare attributes such as Eyeglasses included)",
        "config": "configs/classifier_celeba_attributes_balanced.yaml",
        "artifact": "classifier_celeba_attributes_balanced/"
                    "classifier_celeba_attributes_balanced.keras",
        "sha256": "11b6f80415a89f54e89335c824190f9c30d36efeb68feaf668a017030bfd764e",
        "bytes": 5451282,
        "dataset": "CelebA aligned faces 000001-009000 with list_attr_celeba.txt (Liu et al. "
                   "2015): weights and thresholds; 009001-010000 held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"mean_balanced_accuracy": 0.7614, "mean_roc_auc": 0.8246,
                    "eyeglasses_balanced_accuracy": 0.774, "test_images": 1000},
        "command": "python -m kerasgen.metrics.attributes classifier_celeba_attributes "
                   "--calibrate classifier_celeba_attributes_balanced.keras",
        "metrics_command": "python -m kerasgen.metrics.attributes "
                           "classifier_celeba_attributes_balanced (faces 9001-10000)",
    },
    "classifier_celeba_attributes_judge": {
        "family": "classifier",
        "description": "The judge of attribute verdicts on 64x64 faces: a deeper attribute CNN "
                       "(4 blocks, 24 epochs) with per-attribute thresholds picked on faces "
                       "8001-9000, which it was not trained on; held-out mean balanced "
                       "accuracy 0.815 (Eyeglasses 0.892, Male 0.967, Smiling 0.905)",
        "config": "configs/classifier_celeba_attributes_judge.yaml",
        "artifact": "classifier_celeba_attributes_judge/classifier_celeba_attributes_judge.keras",
        "sha256": "17776465f8737dfec19fe0c816dc2a23c5c06cc338065240ac2c10877c8d40e4",
        "bytes": 9036602,
        "dataset": "CelebA aligned faces 000001-008000 with list_attr_celeba.txt (Liu et al. "
                   "2015) for the weights, 008001-009000 for the thresholds; 009001-010000 "
                   "held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"mean_balanced_accuracy": 0.8145, "mean_roc_auc": 0.8823,
                    "eyeglasses_balanced_accuracy": 0.892, "male_balanced_accuracy": 0.967,
                    "smiling_balanced_accuracy": 0.905, "test_images": 1000,
                    "cpu_seconds": 3266},
        "command": "kerasgen train configs/classifier_celeba_attributes_judge.yaml",
        # The second step: the thresholds, picked on faces the weights never trained on.
        "thresholds_command": "python -m kerasgen.metrics.attributes "
                              "runs/classifier_celeba_attributes_judge --calibrate "
                              "classifier_celeba_attributes_judge.keras --start 8000 "
                              "--stop 9000",
        "metrics_command": "python -m kerasgen.metrics.attributes "
                           "classifier_celeba_attributes_judge (faces 9001-10000)",
    },
}

register_presets(PRESETS)
