"""`kerasgen evaluate` end to end on synthetic idx data (no real data, no downloads)."""

import json
import math
import os
import re

import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen import cli
from kerasgen import config as config_lib
from kerasgen.evaluation import evaluate as evaluate_lib
from kerasgen.evaluation import loading
from kerasgen.training.train import train
from tests import helpers


@pytest.fixture
def idx_folder(tmp_path):
    return helpers.write_idx_folder(str(tmp_path / "digits"), num_train=120, num_test=60)


def train_tiny(family, args, folder, out, **data):
    config = config_lib.from_dict(config_lib.ExperimentConfig, {
        "name": family, "model": {"family": family, "args": args},
        "data": {"source": "idx", "path": folder, "batch_size": 16, **data},
        "train": {"epochs": 1, "steps_per_epoch": 2, "output_dir": out, "num_samples": 4}})
    train(config, verbose=0)
    return out


def classifier_file(tmp_path):
    clf = helpers.tiny_classifier(size=28, num_classes=10, feature_dim=16)
    path = str(tmp_path / "clf.keras")
    clf.save(path)
    return path


def test_evaluate_vae_run_folder_reports_nll_in_nats_and_bits(idx_folder, tmp_path, capsys):
    run = train_tiny("vae", {"image_shape": [28, 28, 1], "latent_dim": 4, "hidden_dims": [8]},
                     idx_folder, str(tmp_path / "vae"), binarize=True)
    out = str(tmp_path / "vae.json")
    assert cli.main(["evaluate", run, "--metrics", "nll", "--k", "30", "--json", out]) == 0
    table = capsys.readouterr().out
    assert "nll_nats" in table and "bits_per_dim" in table
    report = json.load(open(out))
    nats = report["metrics"]["nll_nats"]
    assert 0 < nats < 784 * math.log(2) * 1.5  # a barely trained VAE: positive, not absurd
    assert report["metrics"]["bits_per_dim"] == pytest.approx(nats / (784 * math.log(2)))
    protocol = report["protocol"]["nll"]
    assert protocol["num_samples"] == 30 and protocol["num_images"] == 60
    assert protocol["binarization"] == "once, seed 0"
    assert report["model"]["family"] == "VAE" and len(report["model"]["sha256"]) == 64


def test_a_vae_and_a_pixelcnn_share_one_nll_table(idx_folder, tmp_path, capsys,
                                                  monkeypatch):
    """Several models, one table: each column on the same test images binarized once with
    seed 0; the estimator (importance-sampled bound or exact) is in each one's protocol."""
    vae = train_tiny("vae", {"image_shape": [28, 28, 1], "latent_dim": 4, "hidden_dims": [8]},
                     idx_folder, str(tmp_path / "vae"), binarize=True)
    pcnn = train_tiny("pixelcnn", {"image_shape": [28, 28, 1], "num_layers": 1, "filters": 4,
                                   "first_kernel_size": 3, "head_filters": 4},
                      idx_folder, str(tmp_path / "pcnn"), binarize=True)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["evaluate", vae, pcnn, "--metrics", "nll", "--k", "20", "--quiet"]) == 0
    table = capsys.readouterr().out
    header, rule, *rows = table.splitlines()
    assert header.split() == ["metric", vae, pcnn], table
    nll = next(r.split() for r in rows if r.startswith("nll_nats "))
    reports = [json.load(open(tmp_path / "runs" / "evaluate" / f"{name}.json"))
               for name in ("vae", "pcnn")]
    assert [float(v) for v in nll[1:]] == pytest.approx(
        [r["metrics"]["nll_nats"] for r in reports], abs=1e-4)
    assert [r["protocol"]["nll"]["binarization"] for r in reports] == ["once, seed 0"] * 2
    assert "exact" in reports[1]["protocol"]["nll"]["estimator"]
    assert "PixelCNN" in table and "VAE" in table
    assert cli.main(["evaluate", vae, pcnn, "--json", "x.json"]) == 2
    assert "--json names one report" in capsys.readouterr().err
    # Heat maps: the first 16 test images, binarized as the NLL saw them, beside their
    # per-pixel -log p(x_i | x_<i) on one colour scale.
    assert cli.main(["evaluate", pcnn, "--metrics", "nll", "--heat-maps", "heat.png",
                     "--quiet"]) == 0
    assert "heat maps: heat.png" in capsys.readouterr().out
    record = json.load(open(tmp_path / "runs" / "evaluate" / "pcnn.json"))["heat_maps"]
    grid = np.asarray(tf.io.decode_png(open("heat.png", "rb").read()))
    assert grid.shape == (4 * 30 + 2, 4 * 58 + 2, 3) and record["images"] == 16
    from kerasgen.evaluation.samples import density_inputs
    from kerasgen.images import heat_colours

    model, _, _ = loading.load_model(pcnn)
    images, _ = kerasgen.data.load_arrays("idx", idx_folder, split="test", stop=16)
    x = density_inputs(model, images, seed=0)
    costs = -np.asarray(model.log_prob_map(x))
    np.testing.assert_allclose(costs.sum((1, 2)), -np.asarray(model.log_prob(x)), rtol=1e-4)
    np.testing.assert_array_equal(grid[2:30, 2:30, 0], x[0, ..., 0] * 255)  # image 0
    np.testing.assert_array_equal(grid[2:30, 30:58], heat_colours(costs[0],
                                                                  record["nats_at_white"]))
    top = record["nats_at_white"]  # the ramp: black, red at a third, white from the top
    np.testing.assert_array_equal(heat_colours(np.array([0.0, top / 3, top, 2 * top]), top),
                                  [[0, 0, 0], [230, 0, 0], [255, 255, 255], [255, 255, 255]])
    assert cli.main(["evaluate", vae, "--heat-maps", "h.png"]) == 2
    assert "heat maps need per-pixel log-probabilities" in capsys.readouterr().err
    assert cli.main(["evaluate", vae, pcnn, "--heat-maps", "h.png"]) == 2
    assert "--heat-maps names one PNG" in capsys.readouterr().err
    from tests.families import TINY

    with pytest.raises(ValueError, match="Pix2Pix has capabilities Translator"):
        evaluate_lib.evaluate_model(TINY["pix2pix"](), heat_map_path="h.png")  # not ignored


def test_more_importance_samples_tighten_the_bound(idx_folder, tmp_path):
    run = train_tiny("vae", {"image_shape": [28, 28, 1], "latent_dim": 4, "hidden_dims": [8]},
                     idx_folder, str(tmp_path / "vae"), binarize=True)
    model, _, run_config = loading.load_model(run)
    images, _, _ = evaluate_lib.real_images(run_config.data, "test", verbose=False)
    one = evaluate_lib.negative_log_likelihood(model, images, 1, verbose=False)
    many = evaluate_lib.negative_log_likelihood(model, images, 64, verbose=False)
    assert many["nll_nats"] < one["nll_nats"]  # log-mean-exp of weights >= their mean


def test_evaluate_dcgan_sample_metrics_nearest_neighbours_and_protocol(idx_folder, tmp_path):
    run = train_tiny("dcgan", {"image_size": 28, "channels": 1, "latent_dim": 8,
                               "generator_width": 8, "discriminator_width": 8},
                     idx_folder, str(tmp_path / "gan"), eval_split=None)
    out, png = str(tmp_path / "gan.json"), str(tmp_path / "nn.png")
    assert cli.main(["evaluate", os.path.join(run, "model.keras"), "--data", idx_folder, "--metrics",
                     "fid,kid,is,pr", "--features", classifier_file(tmp_path),
                     "--num-generated", "50", "--nearest-neighbours", png, "--json", out,
                     "--quiet"]) == 0
    report = json.load(open(out))
    m = report["metrics"]
    assert m["fid"] > 0 and np.isfinite(m["kid_mean"]) and 1.0 <= m["is_mean"] <= 10.0
    assert 0 <= m["precision"] <= 1 and 0 <= m["recall"] <= 1
    protocol = report["protocol"]
    assert protocol["features"]["name"] == "clf.keras"
    assert protocol["real"]["num_images"] == 60 and protocol["generated"]["num_images"] == 50
    assert "test split" in protocol["real"]["description"]
    assert os.path.getsize(png) > 0 and report["nearest_neighbours"]["png"] == png
    assert len(report["nearest_neighbours"]["pixel_l2"]["indices"]) == 16
    assert report["memorization"]["score"] > 0


def test_evaluate_errors_say_what_was_wrong(idx_folder, tmp_path, capsys):
    run = train_tiny("dcgan", {"image_size": 28, "channels": 1, "latent_dim": 8,
                               "generator_width": 8, "discriminator_width": 8},
                     idx_folder, str(tmp_path / "gan"), eval_split=None)
    assert cli.main(["evaluate", run, "--metrics", "nll"]) == 2
    assert "nll needs a model with a likelihood" in capsys.readouterr().err
    assert cli.main(["evaluate", run, "--metrics", "fid,psnr"]) == 2
    assert "Unknown metric(s) ['psnr']" in capsys.readouterr().err
    assert cli.main(["evaluate", run, "--metrics", "fid"]) == 2  # synthetic folder: no default classifier
    assert "No default feature extractor" in capsys.readouterr().err
    assert cli.main(["evaluate", str(tmp_path / "missing.keras")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["evaluate", "no_such_zoo_model"]) == 2
    assert "Unknown zoo model 'no_such_zoo_model'" in capsys.readouterr().err
    assert cli.main(["evaluate", run, "--metrics", "is", "--features", "pixels",
                     "--data", idx_folder]) == 2
    assert "no classes, so the Inception Score is undefined" in capsys.readouterr().err


def test_nearest_neighbour_check_alone_with_pixel_features(idx_folder, tmp_path):
    run = train_tiny("dcgan", {"image_size": 28, "channels": 1, "latent_dim": 8,
                               "generator_width": 8, "discriminator_width": 8},
                     idx_folder, str(tmp_path / "gan"), eval_split=None)
    out, png = str(tmp_path / "nn.json"), str(tmp_path / "nn.png")
    assert cli.main(["evaluate", run, "--data", idx_folder, "--metrics", "", "--features",
                     "pixels:16", "--num-generated", "40", "--nearest-neighbours", png,
                     "--json", out, "--quiet"]) == 0
    report = json.load(open(out))
    assert report["metrics"] == {} and report["protocol"]["features"]["name"] == "pixels:16"
    assert report["memorization"]["score"] > 0 and os.path.getsize(png) > 0


def test_training_logs_sample_quality_on_schedule(idx_folder, tmp_path):
    clf = classifier_file(tmp_path)
    config = config_lib.from_dict(config_lib.ExperimentConfig, {
        "name": "gan", "model": {"family": "dcgan", "args": {
            "image_size": 28, "channels": 1, "latent_dim": 8, "generator_width": 8,
            "discriminator_width": 8}},
        "data": {"source": "idx", "path": idx_folder, "batch_size": 16, "eval_split": None},
        "train": {"epochs": 2, "steps_per_epoch": 1, "output_dir": str(tmp_path / "run"),
                  "num_samples": 4, "metrics_every_epochs": 1, "metrics": ["fid", "is"],
                  "metrics_features": clf, "metrics_num_generated": 40}})
    _, history = train(config, verbose=0)
    assert len(history.history["fid"]) == 2 and len(history.history["is_mean"]) == 2
    with pytest.raises(config_lib.ConfigError, match="train.metrics"):
        config_lib.validate(config_lib.from_dict(config_lib.ExperimentConfig, {
            "data": {"path": idx_folder}, "train": {"metrics": ["fid", "lpips"]}}))


def test_conditional_models_get_class_accuracy_from_a_domain_classifier(idx_folder, tmp_path):
    model = kerasgen.models.ConditionalGAN(image_size=28, channels=1, latent_dim=8,
                                           generator_width=8, discriminator_width=8,
                                           num_classes=10)
    data = config_lib.DataConfig(source="idx", path=idx_folder)
    report = evaluate_lib.evaluate(model, data, ["is"], features=classifier_file(tmp_path),
                                   num_generated=30, verbose=False)
    assert 0.0 <= report["metrics"]["class_accuracy"] <= 1.0
    assert "labels cycling" in report["protocol"]["generated"]["description"]


def test_evaluate_reports_swd_and_ms_ssim_on_the_pixels_of_samples(tmp_path, capsys):
    """The metrics on pixels through `kerasgen evaluate`: no classifier needed (pixel features
    only feed the pipeline), the numbers those of the metrics on the same real and generated
    images, the protocol recorded; too-small images refused with the sizes."""
    from kerasgen.images import to_uint8
    from kerasgen.metrics import ms_ssim_diversity
    from kerasgen.metrics import sliced_wasserstein_distance
    from tests.families import TINY

    folder = helpers.write_idx_folder(str(tmp_path / "digits16"), num_train=20, num_test=30,
                                      size=16)
    # TINY's dcgan at 16 px: SWD's coarsest pyramid level is 16x16
    model = kerasgen.models.DCGAN(image_size=16, channels=1, latent_dim=4, generator_width=4,
                                  discriminator_width=4)
    report = evaluate_lib.evaluate_model(model, metrics=["swd", "ms_ssim"], data_path=folder,
                                         features="pixels:8", num_generated=40, verbose=False)
    real, _, _ = evaluate_lib.real_images(evaluate_lib.data_config(model, data_path=folder),
                                          "test", verbose=False)
    generated = np.asarray(to_uint8(model.generate(40, seed=0)))
    expected = dict(sliced_wasserstein_distance(real, generated),
                    **ms_ssim_diversity(real, generated))
    assert report["metrics"] == pytest.approx(expected, rel=1e-6)
    assert list(expected) == ["swd_16", "swd_mean", "ms_ssim", "ms_ssim_real"]
    assert report["metrics"]["swd_16"] > 0 and 0 <= report["metrics"]["ms_ssim"] <= 1
    assert report["protocol"]["swd"]["directions"] == 512
    assert report["protocol"]["ms_ssim"]["pairs"] == 1000

    small = str(tmp_path / "tiny.keras")
    TINY["dcgan"]().save(small)  # 8x8 images
    folder8 = helpers.write_idx_folder(str(tmp_path / "digits8"), num_train=20, num_test=30,
                                       size=8)
    args = ["evaluate", small, "--data", folder8, "--features", "pixels:8",
            "--num-generated", "20", "--json", str(tmp_path / "r.json"), "--quiet"]
    assert cli.main(args + ["--metrics", "ms_ssim"]) == 0  # one scale (SSIM) at 8 px
    assert "ms_ssim_real" in capsys.readouterr().out
    assert cli.main(args + ["--metrics", "swd"]) == 2
    assert "SWD: expected real images of at least 16x16 pixels; received 8x8" in (
        capsys.readouterr().err)


def test_samples_are_drawn_with_the_sampling_options_asked_for(tmp_path, capsys, monkeypatch):
    """--truncation reaches the samples (StyleGAN's psi: the scores are those of samples drawn
    at it, and the protocol says so), a list of values sweeps it; an option the model does
    not declare is refused."""
    from kerasgen.images import to_uint8
    from kerasgen.metrics import ms_ssim_diversity
    from tests.families import TINY

    folder = helpers.write_idx_folder(str(tmp_path / "digits8"), num_train=20, num_test=30,
                                      size=8)
    model = TINY["stylegan"]()
    options = dict(metrics=["ms_ssim"], data_path=folder, features="pixels:8",
                   num_generated=20, verbose=False)
    report = evaluate_lib.evaluate_model(model, sampling={"truncation": 0.0}, **options)
    real, _, _ = evaluate_lib.real_images(evaluate_lib.data_config(model, data_path=folder),
                                          "test", verbose=False)
    at_zero = np.asarray(to_uint8(model.generate(20, seed=0, truncation=0.0)))
    assert report["metrics"] == pytest.approx(ms_ssim_diversity(real, at_zero), rel=1e-6)
    # psi 0 draws every sample at the average w, so the samples are all alike.
    assert report["metrics"]["ms_ssim"] == pytest.approx(1.0, abs=1e-4)
    assert report["protocol"]["sampling"] == {"truncation": 0.0}
    assert report["protocol"]["generated"]["description"] == "20 samples, seed 0, truncation 0"
    untruncated = evaluate_lib.evaluate_model(model, **options)
    assert untruncated["metrics"]["ms_ssim"] < 0.99 and "sampling" not in untruncated["protocol"]
    with pytest.raises(ValueError, match="DCGAN does not take the sampling option\\(s\\) "
                                         "truncation; it takes none"):
        evaluate_lib.evaluate_model(TINY["dcgan"](), sampling={"truncation": 0.5}, **options)
    with pytest.raises(ValueError, match="option\\(s\\) seed; it takes truncation"):
        evaluate_lib.evaluate_model(model, sampling={"seed": 3}, **options)
    with pytest.raises(ValueError, match="Sampling options \\(truncation\\) shape generated "
                                         "samples, and nll generates none"):
        evaluate_lib.evaluate_model(model, sampling={"truncation": 0.5},
                                    **dict(options, metrics=["nll"]))
    small = str(tmp_path / "stylegan.keras")
    model.save(small)
    assert cli.main(["evaluate", small, "--data", folder, "--features", "pixels:8",
                     "--metrics", "ms_ssim", "--num-generated", "20", "--truncation", "0",
                     "--json", str(tmp_path / "r.json"), "--quiet"]) == 0
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["protocol"]["sampling"] == {"truncation": 0.0}
    # A sweep: a column and a report per value, each the same as that value alone.
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)
    assert cli.main(["evaluate", small, "--data", folder, "--features", "pixels:8",
                     "--metrics", "ms_ssim", "--num-generated", "20", "--truncation", "0,1",
                     "--quiet"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header == ["metric", small, "truncation", "0", small, "truncation", "1"]
    swept = [json.loads((tmp_path / "runs" / "evaluate" / f"stylegan_truncation_{v}.json")
                        .read_text()) for v in ("0", "1")]
    assert [r["protocol"]["sampling"] for r in swept] == [{"truncation": 0.0},
                                                          {"truncation": 1.0}]
    assert swept[0]["metrics"] == pytest.approx(saved["metrics"])
    assert swept[0]["model"]["name"] == small
    assert swept[0]["model"]["label"] == f"{small} truncation 0"
    assert swept[1]["metrics"]["ms_ssim"] < 0.99
    for flags, message in (
            (["--truncation", "0.5,high"], "--truncation takes a number or comma-separated "
                                           "numbers, e.g. 1,0.7,0.5; received '0.5,high'"),
            (["--truncation", "0.5,0.5"], "--truncation lists a value twice"),
            (["--truncation", "1,0.5", "--json", "one.json"],
             r"--json names one report; received 1 model\(s\) at 2 sampling setting\(s\)"),
            (["--truncation", "1,0.5", "--nearest-neighbours", "nn.png"],
             "--nearest-neighbours names one PNG")):
        assert cli.main(["evaluate", small, "--data", folder, "--quiet"] + flags) == 2
        assert re.search(message, capsys.readouterr().err)
