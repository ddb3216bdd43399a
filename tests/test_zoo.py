import os
import shutil

import numpy as np
import pytest

from tests import helpers
from kerasgen import zoo
from kerasgen import registry as presets  # the zoo entries each family registers
from kerasgen.zoo.artifacts import sha256_file
from kerasgen.zoo.package import package


@pytest.fixture
def tiny_entry(tmp_path, monkeypatch):
    """A zoo folder in tmp holding one packaged classifier, registered as 'tiny'."""
    zoo_dir = str(tmp_path / "zoo")
    clf = helpers.tiny_classifier()
    path, sha, size = package(clf, "tiny", zoo_dir)
    monkeypatch.setenv("KERASGEN_ZOO_DIR", zoo_dir)
    monkeypatch.setitem(presets.PRESETS, "tiny", {
        "family": "classifier", "artifact": "tiny/tiny.keras", "sha256": sha, "bytes": size})
    monkeypatch.setitem(presets.ALIASES, "tiny_alias", "tiny")
    return clf, path


def test_load_verifies_and_returns_the_same_model(tiny_entry):
    clf, _ = tiny_entry
    x = np.random.default_rng(0).uniform(size=(2, 8, 8, 1)).astype("float32")
    for name in ("tiny", "tiny_alias"):
        loaded = zoo.load(name)
        np.testing.assert_allclose(np.array(loaded(x)), np.array(clf(x)), atol=1e-6)
    assert zoo.info("tiny_alias")["name"] == "tiny"
    assert "tiny" in zoo.list()


def test_tampered_or_truncated_artifacts_are_refused(tiny_entry, tmp_path):
    _, path = tiny_entry
    original = str(tmp_path / "original.keras")
    shutil.copy(path, original)
    data = bytearray(open(original, "rb").read())
    data[len(data) // 2] ^= 0xFF  # same size, one byte flipped
    open(path, "wb").write(bytes(data))
    with pytest.raises(zoo.ChecksumError, match="does not match the expected"):
        zoo.load("tiny")
    open(path, "wb").write(open(original, "rb").read()[:-100])
    with pytest.raises(zoo.ChecksumError, match="truncated"):
        zoo.load("tiny")
    shutil.copy(original, path)
    assert sha256_file(path) == zoo.info("tiny")["sha256"]
    zoo.load("tiny")


def test_unknown_names_list_the_known_ones(tiny_entry):
    with pytest.raises(LookupError, match=r"Unknown zoo model 'nope'\. Known: .*tiny"):
        zoo.load("nope")


@pytest.fixture
def served_entry(tmp_path, monkeypatch):
    """A packaged classifier served over HTTP on 127.0.0.1, absent from the repo zoo/ folder."""
    import functools
    import http.server
    import threading

    served = str(tmp_path / "served")
    clf = helpers.tiny_classifier()
    _, sha, size = package(clf, "tiny", served)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=served)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("KERASGEN_ZOO_DIR", str(tmp_path / "empty_repo_zoo"))
    monkeypatch.setenv("KERASGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERASGEN_ZOO_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setitem(presets.PRESETS, "tiny", {
        "family": "classifier", "artifact": "tiny/tiny.keras", "sha256": sha, "bytes": size})
    yield served, str(tmp_path / "home" / "zoo" / "tiny" / "tiny.keras")
    server.shutdown()


def test_download_verifies_caches_and_refuses_corrupted_files(served_entry, monkeypatch):
    served, cached = served_entry
    good = open(os.path.join(served, "tiny", "tiny.keras"), "rb").read()
    bad = bytearray(good)
    bad[100] ^= 0xFF
    open(os.path.join(served, "tiny", "tiny.keras"), "wb").write(bytes(bad))
    with pytest.raises(zoo.ChecksumError, match="Download from http://127.0.0.1.*sha256"):
        zoo.load("tiny")
    assert not os.path.exists(cached) and os.listdir(os.path.dirname(cached)) == []
    open(os.path.join(served, "tiny", "tiny.keras"), "wb").write(good)
    zoo.load("tiny")
    assert open(cached, "rb").read() == good
    monkeypatch.delenv("KERASGEN_ZOO_URL")  # now served from the cache alone
    zoo.load("tiny")
    open(cached, "wb").write(bytes(bad))  # a tampered cache is refused, deleted, not used
    with pytest.raises(FileNotFoundError, match="KERASGEN_ZOO_URL"):
        zoo.load("tiny")
    assert not os.path.exists(cached)


def test_two_processes_downloading_at_once_both_succeed(served_entry):
    import subprocess
    import sys

    _, cached = served_entry
    code = ("import kerasgen.zoo.artifacts as a, kerasgen.registry as p, sys; "
            "p.PRESETS['tiny'] = {'artifact': 'tiny/tiny.keras', 'sha256': sys.argv[1], "
            "'bytes': int(sys.argv[2])}; print(a.fetch(p.PRESETS['tiny']))")
    entry = presets.PRESETS["tiny"]
    procs = [subprocess.Popen([sys.executable, "-c", code, entry["sha256"], str(entry["bytes"])],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all(out.strip().endswith(cached) for out, _ in outputs)
    assert sha256_file(cached) == entry["sha256"]


def test_loaded_gan_is_compiled_fine_tunes_and_samples_by_name(tmp_path, monkeypatch, capsys):
    import kerasgen
    from kerasgen import cli

    gan = kerasgen.models.DCGAN(image_size=8, channels=1, latent_dim=4, generator_width=4,
                                discriminator_width=4)
    gan.generate(2)  # build
    zoo_dir = str(tmp_path / "zoo")
    _, sha, size = package(gan, "tiny_gan", zoo_dir)
    monkeypatch.setenv("KERASGEN_ZOO_DIR", zoo_dir)
    monkeypatch.setitem(presets.PRESETS, "tiny_gan", {
        "family": "dcgan", "artifact": "tiny_gan/tiny_gan.keras", "sha256": sha, "bytes": size})
    loaded = zoo.load("tiny_gan")
    z = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(np.array(loaded.generate(z)), np.array(gan.generate(z)),
                               atol=1e-6)
    before = [w.copy() for w in loaded.generator.get_weights()]
    helpers.fit_one_step(loaded, helpers.fake_images(8, size=8, value_range=(-1, 1)))
    assert int(loaded.g_optimizer.iterations) == 1
    assert any(not np.array_equal(a, b) for a, b in zip(before, loaded.generator.get_weights()))
    grid = str(tmp_path / "grid.png")
    assert cli.main(["sample", "tiny_gan", "--num", "4", "--out", grid]) == 0
    assert open(grid, "rb").read()[:4] == b"\x89PNG"
    assert cli.main(["sample", "no_such_model", "--out", grid]) == 2
    assert "Known: " in capsys.readouterr().err


def test_sample_quality_curve_reads_the_run_and_draws_each_metric(tmp_path):
    import tensorflow as tf

    from kerasgen.zoo import curve

    logs = tmp_path / "run" / "logs" / "sample_quality"
    with tf.summary.create_file_writer(str(logs)).as_default():
        for epoch, fid in ((5, 80.0), (10, 40.5), (15, 30.25)):
            tf.summary.scalar("classifier/fid", fid, step=epoch)
            tf.summary.scalar("classifier/kid_std", 0.1, step=epoch)
    series = curve.read_scalars(str(logs))
    assert series["classifier/fid"] == [(5, 80.0), (10, 40.5), (15, 30.25)]
    out = curve.write_svg(series, str(tmp_path / "curve.svg"))
    svg = open(out).read()
    assert svg.count("<polyline") == 1 and "30.2" in svg and "kid_std" not in svg
    with pytest.raises(KeyError, match="logged"):
        curve.write_svg(series, str(tmp_path / "x.svg"), ["classifier/is_mean"])
    with pytest.raises(FileNotFoundError, match="metrics_every_epochs"):
        curve.read_scalars(str(tmp_path))


def test_sample_quality_curve_joins_training_stages(tmp_path):
    """A fine-tune's curve continues after the epochs its first stage trained, with a marker."""
    import tensorflow as tf

    from kerasgen.zoo import curve

    def run(name, epochs, fids):
        with tf.summary.create_file_writer(str(tmp_path / name / "logs" / "train")).as_default():
            for epoch in range(epochs):  # what keras.callbacks.TensorBoard logs: step = epoch
                tf.summary.scalar("epoch_g_loss", 1.0, step=epoch)
        with tf.summary.create_file_writer(
                str(tmp_path / name / "logs" / "sample_quality")).as_default():
            for epoch, fid in fids:
                tf.summary.scalar("classifier/fid", fid, step=epoch)
        return str(tmp_path / name)

    first = run("stage1", 10, [(5, 80.0), (10, 40.0)])
    second = run("stage2", 6, [(2, 30.0), (6, 20.0)])
    assert curve.epochs_trained(first) == 10
    series, boundaries = curve.read_stages([first, second])
    assert series["classifier/fid"] == [(5, 80.0), (10, 40.0), (12, 30.0), (16, 20.0)]
    assert boundaries == [10]
    svg = open(curve.write_svg(series, str(tmp_path / "c.svg"), boundaries=boundaries)).read()
    assert svg.count("stroke-dasharray") == 1 and svg.count("<polyline") == 1
    assert curve.main([first, second, str(tmp_path / "m.svg")]) is None
    assert "stroke-dasharray" in open(tmp_path / "m.svg").read()
    no_train_log = str(tmp_path / "stage1" / "logs")  # ... sample_quality/ but no train/
    os.makedirs(tmp_path / "bare" / "logs")
    os.rename(os.path.join(no_train_log, "sample_quality"),
              tmp_path / "bare" / "logs" / "sample_quality")
    with pytest.raises(FileNotFoundError, match="kerasgen train"):
        curve.read_stages([str(tmp_path / "bare"), second])


def test_models_compare_on_one_chart_against_training_images_or_time(tmp_path):
    """Two runs' FID against the images their steps used (logs/clock), one line each."""
    import tensorflow as tf

    from kerasgen.zoo import curve

    def run(name, fids, images_per_epoch, clock=True):
        with tf.summary.create_file_writer(
                str(tmp_path / name / "logs" / "sample_quality")).as_default():
            for epoch, fid in fids:
                tf.summary.scalar("classifier/fid", fid, step=epoch)
        if clock:
            with tf.summary.create_file_writer(
                    str(tmp_path / name / "logs" / "clock")).as_default():
                for epoch in range(1, 11):
                    tf.summary.scalar("images", epoch * images_per_epoch, step=epoch)
                    tf.summary.scalar("cpu_minutes", epoch * 2.5, step=epoch)
        return str(tmp_path / name)

    dcgan = run("dcgan", [(4, 40.0), (8, 20.0)], 9000)
    progan = run("progan", [(5, 60.0), (10, 15.0)], 4480)
    lines = curve.read_comparison([dcgan, progan], "classifier/fid", "images")
    assert lines == [("dcgan", [(36000.0, 40.0), (72000.0, 20.0)]),
                     ("progan", [(22400.0, 60.0), (44800.0, 15.0)])]
    assert curve.read_comparison([dcgan], "classifier/fid", "cpu_minutes",
                                 labels=["DCGAN"]) == [("DCGAN", [(10.0, 40.0), (20.0, 20.0)])]
    out = str(tmp_path / "c.svg")
    assert curve.main(["--compare", dcgan, progan, out, "--labels", "DCGAN,ProGAN"]) is None
    svg = open(out).read()
    assert svg.count("<polyline") == 2 and "ProGAN (last 15)" in svg
    assert "training images" in svg and "72k" in svg and "22.4k" in svg
    with pytest.raises(KeyError, match="No metric 'classifier/kid'"):
        curve.read_comparison([dcgan], "classifier/kid")
    with pytest.raises(FileNotFoundError, match="predates it: use --x epochs"):
        curve.read_comparison([run("old", [(4, 40.0)], 0, clock=False)], "classifier/fid")
    assert curve.read_comparison([str(tmp_path / "old")], "classifier/fid", "epochs") == [
        ("old", [(4, 40.0)])]
    with pytest.raises(ValueError, match="2 labels for 1 runs"):
        curve.read_comparison([dcgan], "classifier/fid", labels=["a", "b"])


def test_the_training_log_draws_per_epoch_values_counted_from_one(tmp_path):
    import tensorflow as tf

    from kerasgen.zoo import curve

    with tf.summary.create_file_writer(str(tmp_path / "run" / "logs" / "train")).as_default():
        for epoch in range(3):  # keras.callbacks.TensorBoard: step = epoch, from 0
            tf.summary.scalar("epoch_m_global", 0.2 - 0.05 * epoch, step=epoch)
            tf.summary.scalar("batch_m_global", 0.5, step=epoch)
    series = curve.read_epoch_scalars(str(tmp_path / "run"), "train")
    assert list(series) == ["epoch_m_global"]
    assert [(e, round(v, 4)) for e, v in series["epoch_m_global"]] == [
        (1, 0.2), (2, 0.15), (3, 0.1)]
    out = str(tmp_path / "m.svg")
    assert curve.main([str(tmp_path / "run"), out, "--log", "train"]) is None
    assert "epoch_m_global" in open(out).read()


def test_a_truncation_sweep_draws_each_metric_and_precision_against_recall(tmp_path):
    """The reports of `kerasgen evaluate --truncation 1,0.5` (one per value, in any order)
    become a chart per metric against psi and precision against recall, each point named by
    its psi; reports that vary no option, or two, are refused."""
    import json

    from kerasgen.zoo import curve

    def report(name, sampling, fid, precision, recall):
        path = str(tmp_path / f"{name}.json")
        with open(path, "w") as f:
            json.dump({"metrics": {"fid": fid, "precision": precision, "recall": recall,
                                   "generated": 100},
                       "protocol": {"sampling": sampling}}, f)
        return path

    reports = [report("a", {"truncation": 1.0}, 6.0, 0.90, 0.70),
               report("b", {"truncation": 0.5}, 30.0, 0.99, 0.20),
               report("c", {"truncation": 0.7}, 12.0, 0.96, 0.45)]
    option, series = curve.read_sweep(reports)
    assert option == "truncation"
    assert series["fid"] == [(0.5, 30.0), (0.7, 12.0), (1.0, 6.0)]
    assert series["recall"] == [(0.5, 0.2), (0.7, 0.45), (1.0, 0.7)]
    out = str(tmp_path / "sweep.svg")
    assert curve.main(["--sweep"] + reports + [out]) is None
    svg = open(out).read()
    assert svg.count("<polyline") == 4  # fid, precision, recall, precision against recall
    assert "precision against recall" in svg and "recall (truncation beside each point)" in svg
    assert ">0.7</text>" in svg and ">30</text>" in svg
    # psi from 0.5 to 1 spans the whole width of the fid chart (the first panel)
    fid_line = svg.split("<polyline")[1].split('points="')[1].split('"')[0].split()
    assert [x.split(",")[0] for x in (fid_line[0], fid_line[-1])] == ["42.0", "278.0"]
    with pytest.raises(ValueError, match="vary none"):
        curve.read_sweep([reports[0], report("d", {"truncation": 1.0}, 6.1, 0.9, 0.7)])
    with pytest.raises(ValueError, match="vary temperature, truncation"):
        curve.read_sweep([reports[0], report("e", {"truncation": 0.5, "temperature": 0.9},
                                             6.1, 0.9, 0.7)])
    with pytest.raises(ValueError, match="no protocol.sampling"):
        curve.read_sweep([str(report("f", {}, 1.0, 1.0, 1.0))])
    with pytest.raises(KeyError, match="No metric 'swd_mean'"):
        curve.write_sweep_svg(option, series, out, ["swd_mean"])
