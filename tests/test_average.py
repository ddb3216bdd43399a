"""`kerasgen average`: weight-averaged GAN generators written as a run folder."""

import json
import os

import keras
import numpy as np
import pytest

import kerasgen
from kerasgen import cli
from kerasgen import config as config_lib
from tests import helpers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _snapshot_run(folder, seed, config):
    """A run folder (model.keras + config.yaml) with a 28x28 DCGAN trained a few steps."""
    keras.utils.set_random_seed(seed)
    gan = kerasgen.models.DCGAN(image_size=28, channels=1, latent_dim=8, generator_width=8,
                                discriminator_width=8, ema_decay=0.5, seed=seed)
    gan.compile()
    gan.fit(helpers.fake_images(32, 28, value_range=(-1.0, 1.0)), batch_size=16, epochs=1,
            verbose=0)
    os.makedirs(folder)
    gan.save(os.path.join(folder, "model.keras"))
    config_lib.save(config, os.path.join(folder, "config.yaml"))
    return gan


def _two_snapshot_runs(tmp_path, seeds):
    """A fake-digits idx folder and two run folders trained on it with `seeds`."""
    digits = helpers.write_idx_folder(str(tmp_path / "digits"), num_train=64, num_test=16)
    config = config_lib.load(os.path.join(ROOT, "configs", "dcgan_mnist.yaml"),
                             [f"data.path={digits}", "data.batch_size=16"])
    runs = [str(tmp_path / f"run{i}") for i in range(2)]
    snapshots = [_snapshot_run(run, seed, config) for run, seed in zip(runs, seeds)]
    return digits, runs, snapshots


def _moving_stats(net):
    return [w for layer in net.layers if isinstance(layer, keras.layers.BatchNormalization)
            for w in (layer.moving_mean, layer.moving_variance)]


def test_cli_average_writes_a_run_with_mean_weights_and_recomputed_statistics(tmp_path,
                                                                             capfd):
    digits, runs, snapshots = _two_snapshot_runs(tmp_path, seeds=(1, 2))
    out = str(tmp_path / "averaged")
    code = cli.main(["average", *runs, "--output-dir", out, "--steps", "3"])
    stdout, err = capfd.readouterr()
    assert code == 0, err
    assert "Averaged 2 generators" in stdout
    model = keras.saving.load_model(os.path.join(out, "model.keras"), compile=False)
    for got, a, b in zip(model.ema_generator.trainable_weights,
                         snapshots[0].ema_generator.trainable_weights,
                         snapshots[1].ema_generator.trainable_weights):
        np.testing.assert_allclose(np.asarray(got), (np.asarray(a) + np.asarray(b)) / 2,
                                   rtol=1e-6, atol=1e-7)
    # the statistics are the averaged generator's own, not the mean of the snapshots'
    stats = _moving_stats(model.ema_generator)
    means = [(np.asarray(a) + np.asarray(b)) / 2
             for a, b in zip(_moving_stats(snapshots[0].ema_generator),
                             _moving_stats(snapshots[1].ema_generator))]
    assert stats and not all(np.allclose(np.asarray(s), m) for s, m in zip(stats, means))
    record = json.load(open(os.path.join(out, "averaged.json")))
    assert [s["model"] for s in record["sources"]] == runs
    assert all(len(s["sha256"]) == 64 for s in record["sources"])
    assert record["base"] == 1 and record["batch_norm_batches"] == 3
    assert config_lib.load(os.path.join(out, "config.yaml")).data.path == digits
    # loose .keras files carry no config: the command asks for one
    loose = []
    for i, snapshot in enumerate(snapshots):
        loose.append(str(tmp_path / f"snapshot{i}.keras"))
        snapshot.save(loose[-1])
    code = cli.main(["average", *loose, "--output-dir", out])
    _, err = capfd.readouterr()
    assert code == cli.EXIT_BAD_INPUT
    assert "has no config.yaml beside it; pass --config" in err
    code = cli.main(["average", *loose, "--config", os.path.join(runs[0], "config.yaml"),
                     "--output-dir", str(tmp_path / "from_files"), "--base", "0"])
    _, err = capfd.readouterr()
    assert code == 0, err
    assert json.load(open(tmp_path / "from_files" / "averaged.json"))["base"] == 0
    code = cli.main(["average", runs[0], "--output-dir", out])
    _, err = capfd.readouterr()
    assert code == cli.EXIT_BAD_INPUT and "at least 2 models; received 1" in err
    keras.backend.clear_session()


def test_greedy_selection_keeps_a_candidate_only_when_the_average_scores_better():
    from kerasgen.training.average import greedy_selection

    table = {"a": 1.0, "b": 3.0, "c": 2.0, "d": 0.0,
             "bc": 3.5, "abc": 3.4, "bcd": 3.6}
    calls = []

    def score(members):
        calls.append(members)
        return table["".join(members)]

    kept, trials = greedy_selection(["a", "b", "c", "d"], score)
    # ranked alone b > c > a > d; c raises b's 3.0, a lowers 3.5, d raises it
    assert kept == ["b", "c", "d"]
    assert calls == [["a"], ["b"], ["c"], ["d"], ["b", "c"], ["a", "b", "c"], ["b", "c", "d"]]
    assert [t["kept"] for t in trials] == [None] * 4 + [True, False, True]
    assert [t["score"] for t in trials[4:]] == [3.5, 3.4, 3.6]
    # a tie is not an improvement
    kept, _ = greedy_selection(["x", "y"], lambda m: 1.0)
    assert kept == ["x"]
    with pytest.raises(ValueError, match="at least one candidate; received none"):
        greedy_selection([], lambda m: 0.0)


def test_cli_greedy_average_records_every_trial_and_writes_the_kept_soup(tmp_path, capfd):
    _, runs, snapshots = _two_snapshot_runs(tmp_path, seeds=(3, 4))
    out = str(tmp_path / "soup")
    code = cli.main(["average", *runs, "--output-dir", out, "--steps", "2", "--greedy", "is",
                     "--greedy-seeds", "0,1", "--greedy-samples", "40",
                     "--features", "classifier_mnist"])
    stdout, err = capfd.readouterr()
    assert code == 0, err
    record = json.load(open(os.path.join(out, "averaged.json")))["greedy"]
    assert record["metric"] == "is" and record["seeds"] == [0, 1]
    trials = record["trials"]
    assert [t["members"] for t in trials[:2]] == [[runs[0]], [runs[1]]]
    assert trials[2]["members"] == runs and len(trials) == 3
    best_single = max(t["score"] for t in trials[:2])
    both = trials[2]["score"] > best_single
    assert trials[2]["kept"] is both
    kept = json.load(open(os.path.join(out, "averaged.json")))["sources"]
    model = keras.saving.load_model(os.path.join(out, "model.keras"), compile=False)
    got = np.asarray(model.ema_generator.trainable_weights[0])
    first = [np.asarray(s.ema_generator.trainable_weights[0]) for s in snapshots]
    if both:
        assert [s["model"] for s in kept] == runs
        np.testing.assert_allclose(got, (first[0] + first[1]) / 2, rtol=1e-6, atol=1e-7)
    else:
        winner = 0 if trials[0]["score"] >= trials[1]["score"] else 1
        assert [s["model"] for s in kept] == [runs[winner]]
        np.testing.assert_allclose(got, first[winner])
    assert f"Averaged {len(kept)} generators" in stdout
    assert stdout.count("is ") >= 3  # one progress line per trial
    code = cli.main(["average", *runs, "--output-dir", out, "--greedy", "is",
                     "--greedy-seeds", "ten"])
    _, err = capfd.readouterr()
    assert code == cli.EXIT_BAD_INPUT and "received 'ten'" in err
    keras.backend.clear_session()
