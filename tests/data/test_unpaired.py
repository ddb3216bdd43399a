import dataclasses
import os

import numpy as np
import pytest
import tensorflow as tf

from kerasgen import config as config_lib
from kerasgen.config import DataConfig
from kerasgen.data import unpaired
from kerasgen.data.pipeline import make_dataset

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ATTRIBUTES = ["Smiling", "Eyeglasses"]


def write_png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tf.io.write_file(path, tf.io.encode_png(np.asarray(array, np.uint8)))


def faces_with_attributes(tmp_path, n=12, glasses=(1, 4, 7)):
    """n 20x24 images; image i has value 10 i; `glasses` (indices) wear eyeglasses."""
    folder = tmp_path / "img"
    rows = []
    for i in range(n):
        name = f"{i + 1:06d}.png"
        write_png(str(folder / name), np.full((24, 20, 3), 10 * i, np.uint8))
        rows.append(f"{name} {1 if i % 2 else -1} {1 if i in glasses else -1}")
    labels = tmp_path / "attr.txt"
    labels.write_text(f"{n}\n{' '.join(ATTRIBUTES)}\n" + "\n".join(rows) + "\n")
    return folder, labels


def cyclegan_layout(tmp_path, counts=(5, 3, 2, 2)):
    root = tmp_path / "horse2zebra"
    for sub, n, value in zip(("trainA", "trainB", "testA", "testB"), counts, (0, 100, 50, 150)):
        for i in range(n):
            write_png(str(root / sub / f"{i}.jpg.png"), np.full((12, 12, 3), value + i,
                                                               np.uint8))
    return root


def test_attribute_splits_one_folder_into_two_domains(tmp_path):
    folder, labels = faces_with_attributes(tmp_path)
    a, b = unpaired.load_domains("attribute", str(folder), 16, labels_file=str(labels),
                                 attribute="Eyeglasses", verbose=False)
    assert len(a) == 9 and len(b) == 3
    # Domain B holds exactly images 1, 4 and 7 (values 10, 40, 70).
    assert sorted(int(x[8, 8, 0]) for x in b) == [10, 40, 70]
    with pytest.raises(ValueError, match="no attribute 'Glasses'; its attributes are Smiling, "
                                         "Eyeglasses"):
        unpaired.load_domains("attribute", str(folder), 16, labels_file=str(labels),
                              attribute="Glasses", verbose=False)
    with pytest.raises(ValueError, match=r"Domain B \(Eyeglasses present of .*\[8:\]\) is "
                                         "empty"):
        unpaired.load_domains("attribute", str(folder), 16, labels_file=str(labels),
                              attribute="Eyeglasses", start=8, verbose=False)


def test_cyclegan_layout_streams_the_longer_domain_with_the_shorter_repeating(tmp_path):
    root = cyclegan_layout(tmp_path)
    config = DataConfig(source="unpaired", domains="cyclegan", path=str(root), image_size=12,
                        channels=3, batch_size=1, jitter=False, seed=0)
    ds, count = make_dataset(config, "unit", verbose=False)
    pairs = [(int(a[0, 0, 0, 0] * 255 + 0.5), int(b[0, 0, 0, 0] * 255 + 0.5)) for a, b in ds]
    assert count == 5 and len(pairs) == 5
    assert sorted(a for a, _ in pairs) == [0, 1, 2, 3, 4]  # every A image once
    assert {b for _, b in pairs} <= {100, 101, 102} and len({b for _, b in pairs}) == 3
    test_a, test_b = unpaired.load_domains("cyclegan", str(root), 12, split="test",
                                           verbose=False)
    assert (len(test_a), len(test_b)) == (2, 2) and int(test_b[0, 0, 0, 0]) == 150
    os.rename(root / "trainB", root / "train_b")
    with pytest.raises(FileNotFoundError, match=r"needs subfolders trainA/, trainB/, testA/, "
                                                r"testB/; .*trainB' is missing \(found: "
                                                r"testA, testB, trainA, train_b\)"):
        unpaired.load_domains("cyclegan", str(root), 12, verbose=False)


def test_jitter_crops_each_side_on_its_own(tmp_path):
    folder, labels = faces_with_attributes(tmp_path, n=8, glasses=(0, 1, 2, 3))
    config = DataConfig(source="unpaired", domains="attribute", attribute="Eyeglasses",
                        path=str(folder), labels_file=str(labels), image_size=16, channels=3,
                        batch_size=2, jitter=True)
    ds, count = make_dataset(config, "symmetric", verbose=False)
    a, b = next(iter(ds))
    assert count == 4 and a.shape == b.shape == (2, 16, 16, 3)
    assert -1.0 <= float(tf.reduce_min(a)) and float(tf.reduce_max(b)) <= 1.0


def test_matched_attributes_draw_a_in_the_proportions_of_b(tmp_path):
    # Odd images smile. B (glasses): 1, 3, 5, 7, 9 smiling and 0 not, 5/6 smiling; A: the
    # other 18, 7 smiling (11, 13, ..., 23). Unmatched, an epoch of A is 7/18 smiling.
    folder, labels = faces_with_attributes(tmp_path, n=24, glasses=(0, 1, 3, 5, 7, 9))
    config = DataConfig(source="unpaired", domains="attribute", attribute="Eyeglasses",
                        path=str(folder), labels_file=str(labels), image_size=16, channels=3,
                        batch_size=1, jitter=False, seed=0)

    def smiling_share_of_a(config, epochs=20):
        ds, count = make_dataset(config, "unit", verbose=False)
        drawn = [int(a[0, 0, 0, 0] * 255 + 0.5) // 10 for _ in range(epochs)
                 for a, _ in ds]
        assert count == 18 and len(drawn) == 18 * epochs
        assert not {0, 1, 3, 5, 7, 9} & set(drawn)  # A holds no face with glasses
        return np.mean([i % 2 for i in drawn])

    assert smiling_share_of_a(config) == pytest.approx(7 / 18)
    matched = dataclasses.replace(config, match_attributes=["Smiling"])
    assert 0.75 < smiling_share_of_a(matched) < 0.91  # B's 5/6, from 360 draws
    a_groups, b_groups = unpaired.domain_groups(str(labels), "Eyeglasses", ["Smiling"],
                                                str(folder))
    assert sorted(b_groups.tolist()) == [0, 1, 1, 1, 1, 1] and int(a_groups.sum()) == 7
    with pytest.raises(ValueError, match=r"must be attributes of .* other than 'Eyeglasses'"
                                         r"; unknown: 'Male'"):
        unpaired.domain_groups(str(labels), "Eyeglasses", ["Male"], str(folder))
    with pytest.raises(ValueError, match="other than 'Eyeglasses'"):
        unpaired.domain_groups(str(labels), "Eyeglasses", ["Eyeglasses"], str(folder))
    # B has a combination (1) that A lacks: A cannot be drawn in B's proportions.
    with pytest.raises(ValueError, match=r"combination\(s\) \[1\] and A has none"):
        unpaired.matched_weights(np.array([0, 0]), np.array([1, 1]))
    path = os.path.join(ROOT, "configs", "cyclegan_edges2faces.yaml")
    with pytest.raises(config_lib.ConfigError, match="data.match_attributes: a non-empty list "
                                                     "of attributes of labels_file, for "
                                                     "domains 'attribute'; received "
                                                     r"\['Male'\] with domains 'edges'"):
        config_lib.load(path, ["data.match_attributes=[Male]"])


def test_derived_edges_take_the_two_sides_from_different_images(tmp_path):
    folder, _ = faces_with_attributes(tmp_path, n=6)
    a, b = unpaired.load_domains("edges", str(folder), 16, verbose=False)
    assert a.shape == (3, 16, 16, 1) and b.shape == (3, 16, 16, 3)
    assert sorted(int(x[0, 0, 0]) for x in b) == [30, 40, 50]  # the second half
    with pytest.raises(ValueError, match="1 image.*needs at least 2"):
        unpaired.load_domains("grayscale", str(folder), 16, stop=1, verbose=False)


def test_tfds_cycle_gan_from_a_prepared_data_dir():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=3):
        a, b = unpaired.load_domains("tfds", None, 16, name="cycle_gan/horse2zebra",
                                     verbose=False)
    assert a.shape == (3, 16, 16, 3) and b.shape == (3, 16, 16, 3) and a.dtype == np.uint8


def test_config_errors_name_the_field(tmp_path):
    path = os.path.join(ROOT, "configs", "cyclegan_glasses.yaml")
    with pytest.raises(config_lib.ConfigError, match="data.domains: Unknown domains 'pairs'; "
                                                     "expected one of cyclegan, folders"):
        config_lib.load(path, ["data.domains=pairs"])
    with pytest.raises(config_lib.ConfigError, match="data.attribute: domains 'attribute' "
                                                     "needs it"):
        config_lib.load(path, ["data.attribute=null"])
    with pytest.raises(config_lib.ConfigError, match="data.path_b: domains 'folders' needs"):
        config_lib.load(path, ["data.domains=folders"])
    with pytest.raises(config_lib.ConfigError, match="data.pairs: source 'unpaired' does not "
                                                     "read it.*paired"):
        config_lib.load(path, ["data.pairs=edges"])


def tiny_glasses_config(tmp_path, overrides):
    """cyclegan_glasses.yaml on 24 tiny faces (8 with glasses): 1-16 for training (10
    without, 6 with), 17-24 held out; narrow 16 px networks, float32, the schedule constant
    for 1 epoch and decaying over 1 with its steps per epoch left for kerasgen train to fill
    in from the data. The tiny faces carry only Smiling and Eyeglasses, so A is not matched
    to B on Male and Young here (test_matched_attributes_draw_a_in_the_proportions_of_b
    covers matching)."""
    folder, labels = faces_with_attributes(tmp_path, n=24, glasses=tuple(range(0, 24, 3)))
    return config_lib.load(os.path.join(ROOT, "configs", "cyclegan_glasses.yaml"), [
        f"data.path={folder}", f"data.labels_file={labels}", "data.image_size=16",
        "data.stop=16", "data.eval_start=16", "data.eval_stop=24", "data.batch_size=2",
        "model.args.image_size=16", "model.args.generator_width=4",
        "model.args.residual_blocks=1", "model.args.discriminator_width=8",
        "model.args.patch_size=16", "train.mixed_precision=float32",
        "data.match_attributes=null",
        "train.g_optimizer.learning_rate.steps_per_epoch=null",
        "train.d_optimizer.learning_rate.steps_per_epoch=null",
        "train.g_optimizer.learning_rate.constant_epochs=1",
        "train.d_optimizer.learning_rate.constant_epochs=1",
        "train.g_optimizer.learning_rate.decay_epochs=1",
        "train.d_optimizer.learning_rate.decay_epochs=1",
        f"train.output_dir={tmp_path / 'run'}"] + overrides)


def test_cyclegan_trains_from_its_config_with_the_epoch_schedule(tmp_path):
    import keras

    from kerasgen.training.train import train

    config = tiny_glasses_config(tmp_path, ["train.epochs=2", "train.num_samples=4"])
    model, history = train(config, verbose=0)
    # 16 training faces: 10 without glasses (A, the longer domain) -> 5 steps of 2 an epoch.
    assert int(model.g_optimizer.iterations) == 10
    assert np.isfinite(history.history["g_loss"]).all()
    saved = config_lib.load(str(tmp_path / "run" / "config.yaml"))
    assert saved.train.g_optimizer["learning_rate"]["steps_per_epoch"] == 5
    # Constant for 1 epoch, then decaying over 1: half way through epoch 2 the rate is
    # half the initial one, and it ends at 0.
    schedule = model.g_optimizer.learning_rate_schedule if hasattr(
        model.g_optimizer, "learning_rate_schedule") else model.g_optimizer._learning_rate
    assert abs(float(schedule(7.5)) - 1e-4) < 1e-9
    assert float(model.g_optimizer.learning_rate) == 0.0
    grid = tf.io.decode_png(tf.io.read_file(str(tmp_path / "run" / "samples" /
                                                "samples_latest.png"))).numpy()
    # Held-out faces 17-24: 6 without glasses, 2 with; rows A | G(A) | F(G(A)) for the
    # first 4 A images and B | F(B) | G(F(B)) for the 2 B images, 16 px with 2 px padding.
    assert grid.shape == (6 * 18 + 2, 3 * 18 + 2, 3)
    loaded = keras.saving.load_model(str(tmp_path / "run" / "model.keras"))
    assert int(loaded.g_optimizer.iterations) == 10
    # Scored both ways on the held-out faces by a (here untrained) attribute classifier.
    import kerasgen
    from kerasgen.evaluation.evaluate import evaluate_translator

    judge = kerasgen.models.Classifier(image_shape=(16, 16, 3), num_classes=2,
                                       multi_label=True, width=4, feature_dim=8)
    judge.save(str(tmp_path / "judge.keras"))
    report = evaluate_translator(loaded, config.data, features=str(tmp_path / "judge.keras"),
                                 verbose=False)
    metrics = report["metrics"]
    assert metrics["a2b.count"] == 6 and metrics["b2a.count"] == 2
    for key in ("target_before", "target_after", "others_unchanged"):
        assert 0.0 <= metrics[f"a2b.{key}"] <= 1.0
    assert np.isfinite(metrics["a2b.fid"]) and metrics["b2a.cycle_l1"] > 0
    assert "6 without (A), 2 with (B)" in report["protocol"]["images"]


def test_interrupted_cyclegan_run_resumes_with_its_schedule_and_pools(tmp_path):
    import keras

    from kerasgen.training.train import train

    class Crash(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if int(self.model.g_optimizer.iterations) == 7:
                self.model.stop_training = True
                raise RuntimeError("simulated crash")

    config = tiny_glasses_config(tmp_path, ["model.args.pool_size=30", "train.epochs=3",
                                            "train.checkpoint_every_steps=3",
                                            "train.num_samples=2"])
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(config, verbose=0, callbacks=[Crash()])
    # 5 steps an epoch; backups at steps 3, 5 (epoch end) and 6 before the crash at step 7.
    # Resumed from step 6's backup, epoch 2 goes on with its steps 2-5, then epoch 3.
    model, history = train(config, verbose=0)
    assert len(history.history["g_loss"]) == 2  # epochs 2 and 3; epoch 1 was kept
    assert int(model.g_optimizer.iterations) == int(model.d_optimizer.iterations) == 6 + 4 + 5
    # The pools came back with the backup (6 steps x 2 fakes = 12) and kept filling: full at
    # 30 (an empty pool would hold only the 9 resumed steps' 18 fakes).
    assert int(model.pool_a.count.numpy()) == int(model.pool_b.count.numpy()) == 30
    # The schedule continued from its backup, not from 0: constant for 1 epoch, decaying to
    # 0 over the next, it is 0 at the end.
    assert float(model.g_optimizer.learning_rate) == 0.0


def test_an_unpaired_edges_cyclegan_is_scored_against_the_paired_ground_truth(tmp_path):
    import kerasgen
    from kerasgen.evaluation.evaluate import evaluate_translator

    folder, _ = faces_with_attributes(tmp_path, n=12)
    model = kerasgen.models.CycleGAN(image_size=16, channels_a=1, channels_b=3,
                                     generator_width=4, residual_blocks=1,
                                     discriminator_width=8, patch_size=16, identity_weight=0)
    config = config_lib.load(os.path.join(ROOT, "configs", "cyclegan_edges2faces.yaml"), [
        f"data.path={folder}", "data.image_size=16", "data.stop=8", "data.eval_start=8",
        "data.eval_stop=12"]).data
    report = evaluate_translator(model, config, metrics=("l1", "psnr", "cycle"),
                                 verbose=False)
    assert "edges pairs of" in report["protocol"]["pairs"]
    assert "4 held-out pairs" in report["protocol"]["pairs"]
    metrics = report["metrics"]
    assert 0 < metrics["model.l1"] < 1 and metrics["identity.l1"] > 0
    # The cycle is scored for the model, which translates back, and not for the copy.
    for key in ("cycle_l1", "cycle_l1_blurred", "back_from_target_l1"):
        assert 0 < metrics[f"model.{key}"] < 1
        assert f"identity.{key}" not in metrics
    # A translator with one direction has no cycle to score, and is told so.
    one_way = kerasgen.models.Pix2Pix(image_size=16, source_channels=1, generator_width=4,
                                      discriminator_width=8, patch_size=16)
    with pytest.raises(ValueError, match="Pix2Pix translates a2b only, expected a2b and b2a"):
        evaluate_translator(one_way, config, metrics=("l1", "cycle"), verbose=False)
