"""Zoo entries of pix2pix, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "pix2pix_colorize_faces": {
        "family": "pix2pix",
        "description": "pix2pix (Isola et al. 2017) grey -> colour faces at 64x64: U-Net "
                       "generator, 70x70 PatchGAN, cGAN + 100 L1, 4 epochs",
        "config": "configs/pix2pix_colorize_faces.yaml",
        "artifact": "pix2pix_colorize_faces/pix2pix_colorize_faces.keras",
        "sha256": "bfed08cb356dbd1a90ab37ead4bb7c764943fcf54e755f9f8e752f718149498d",
        "bytes": 128218832,
        # The first 8 held-out pairs of its config (uint8), shown by `kerasgen sample`.
        "examples": {"file": "pix2pix_colorize_faces/examples.npz",
                     "sha256": "df8f54d5f114cf2fd1dd0bbc1a21de99da0fd39be0652c1bf68ea5518fb21a2a",
                     "bytes": 118376},
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015) as (grey, colour) "
                   "pairs; 009001-010000 held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"l1": 0.0536, "psnr": 23.50, "ssim": 0.8907, "fid": 2.45,
                    "attribute_agreement": 0.9735, "identity_l1": 0.0641,
                    "identity_psnr": 21.59, "identity_ssim": 0.9359, "identity_fid": 76.37,
                    "identity_attribute_agreement": 0.9263, "test_pairs": 1000},
        "command": "kerasgen train configs/pix2pix_colorize_faces.yaml",
        "metrics_command": "kerasgen evaluate pix2pix_colorize_faces --metrics "
                           "l1,psnr,ssim,fid,kid,attributes --features "
                           "classifier_celeba_attributes",
    },
    "pix2pix_edges2faces": {
        "family": "pix2pix",
        "description": "pix2pix (Isola et al. 2017) XDoG line drawings -> faces at 64x64: "
                       "U-Net at half the paper's width, 70x70 PatchGAN, cGAN + 100 L1, "
                       "5 epochs",
        "config": "configs/pix2pix_edges2faces.yaml",
        "artifact": "pix2pix_edges2faces/pix2pix_edges2faces.keras",
        "sha256": "79ad98a5ea7f671f6a409194ee7a81f6fc9089c7e603b07193d93f989242b880",
        "bytes": 32203728,
        # The first 8 held-out pairs of its config (uint8), shown by `kerasgen sample`.
        "examples": {"file": "pix2pix_edges2faces/examples.npz",
                     "sha256": "3b4f80229b37efd426e792cc63b5b42ef9af79a0121a6955e6ff46224433456f",
                     "bytes": 96814},
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015) as (XDoG edges, "
                   "face) pairs; 009001-010000 held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"l1": 0.1299, "psnr": 15.68, "ssim": 0.5757, "fid": 12.65,
                    "attribute_agreement": 0.9501, "l1_only_l1": 0.1214, "l1_only_psnr": 16.43,
                    "l1_only_ssim": 0.6229, "l1_only_fid": 14.84,
                    "l1_only_attribute_agreement": 0.9516, "identity_l1": 0.5057,
                    "identity_psnr": 5.09, "identity_ssim": 0.3342, "identity_fid": 178.76,
                    "identity_attribute_agreement": 0.8964, "test_pairs": 1000},
        "command": "kerasgen train configs/pix2pix_edges2faces.yaml",
        "metrics_command": "kerasgen evaluate pix2pix_edges2faces --metrics "
                           "l1,psnr,ssim,fid,kid,attributes --features "
                           "classifier_celeba_attributes",
    },
}

register_presets(PRESETS)
