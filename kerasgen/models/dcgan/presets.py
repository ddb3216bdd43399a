"""Zoo entries of DCGAN, the conditional GAN and the WGAN-GP critic, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "dcgan_mnist": {
        "family": "dcgan",
        "description": "Radford et al. 2016 DCGAN on MNIST with 3 extra 3x3 conv layers at 7x7 "
                       "in both networks (width 64, EMA generator), 16 epochs, then six "
                       "1-epoch learning-rate cycles; the generator is the uniform average of "
                       "the 16-epoch model and the six cycle ends (stochastic weight "
                       "averaging): classifier IS 9.26, FID 3.99",
        "config": "configs/dcgan_mnist.yaml",
        "artifact": "dcgan_mnist/dcgan_mnist.keras",
        "sha256": "ef0f417e430547a6f29d6b798f0182d4d531fb3ef00b817b09f234fc7f7310ce",
        "bytes": 12114100,
        "dataset": "MNIST train split (60,000 images); LeCun, Cortes & Burges",
        "license": "MNIST is distributed by Yann LeCun and Corinna Cortes under CC BY-SA 3.0",
        "metrics": {"is_mean": 9.257, "fid": 3.99, "kid_mean": 0.89, "precision": 0.820,
                    "recall": 0.849, "is_real_mean": 9.847, "memorization_score": 1.98,
                    "target_is_mean": 9.0, "target_met": True, "stretch_is_mean": 9.5,
                    "stretch_met": False, "previous_is_mean": 9.213, "previous_fid": 5.99},
        # Every stage and the average: runs/dcgan_mnist/<stage>/, the model in .../average.
        "command": "kerasgen train configs/dcgan_mnist.yaml",
        "metrics_command": "kerasgen evaluate dcgan_mnist --metrics fid,kid,is,pr",
    },
    "cgan_mnist": {
        "family": "cgan",
        "description": "Class-conditional DCGAN on MNIST (one-hot labels into G, projection "
                       "discriminator, EMA generator): draws the digit it is asked for",
        "config": "configs/cgan_mnist.yaml",
        "artifact": "cgan_mnist/cgan_mnist.keras",
        "sha256": "b02e83ac6994094ab8fbffe2ea08419d13be37ceaed33b8fd555c16cd0ea1639",
        "bytes": 7490205,
        "dataset": "MNIST train split (60,000 images with labels); LeCun, Cortes & Burges",
        "license": "MNIST is distributed by Yann LeCun and Corinna Cortes under CC BY-SA 3.0",
        "metrics": {"class_accuracy": 0.9914, "fid": 9.86, "kid_mean": 5.90,
                    "is_mean": 9.888, "precision": 0.819, "recall": 0.739,
                    "memorization_score": 0.983},
        "command": "kerasgen train configs/cgan_mnist.yaml",
        "metrics_command": "kerasgen evaluate cgan_mnist --metrics fid,kid,is,pr",
    },
    "wgan_gp_fashion_mnist": {
        "family": "dcgan",
        "description": "WGAN-GP (Gulrajani et al. 2017) on Fashion-MNIST: lambda 10, layer-norm "
                       "critic, 3 extra conv layers in both networks, a 128-wide generator, one "
                       "critic update per generator update at 4x the generator's learning rate, "
                       "EMA generator; 9 epochs, 4 with the learning rates decayed to 0, then 8 "
                       "more restarted at half the rates and decayed to 0, then 6 more at batch "
                       "128, then the critic widened to 128 (Net2WiderNet) for 3 + 3 more "
                       "epochs, seven 1-epoch learning-rate cycles and a 3-epoch one; the "
                       "generator is the uniform average of three of the ten wide-critic cycle "
                       "ends, chosen by a greedy model soup on held-out sampling seeds "
                       "(stochastic weight averaging): classifier IS 7.83 (target 7.8), FID "
                       "7.36",
        "config": "configs/wgan_gp_fashion_mnist.yaml",
        "artifact": "wgan_gp_fashion_mnist/wgan_gp_fashion_mnist.keras",
        "sha256": "953a17ba59ed301a0104582849212435ffc1756eb1a9b5fc4ca88af282af0e6b",
        "bytes": 38222646,
        "dataset": "Fashion-MNIST train split (60,000 images); Xiao, Rasul & Vollgraf 2017",
        "license": "Fashion-MNIST: Zalando Research, MIT licence",
        "metrics": {"fid": 7.36, "kid_mean": 1.38, "is_mean": 7.827, "is_real_mean": 8.502,
                    "precision": 0.835, "recall": 0.781, "memorization_score": 1.55,
                    "target_is_mean": 7.8, "target_met": True,
                    "previous_fid": 7.79, "previous_is_mean": 7.795},
        # Every stage and the greedy soup: runs/wgan_gp_fashion_mnist/<stage>/, the model in
        # .../soup.
        "command": "kerasgen train configs/wgan_gp_fashion_mnist.yaml",
        "metrics_command": "kerasgen evaluate wgan_gp_fashion_mnist --metrics fid,kid,is,pr",
    },
    "dcgan_celeba_64": {
        "family": "dcgan",
        "description": "Radford et al. 2016 DCGAN, 64x64 RGB faces from 9,000 aligned CelebA "
                       "images, EMA generator (208.5 CPU minutes, 76 epochs; attribute-"
                       "classifier FID 2.34)",
        "config": "configs/dcgan_celeba_64.yaml",
        "artifact": "dcgan_celeba_64/dcgan_celeba_64.keras",
        "sha256": "bdf8b7282d66a4e585c90947c74bda3250ab317de312a87227c2ab94cfa61559",
        "bytes": 39827206,
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015); 009001-010000 held "
                   "out for the nearest-neighbour check",
        "license": "CelebA agreement: non-commercial research and education only; these "
                   "weights carry the same terms",
        "metrics": {"attribute_classifier_fid": 2.34, "attribute_classifier_kid_mean": 0.24,
                    "swd_mean": 12.77, "precision": 0.892, "recall": 0.898,
                    "memorization_score": 1.01, "fraction_closer_than_test_p1": 0.006,
                    "generated_distance": 0.248, "test_distance": 0.246,
                    "previous_attribute_classifier_fid": 13.07},
        "command": "kerasgen train configs/dcgan_celeba_64.yaml",
        "metrics_command": "kerasgen evaluate dcgan_celeba --metrics '' --features pixels:32 "
                           "--nearest-neighbours nn.png --num-generated 1000; attribute "
                           "classifier FID/KID, SWD, precision/recall: kerasgen evaluate "
                           "dcgan_celeba --features classifier_celeba_attributes --metrics "
                           "fid,kid,swd,pr",
    },
}

register_presets(PRESETS, aliases={"dcgan_celeba": "dcgan_celeba_64"})
