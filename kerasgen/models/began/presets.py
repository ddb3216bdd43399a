"""Zoo entries of BEGAN, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "began_celeba_64": {
        "family": "began",
        "description": "BEGAN (Berthelot et al. 2017) at 64x64 on the 9,000 training faces of "
                       "the CelebA subset: autoencoder discriminator, k_t controller (gamma "
                       "0.5), width 32, 10 epochs; smooth, mostly frontal faces of little "
                       "variety (classifier FID 64.4, recall 0.04)",
        "config": "configs/began_celeba_64.yaml",
        "artifact": "began_celeba_64/began_celeba_64.keras",
        "sha256": "df72c04dd839f6292bddf20bf383e393648a455e0c53fd040ee99d575e1d095e",
        "bytes": 6303345,
        "dataset": "CelebA aligned faces 000001-009000 of the 10,000-face subset; Liu et al. "
                   "2015",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"fid": 64.43, "kid_mean": 4.75, "kid_std": 0.11, "swd_64": 110.92,
                    "swd_32": 80.83, "swd_16": 94.09, "swd_mean": 95.28, "precision": 0.938,
                    "recall": 0.037, "m_global_last_epoch": 0.1527, "k_t": 0.0948,
                    "cpu_seconds": 4174, "examples": 90528},
        "command": "kerasgen train configs/began_celeba_64.yaml",
        "metrics_command": "kerasgen evaluate began_celeba_64 --features "
                           "classifier_celeba_attributes --metrics fid,kid,swd,pr",
    },
}

register_presets(PRESETS)
