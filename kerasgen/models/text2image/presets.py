"""Zoo entries of the text-to-image GAN, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "text2image_celeba_64": {
        "family": "text2image",
        "description": "Text-to-image GAN (Reed et al. 2016, GAN-INT-CLS) at 64x64: captions "
                       "phrased from CelebA attributes -> faces, through the frozen "
                       "text_encoder_celeba; DCGAN G and D, EMA generator, 8 x 140 steps",
        "config": "configs/text2image_celeba_64.yaml",
        "artifact": "text2image_celeba_64/text2image_celeba_64.keras",
        "sha256": "aca3631bbfdae28ac2c8a5517ffc7179743cf4fe06725cf83584cdbd87aba1c3",
        "bytes": 53482825,
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015) with 5 captions "
                   "each phrased from list_attr_celeba.txt; 009001-010000 held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        # Verdicts by classifier_celeba_attributes_judge; *_old_judge by
        # classifier_celeba_attributes_balanced, the judge they were first published with.
        "metrics": {"attribute_accuracy": 0.7091, "attribute_accuracy_real": 0.8407,
                    "attribute_accuracy_mismatched": 0.4435,
                    "attribute_accuracy_old_judge": 0.7587,
                    "attribute_accuracy_real_old_judge": 0.7803, "fid": 14.43, "kid": 2.003,
                    "diversity": 0.4836, "test_captions": 1000},
        "command": "kerasgen train configs/text2image_celeba_64.yaml",
        "metrics_command": "kerasgen evaluate text2image_celeba_64",
    },
}

register_presets(PRESETS)
