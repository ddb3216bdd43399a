"""Zoo entries of CycleGAN, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "cyclegan_glasses": {
        "family": "cyclegan",
        "description": "CycleGAN (Zhu et al. 2017) faces without <-> with eyeglasses at 64x64: "
                       "ResNet generators at half width upsampling by resize-convolution, "
                       "70x70 PatchGANs, LSGAN + cycle + identity, history pools, faces "
                       "without glasses drawn in the Male x Young proportions of those with "
                       "them, 4 epochs",
        "config": "configs/cyclegan_glasses.yaml",
        "artifact": "cyclegan_glasses/cyclegan_glasses.keras",
        "sha256": "f4db82e6d8e809489388700d9378ef9a42e135b01c1411b3d18a8167139dabc3",
        "bytes": 39509329,
        # The first 8 held-out pairs of its config (uint8), shown by `kerasgen sample`.
        "examples": {"file": "cyclegan_glasses/examples.npz",
                     "sha256": "5dba240d9faf7ae89adbc253b3228d50571c90c4476d26ec0da54cb27be16c14",
                     "bytes": 174945},
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015) split by the "
                   "Eyeglasses attribute (8,385 without, 615 with); 009001-010000 held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        # Verdicts by classifier_celeba_attributes_judge; *_old_judge by
        # classifier_celeba_attributes_balanced, the judge of the first version's card.
        "metrics": {"a2b_fid": 29.18, "a2b_fid_input": 128.78, "a2b_cycle_l1": 0.0584,
                    "a2b_target_before": 0.064, "a2b_target_after": 0.775,
                    "a2b_target_real": 0.847, "a2b_others_unchanged": 0.768,
                    "b2a_fid": 98.59, "b2a_fid_input": 105.77, "b2a_cycle_l1": 0.0631,
                    "b2a_target_before": 0.153, "b2a_target_after": 0.627,
                    "b2a_target_real": 0.936, "b2a_others_unchanged": 0.871,
                    "a2b_target_after_old_judge": 0.481, "b2a_target_after_old_judge": 0.271,
                    "test_without": 941, "test_with": 59},
        "command": "kerasgen train configs/cyclegan_glasses.yaml",
        "metrics_command": "kerasgen evaluate cyclegan_glasses --features "
                           "classifier_celeba_attributes (judge: "
                           "classifier_celeba_attributes_judge)",
    },
    "cyclegan_edges2faces": {
        "family": "cyclegan",
        "description": "CycleGAN (Zhu et al. 2017) XDoG line drawings <-> faces at 64x64, "
                       "trained unpaired (drawings of faces 1-4500, photos of 4501-9000): "
                       "half-width ResNet generators upsampling by resize-convolution, 70x70 "
                       "PatchGANs, LSGAN + cycle, 2 epochs; scored against the paired truth "
                       "beside pix2pix_edges2faces",
        "config": "configs/cyclegan_edges2faces.yaml",
        "artifact": "cyclegan_edges2faces/cyclegan_edges2faces.keras",
        "sha256": "955ea12388297f03cbd65ed1deb331c69a8f5f2a5dd9638ef6bb7a1f4c5e9a59",
        "bytes": 39066441,
        # The first 8 held-out pairs of its config (uint8), shown by `kerasgen sample`.
        "examples": {"file": "cyclegan_edges2faces/examples.npz",
                     "sha256": "a4c0e883c069f157a4874fbbad9ef1df57cfd5e816229de3141d06af6e938789",
                     "bytes": 93533},
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015): XDoG drawings of "
                   "000001-004500 (A) and photos of 004501-009000 (B), never paired; "
                   "009001-010000 held out with their ground truth",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"l1": 0.2474, "psnr": 10.55, "ssim": 0.3039, "fid": 52.43,
                    "kid": 6.176, "attribute_agreement": 0.9215, "cycle_l1": 0.0470,
                    "cycle_l1_blurred": 0.0486, "back_from_target_l1": 0.1086,
                    "test_pairs": 1000},
        "command": "kerasgen train configs/cyclegan_edges2faces.yaml",
        "metrics_command": "kerasgen evaluate cyclegan_edges2faces --metrics "
                           "l1,psnr,ssim,fid,kid,attributes,cycle --features "
                           "classifier_celeba_attributes",
    },
}

register_presets(PRESETS)
