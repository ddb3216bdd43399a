"""Zoo entries of the text-to-image GAN, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "text2image_celeba_64": {
        "family": "text2image",
        "description": "Text-to-image GAN (Reed et al. 2016, GAN-INT-CLS) at 64x64: captions "
                       "as people write them -> faces, through the frozen "
                       "text_encoder_celeba; DCGAN G and D, EMA generator, 8 x 140 steps",
        "config": "configs/text2image_celeba_64.yaml",
        "artifact": "text2image_celeba_64/text2image_celeba_64.keras",
        "sha256": "a1aded2d7e707df322890b81b663277bf50a3292e4baf3198c9b2759cdf4ea03",
        "bytes": 53483316,
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015) with 5 captions "
                   "each phrased from list_attr_celeba.txt (celeba_attributes_v2, rare "
                   "attributes repeated); 009001-010000 held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        # Verdicts by classifier_celeba_attributes_judge, on the held-out faces' first
        # captions of the second scheme (the config's); *_first_scheme: on those of the first
        # scheme, the protocol the previous preset was published with (0.709, FID 14.43);
        # held_out_*: the twelve held-out sentence shapes, 64 faces each.
        "metrics": {"attribute_accuracy": 0.7600, "attribute_accuracy_real": 0.8855,
                    "attribute_accuracy_mismatched": 0.4739, "fid": 12.45, "kid": 1.017,
                    "diversity": 0.4315, "test_captions": 1000,
                    "attribute_accuracy_first_scheme": 0.7413,
                    "attribute_accuracy_real_first_scheme": 0.8407, "fid_first_scheme": 19.28,
                    "held_out_accuracy": 0.7759, "held_out_gender": 0.9297,
                    "held_out_eyeglasses": 0.8672, "held_out_hat": 0.6406,
                    "held_out_eyeglasses_unasked": 0.2361, "held_out_hat_unasked": 0.1293},
        "command": "kerasgen train configs/text2image_celeba_64.yaml",
        "metrics_command": "kerasgen evaluate text2image_celeba_64 "
                           "--metrics attributes,fid,kid,diversity,held_out_captions",
    },
}

register_presets(PRESETS)
