import numpy as np
import pytest

import kerasgen
from kerasgen.metrics import text_to_image as t2i


def test_attribute_accuracy_counts_only_stated_attributes():
    values = t2i.stated_arrays([{"Male": 1, "Smiling": 0}, {"Smiling": 1}, {}],
                               ["Male", "Smiling", "Young"])
    assert np.isnan(values[1, 0]) and values[0].tolist()[:2] == [1.0, 0.0]
    verdicts = np.array([[True, True, False], [False, True, True], [True, True, True]])
    # Caption 0: Male right, Smiling wrong (1/2); caption 1: Smiling right (1/1); caption 2
    # states nothing and is left out.
    assert t2i.attribute_accuracy(verdicts, values) == 0.75
    assert t2i.per_attribute_agreement(verdicts, values, ["Male", "Smiling", "Young"]) == {
        "Male": (1.0, 1), "Smiling": (0.5, 2)}


def test_diversity_is_one_for_real_spread_and_zero_for_a_single_image():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(400, 16))
    assert abs(t2i.diversity([real[:200], real[200:]], real) - 1.0) < 0.05
    assert t2i.diversity([np.repeat(real[:1], 8, axis=0)], real) == 0.0
    assert abs(t2i.mean_pairwise_distance(np.array([[0.0, 0], [3, 4]])) - 5.0) < 1e-12


def test_evaluate_text_to_image_on_held_out_celeba_captions(data_dir, tmp_path):
    """An untrained tiny model on faces 9001-9012: every number present and in range; the
    real faces' accuracy differs from the generated ones' (a judge of its own)."""
    from kerasgen import config as config_lib
    from kerasgen.evaluation.evaluate import evaluate_text_to_image

    data = config_lib.load("configs/text2image_celeba_64.yaml",
                           ["data.eval_stop=9012"]).data
    encoder = kerasgen.models.TextEncoder(max_tokens=300, sequence_length=8, word_dim=8,
                                          hidden_dim=8, embedding_dim=8, image_width=4)
    encoder.adapt(["a smiling woman with blond hair", "this man has a goatee"])
    model = kerasgen.models.TextToImageGAN(text_encoder=encoder, latent_dim=4,
                                           generator_width=4, discriminator_width=4,
                                           projection_dim=4)
    judge = kerasgen.models.Classifier(image_shape=(64, 64, 3), num_classes=40,
                                       multi_label=True, width=4, feature_dim=8)
    judge.save(str(tmp_path / "judge.keras"))
    report = evaluate_text_to_image(model, data, features=str(tmp_path / "judge.keras"),
                                    judge=str(tmp_path / "judge.keras"), diversity_captions=3,
                                    diversity_samples=4, verbose=False)
    m = report["metrics"]
    assert m["captions"] == 12
    for key in ("attribute_accuracy", "attribute_accuracy_real",
                "attribute_accuracy_mismatched"):
        assert 0.0 <= m[key] <= 1.0
    assert np.isfinite(m["fid"]) and m["diversity"] >= 0.0
    assert "Male" in report["per_attribute"]
    assert "009001.jpg" not in report["protocol"]["captions"]  # the slice, not the files


def test_wilson_interval_matches_the_textbook_values():
    assert t2i.wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    low, high = t2i.wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    assert t2i.wilson_interval(0, 0) == (0.0, 1.0)


def test_held_out_sentences_at_toy_scale_through_kerasgen_evaluate(tmp_path):
    """An untrained tiny model and judge, no data or zoo: the twelve sentences x 64 seeds,
    each stated attribute's share beside another caption's with its interval, the unasked
    shares beside the real faces', the unknown words named, and the tables printed."""
    import re

    import tensorflow as tf
    import yaml

    from kerasgen import config as config_lib
    from kerasgen.evaluation import held_out
    from kerasgen.evaluation.evaluate import evaluate_model
    from kerasgen.evaluation.evaluate import format_table
    from kerasgen.metrics.features import ClassifierFeatures

    names = sorted({a for _, stated in held_out.SENTENCES for a in stated} | {"Attractive"})
    files = [f"{i:06d}.jpg" for i in range(1, 5)]
    (tmp_path / "attr.txt").write_text(f"4\n{' '.join(names)}\n" + "".join(
        f"{f} " + " ".join(["-1"] * len(names)) + "\n" for f in files))
    (tmp_path / "img").mkdir()
    for i, f in enumerate(files):
        image = np.full((16, 16, 3), 60 * i, np.uint8)
        (tmp_path / "img" / f).write_bytes(tf.io.encode_jpeg(image).numpy())
    (tmp_path / "t2i.yaml").write_text(yaml.safe_dump({"model": {"family": "text2image"},
        "data": {"source": "captions", "path": str(tmp_path / "img"),
                 "captions": "celeba_attributes_v2", "labels_file": str(tmp_path / "attr.txt"),
                 "image_size": 16, "channels": 3, "crop": "none", "stop": 2,
                 "eval_start": 2}}))
    run_config = config_lib.load(str(tmp_path / "t2i.yaml"))
    encoder = kerasgen.models.TextEncoder(max_tokens=100, sequence_length=8, word_dim=8,
                                          hidden_dim=8, embedding_dim=8,
                                          image_shape=(16, 16, 3), image_width=4)
    encoder.adapt(["a woman", "a man with glasses", "she is smiling"])
    model = kerasgen.models.TextToImageGAN(text_encoder=encoder, image_size=16, latent_dim=4,
                                           generator_width=8, discriminator_width=8,
                                           projection_dim=4, seed=1)
    judge = kerasgen.models.Classifier(image_shape=(16, 16, 3), num_classes=len(names),
                                       multi_label=True, width=4, feature_dim=4)
    report = evaluate_model(model, run_config, ["held_out_captions"],
                            judge=ClassifierFeatures(judge, "tiny_judge"), verbose=False)
    m = report["metrics"]
    assert m["held_out_images"] == 12 * 64 and "fid" not in m
    for key in ("held_out_accuracy", "held_out_accuracy_other_caption", "held_out_gender",
                "held_out_eyeglasses", "held_out_hat_unasked", "held_out_hat_real"):
        assert 0.0 <= m[key] <= 1.0, key
    first = report["held_out"]["sentences"][0]
    assert first["text"] == "she is smiling and has black hair"
    assert first["unknown_words"] == ["and", "has", "black", "hair"]
    for sentence, (_, stated) in zip(report["held_out"]["sentences"], held_out.SENTENCES):
        assert [a["attribute"] for a in sentence["attributes"]] == list(stated)
        for a in sentence["attributes"]:
            for share in (a["own"], a["other"]):
                assert share["images"] == 64 and share["low"] <= share["share"] <= share["high"]
    pooled = report["held_out"]["pooled"]
    assert pooled["Male=1"]["sentences"] == 6 and pooled["Male=1"]["own"]["images"] == 384
    assert report["held_out"]["unasked"]["Eyeglasses"]["real"]["images"] == 2
    # The other caption of sentence k at seed j: each other sentence in turn, never itself.
    assert {held_out.other_sentence(3, j) for j in range(64)} == set(range(12)) - {3}
    table = format_table(report)
    assert re.search(r"\nshe is smiling and has black hair +and, has, black, hair +Male +0 +"
                     r"\d\.\d\d \[\d\.\d\d, \d\.\d\d\] +\d\.\d\d \[", table), table
    assert "carried without being asked for:" in table and "tiny_judge" in table
    with pytest.raises(ValueError, match="text-to-image models report attributes, fid, kid, "
                                         "diversity, held_out_captions; received nll"):
        evaluate_model(model, run_config, ["nll"])
