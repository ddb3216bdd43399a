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
    "cyclegan_glasses": {
        "family": "cyclegan",
        "description": "CycleGAN (Zhu et al. 2017) faces without <-> with eyeglasses at 64x64: "
                       "ResNet generators at half width, 70x70 PatchGANs, LSGAN + cycle + "
                       "identity, history pools, 2 epochs",
        "config": "configs/cyclegan_glasses.yaml",
        "artifact": "cyclegan_glasses/cyclegan_glasses.keras",
        "sha256": "67c5e466ecb0553cfd71bb7ca2ee9d67172306802a765f79fcea58e430030bd3",
        "bytes": 39493993,
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015) split by the "
                   "Eyeglasses attribute (8,385 without, 615 with); 009001-010000 held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"a2b_fid": 13.26, "a2b_fid_input": 128.78, "a2b_cycle_l1": 0.0587,
                    "a2b_target_before": 0.266, "a2b_target_after": 0.662,
                    "a2b_target_real": 0.814, "a2b_others_unchanged": 0.760,
                    "b2a_fid": 68.00, "b2a_fid_input": 105.77, "b2a_cycle_l1": 0.0644,
                    "b2a_target_before": 0.186, "b2a_target_after": 0.305,
                    "b2a_target_real": 0.734, "b2a_others_unchanged": 0.864,
                    "test_without": 941, "test_with": 59},
        "command": "kerasgen train configs/cyclegan_glasses.yaml",
        "metrics_command": "kerasgen evaluate cyclegan_glasses --features "
                           "classifier_celeba_attributes (judge: "
                           "classifier_celeba_attributes_balanced)",
    },
    "cyclegan_edges2faces": {
        "family": "cyclegan",
        "description": "CycleGAN (Zhu et al. 2017) XDoG line drawings <-> faces at 64x64, "
                       "trained unpaired (drawings of faces 1-4500, photos of 4501-9000): "
                       "half-width ResNet generators, 70x70 PatchGANs, LSGAN + cycle, 2 "
                       "epochs; scored against the paired truth beside pix2pix_edges2faces",
        "config": "configs/cyclegan_edges2faces.yaml",
        "artifact": "cyclegan_edges2faces/cyclegan_edges2faces.keras",
        "sha256": "b2f14e2eb72d9b060e06f95064d53b058fc222cb17dd58b14088a85052ece0ee",
        "bytes": 39051105,
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015): XDoG drawings of "
                   "000001-004500 (A) and photos of 004501-009000 (B), never paired; "
                   "009001-010000 held out with their ground truth",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"l1": 0.2432, "psnr": 10.54, "ssim": 0.1403, "fid": 60.13,
                    "kid": 6.749, "attribute_agreement": 0.9125, "test_pairs": 1000},
        "command": "kerasgen train configs/cyclegan_edges2faces.yaml",
        "metrics_command": "kerasgen evaluate cyclegan_edges2faces --metrics "
                           "l1,psnr,ssim,fid,kid,attributes --features "
                           "classifier_celeba_attributes",
    },
    "pix2pix_colorize_faces": {
        "family": "pix2pix",
        "description": "pix2pix (Isola et al. 2017) grey -> colour faces at 64x64: U-Net "
                       "generator, 70x70 PatchGAN, cGAN + 100 L1, 4 epochs",
        "config": "configs/pix2pix_colorize_faces.yaml",
        "artifact": "pix2pix_colorize_faces/pix2pix_colorize_faces.keras",
        "sha256": "bfed08cb356dbd1a90ab37ead4bb7c764943fcf54e755f9f8e752f718149498d",
        "bytes": 128218832,
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
    "text_encoder_celeba": {
        "family": "text_encoder",
        "description": "Caption encoder for faces (strings in, unit 128-d embeddings out): "
                       "TextVectorization + bidirectional GRU, trained against CelebA faces "
                       "1-9000 with a symmetric contrastive loss on attribute captions",
        "config": "configs/text_encoder_celeba.yaml",
        "artifact": "text_encoder_celeba/text_encoder_celeba.keras",
        "sha256": "0ee86e1021069274fe5b2cf02bf2aa20004a024920a81d59846ddb43dd621b2e",
        "bytes": 3706857,
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015) with 5 captions "
                   "each phrased from list_attr_celeba.txt; 009001-010000 held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"retrieval_top1": 0.038, "retrieval_top5": 0.121, "chance_top1": 0.001,
                    "held_out_loss": 2.7218, "test_images": 1000},
        "command": "kerasgen train configs/text_encoder_celeba.yaml",
        "metrics_command": "kerasgen evaluate text_encoder_celeba",
    },
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
        "metrics": {"attribute_accuracy": 0.7587, "attribute_accuracy_real": 0.7803,
                    "attribute_accuracy_mismatched": 0.4980, "fid": 14.43, "kid": 2.003,
                    "diversity": 0.4836, "test_captions": 1000},
        "command": "kerasgen train configs/text2image_celeba_64.yaml",
        "metrics_command": "kerasgen evaluate text2image_celeba_64",
    },
    "vae_mnist": {
        "family": "vae",
        "description": "Convolutional VAE (latent 32, Bernoulli pixels) on dynamically "
                       "binarized MNIST, ELBO then IWAE fine-tunes (k = 5, then k = 20); "
                       "importance-sampled test NLL 84.90 nats",
        "config": "configs/vae_mnist.yaml",
        "artifact": "vae_mnist/vae_mnist.keras",
        "sha256": "55cb8ec0ec88a8bf73bf25ea90958670ac9f0195b19d1403715e693f80a2c6a5",
        "bytes": 6885802,
        "dataset": "MNIST train split (60,000 images, binarized afresh each epoch); LeCun, "
                   "Cortes & Burges",
        "license": "MNIST is distributed by Yann LeCun and Corinna Cortes under CC BY-SA 3.0",
        "metrics": {"nll_nats": 84.9032, "nll_nats_stderr": 0.2208, "bits_per_dim": 0.1562,
                    "k": 1000, "test_images": 10000, "test_elbo": -93.65,
                    "target_nll_nats": 85.0, "target_met": True,
                    "previous_nll_nats": 85.4799},
        "command": "kerasgen train configs/vae_mnist.yaml; kerasgen train "
                   "configs/vae_mnist_iwae.yaml; kerasgen train "
                   "configs/vae_mnist_iwae_continue.yaml; kerasgen train "
                   "configs/vae_mnist_iwae20.yaml",
        "metrics_command": "kerasgen evaluate vae_mnist --metrics nll --k 1000",
    },
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
        "command": "kerasgen train configs/dcgan_mnist.yaml --output-dir runs/dcgan_mnist; "
                   "kerasgen train configs/dcgan_mnist_cycle.yaml --output-dir "
                   "runs/dcgan_mnist_cycle1; the same with --set "
                   "train.init_from=runs/dcgan_mnist_cycle<k-1>/model.keras --set "
                   "train.seed=<100+k> --output-dir runs/dcgan_mnist_cycle<k> for k = 2, ..., "
                   "6; kerasgen average runs/dcgan_mnist runs/dcgan_mnist_cycle1 ... "
                   "runs/dcgan_mnist_cycle6 --output-dir runs/dcgan_mnist_average",
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
        "config": "configs/wgan_gp_fashion_mnist_cycle.yaml",
        "artifact": "wgan_gp_fashion_mnist/wgan_gp_fashion_mnist.keras",
        "sha256": "953a17ba59ed301a0104582849212435ffc1756eb1a9b5fc4ca88af282af0e6b",
        "bytes": 38222646,
        "dataset": "Fashion-MNIST train split (60,000 images); Xiao, Rasul & Vollgraf 2017",
        "license": "Fashion-MNIST: Zalando Research, MIT licence",
        "metrics": {"fid": 7.36, "kid_mean": 1.38, "is_mean": 7.827, "is_real_mean": 8.502,
                    "precision": 0.835, "recall": 0.781, "memorization_score": 1.55,
                    "target_is_mean": 7.8, "target_met": True,
                    "previous_fid": 7.79, "previous_is_mean": 7.795},
        "command": "kerasgen train configs/wgan_gp_fashion_mnist.yaml; kerasgen train "
                   "configs/wgan_gp_fashion_mnist_finetune.yaml; kerasgen train "
                   "configs/wgan_gp_fashion_mnist_finetune_b128.yaml; python -m "
                   "kerasgen.models.dcgan.widen "
                   "runs/wgan_gp_fashion_mnist_finetune_b128/model.keras "
                   "runs/wgan_gp_fashion_mnist_wide.keras; kerasgen train "
                   "configs/wgan_gp_fashion_mnist_wide.yaml; kerasgen train "
                   "configs/wgan_gp_fashion_mnist_stage5.yaml; kerasgen train "
                   "configs/wgan_gp_fashion_mnist_cycle.yaml --output-dir "
                   "runs/wgan_gp_fashion_mnist_cycle1; the same with --set "
                   "train.init_from=runs/wgan_gp_fashion_mnist_cycle<k-1>/model.keras --set "
                   "train.seed=<4+k> --output-dir runs/wgan_gp_fashion_mnist_cycle<k> for k = "
                   "2, ..., 7; kerasgen train configs/wgan_gp_fashion_mnist_cycle8.yaml "
                   "--output-dir runs/wgan_gp_fashion_mnist_cycle8; kerasgen average "
                   "runs/wgan_gp_fashion_mnist_wide runs/wgan_gp_fashion_mnist_stage5 "
                   "runs/wgan_gp_fashion_mnist_cycle1 ... runs/wgan_gp_fashion_mnist_cycle8 "
                   "--greedy is --output-dir runs/wgan_gp_fashion_mnist_soup",
        "metrics_command": "kerasgen evaluate wgan_gp_fashion_mnist --metrics fid,kid,is,pr",
    },
    "dcgan_celeba_64": {
        "family": "dcgan",
        "description": "Radford et al. 2016 DCGAN, 64x64 RGB faces from 9,000 aligned CelebA "
                       "images, EMA generator (16 epochs on this CPU; attribute-classifier "
                       "FID 13.07)",
        "config": "configs/dcgan_celeba_64.yaml",
        "artifact": "dcgan_celeba_64/dcgan_celeba_64.keras",
        "sha256": "c4f9825152003fa05a3ce7a227abdd513499b22ec6b066cba89f149d45e87988",
        "bytes": 39827132,
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015); 009001-010000 held "
                   "out for the nearest-neighbour check",
        "license": "CelebA agreement: non-commercial research and education only; these "
                   "weights carry the same terms",
        "metrics": {"attribute_classifier_fid": 13.07, "attribute_classifier_kid_mean": 0.55,
                    "memorization_score": 0.97, "fraction_closer_than_test_p1": 0.006,
                    "generated_distance": 0.239, "test_distance": 0.246,
                    "previous_attribute_classifier_fid": 48.42},
        "command": "kerasgen train configs/dcgan_celeba_64.yaml",
        "metrics_command": "kerasgen evaluate dcgan_celeba --metrics '' --features pixels:32 "
                           "--nearest-neighbours nn.png --num-generated 1000; attribute "
                           "classifier FID/KID: kerasgen evaluate dcgan_celeba --features "
                           "classifier_celeba_attributes --metrics fid,kid",
    },
}

ALIASES = {"dcgan_celeba": "dcgan_celeba_64"}
