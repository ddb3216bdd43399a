"""Zoo entries of the progressive GAN, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "progan_celeba_64": {
        "family": "progan",
        "description": "Progressive GAN (Karras et al. 2018) grown from 4x4 to 64x64 on the "
                       "9,000 training faces of the CelebA subset: 40,000 images a phase, "
                       "widths 128 halving to 32 at 64x64, WGAN-GP + drift, EMA generator; "
                       "classifier FID 19.7, noisy patches in some faces",
        "config": "configs/progan_celeba_64.yaml",
        "artifact": "progan_celeba_64/progan_celeba_64.keras",
        "sha256": "b037fcabcda5e128e0103baabfe93d8c38583c8191945f8d272de2b30c606eaf",
        "bytes": 13902038,
        "dataset": "CelebA aligned faces 000001-009000 of the 10,000-face subset; Liu et al. "
                   "2015",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"fid": 19.67, "kid_mean": 2.70, "kid_std": 0.18, "swd_64": 16.03,
                    "swd_32": 8.78, "swd_16": 12.13, "swd_mean": 12.31, "precision": 0.935,
                    "recall": 0.644, "memorization_score": 1.08, "cpu_seconds": 12512,
                    "images_seen": 386720, "previous_fid": 48.98},
        "command": "kerasgen train configs/progan_celeba_64.yaml",
        "metrics_command": "kerasgen evaluate progan_celeba_64 --features "
                           "classifier_celeba_attributes --metrics fid,kid,swd,pr",
    },
}

register_presets(PRESETS)
