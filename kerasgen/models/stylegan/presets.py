"""Zoo entries of StyleGAN, as plain data (KerasHub's *_presets.py habit). Metrics were
measured on this project's CPU machine by the `metrics_command` recorded with them; `command`
trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "stylegan2_celeba_64": {
        "family": "stylegan",
        "description": "StyleGAN2 (Karras et al. 2020) at 64x64 on the 9,000 training faces "
                       "of the CelebA subset: mapping of 8 layers to a 128-d w, modulated and "
                       "demodulated convolutions, noise inputs, skip generator, residual "
                       "discriminator, style mixing, lazy R1, EMA generator, truncation; "
                       "widths 16 at 64x64 up to 128; classifier FID 5.71",
        "config": "configs/stylegan2_celeba_64.yaml",
        "artifact": "stylegan2_celeba_64/stylegan2_celeba_64.keras",
        "sha256": "47811fd3639f11260093557f924b3b36810b964a7b3d738c4dccd2671af61c9c",
        "bytes": 10869800,
        "dataset": "CelebA aligned faces 000001-009000 of the 10,000-face subset; Liu et al. "
                   "2015",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"fid": 5.71, "kid_mean": 0.59, "kid_std": 0.12, "swd_64": 12.15,
                    "swd_32": 8.83, "swd_16": 19.94, "swd_mean": 13.64, "precision": 0.917,
                    "recall": 0.767, "memorization_score": 0.98, "cpu_seconds": 12510,
                    "images_seen": 415584},
        "command": "kerasgen train configs/stylegan2_celeba_64.yaml",
        "metrics_command": "kerasgen evaluate stylegan2_celeba_64 --features "
                           "classifier_celeba_attributes --metrics fid,kid,swd,pr",
    },
}

register_presets(PRESETS)
