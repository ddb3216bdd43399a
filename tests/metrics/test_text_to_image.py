import numpy as np

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
