"""MultiWorkerMirroredStrategy on loopback: two worker processes train like one process with
two replicas; a worker killed with SIGKILL is resumed from the chief's backup to the same
weights; a worker that cannot reach the cluster fails in bounded time, naming the address."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgen.models  # noqa: F401  (registers the classes the .keras files name)
from kerasgen.training import launch
from tests import helpers

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(HERE, "multi_worker_run.py")
REPO = os.path.dirname(HERE)

# A global batch of 32 (16 per replica). The VAE's epochs are long enough (60 steps, several
# seconds on two workers) for the kill test, which kills a worker within 0.05 s of epoch 1's
# backup, to land inside epoch 2 or 3; backups at epoch ends only. The VAE reads its images
# in file order (shuffle_buffer 1): under a strategy, Keras' fit reads one batch through an
# iterator of its own before training (to build the model), which on a resumed run passes the
# skipped batches and so advances tf.data's reshuffle seed; a resumed run then sees another
# (equally random) order. The GAN's data is shuffled.
VAE = """
name: vae_cluster
model:
  family: vae
  args: {{image_shape: [28, 28, 1], latent_dim: 8, likelihood: bernoulli, architecture: mlp,
         hidden_dims: [64]}}
data: {{source: idx, path: {data}, channels: 1, binarize: true, batch_size: 32,
        eval_split: null, shuffle_buffer: 1}}
train: {{epochs: 3, steps_per_epoch: 60, checkpoint_every_steps: null, num_samples: 4,
        optimizer: {{name: adam, learning_rate: 0.001}}, cluster_timeout_seconds: 60}}
"""
GAN = """
name: gan_cluster
model:
  family: dcgan
  args: {{image_size: 28, channels: 1, latent_dim: 16, generator_width: 8,
         discriminator_width: 8, extra_layers: 0, ema_decay: 0.9}}
data: {{source: idx, path: {data}, channels: 1, batch_size: 32, eval_split: null}}
train: {{epochs: 2, steps_per_epoch: 3, num_samples: 4, cluster_timeout_seconds: 60}}
"""

# An image folder is read by parts on a cluster: worker w decodes files w::2 (in file order,
# shuffle_buffer 1). The reference process reads one stream and deals its per-replica batches
# to replicas 0, 1, 0, 1, ...; its folder holds the same 64 images ordered so that stream is
# worker 0's batch 0, worker 1's batch 0, worker 0's batch 1, ... (see _folder_pair).
FOLDER = """
name: folder_cluster
model:
  family: vae
  args: {{image_shape: [8, 8, 1], latent_dim: 4, likelihood: bernoulli, architecture: mlp,
         hidden_dims: [32]}}
data: {{source: folder, path: {data}, image_size: 8, channels: 1, batch_size: 16,
        eval_split: null, shuffle_buffer: 1}}
train: {{epochs: 2, num_samples: 4, optimizer: {{name: adam, learning_rate: 0.01}},
        cluster_timeout_seconds: 60}}
"""
PER_REPLICA = 8


def _folder_pair(root, num=64):
    """ROOT/img (the cluster's folder) and ROOT/img_reference (the same images in the order
    that gives the reference's replicas the batches the workers read)."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (num, 8, 8, 1)).astype(np.uint8)
    for folder in ("img", "img_reference"):
        os.makedirs(os.path.join(root, folder))
    for c, image in enumerate(images):
        png = tf.io.encode_png(image)
        tf.io.write_file(os.path.join(root, "img", f"{c:03d}.png"), png)
        worker, position = c % 2, c // 2  # file c is worker (c % 2)'s image c // 2
        batch, m = divmod(position, PER_REPLICA)
        p = PER_REPLICA * (2 * batch + worker) + m
        tf.io.write_file(os.path.join(root, "img_reference", f"{p:03d}.png"), png)


def _result(stdout):
    lines = [l for l in stdout.splitlines() if l.startswith("RESULT ")]
    return json.loads(lines[-1][len("RESULT "):]) if lines else None


def _weights(path):
    return [np.asarray(w) for w in keras.saving.load_model(path, compile=False).weights]


def _max_difference(a, b):
    return max(float(np.abs(x - y).max()) for x, y in zip(_weights(a), _weights(b)))


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    return dict(env, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="3", **extra)


@pytest.fixture(scope="module")
def cluster_runs(tmp_path_factory):
    """The reference process and a two-worker cluster, run at the same time."""
    root = str(tmp_path_factory.mktemp("cluster"))
    helpers.write_idx_folder(os.path.join(root, "mnist"), num_train=256, num_test=16)
    _folder_pair(root)
    for name, text, data in (("vae", VAE, "mnist"), ("gan", GAN, "mnist"),
                             ("folder", FOLDER, "img"),
                             ("folder_reference", FOLDER, "img_reference")):
        with open(os.path.join(root, f"{name}.yaml"), "w") as f:
            f.write(text.format(data=os.path.join(root, data)))
    worker_tmp = [os.path.join(root, f"tmp{i}") for i in range(2)]
    for path in worker_tmp:
        os.makedirs(path)
    runs = [subprocess.Popen([sys.executable, RUN, "reference", root], env=_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    for index, tf_config in enumerate(launch.tf_configs(launch.free_ports(2))):
        runs.append(subprocess.Popen(
            [sys.executable, RUN, "worker", root], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
            env=_env(TF_CONFIG=tf_config, TMPDIR=worker_tmp[index])))
    outputs = [p.communicate(timeout=600) for p in runs]
    results = [_result(out) for out, _ in outputs]
    for result, (_, err) in zip(results, outputs):
        assert result is not None, err[-4000:]
    return root, results, worker_tmp


@pytest.mark.parametrize("name", ["vae", "gan", "folder"])
def test_two_workers_train_like_one_process_with_two_replicas(cluster_runs, name):
    root, (reference, chief, worker), _ = cluster_runs
    assert reference[name]["replicas"] == 2
    assert chief[name]["replicas"] == worker[name]["replicas"] == 2
    difference = _max_difference(os.path.join(root, f"reference_{name}", "model.keras"),
                                 os.path.join(root, f"worker_{name}", "model.keras"))
    assert difference < 1e-5, difference
    # Logs are means over both workers: the same on each, and equal to the reference's.
    for key, values in reference[name]["history"].items():
        np.testing.assert_allclose(chief[name]["history"][key], values, rtol=1e-4, atol=1e-4)
        assert chief[name]["history"][key] == worker[name]["history"][key]
    # The folder's weights match only if each worker trained on its own half of the files
    # (every other batch of the whole folder would be another stream).
    assert reference[name]["shard"] is None
    assert (chief[name]["shard"], worker[name]["shard"]) == ([2, 0], [2, 1])


def test_only_the_chief_writes(cluster_runs):
    root, _, worker_tmp = cluster_runs
    run = os.path.join(root, "worker_vae")
    assert {"config.yaml", "model.keras", "backup", "logs", "samples"} <= set(os.listdir(run))
    # Worker 1 wrote its copy into a temporary folder (under its TMPDIR) and removed it.
    assert os.listdir(worker_tmp[1]) == []


def _wait_for_backup(run, epoch, process, timeout=300):
    path = os.path.join(run, "backup", "training_metadata.json")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with open(path) as f:
                if json.load(f)["epoch"] >= epoch:
                    return True
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    return False


def _worker_pid(launcher, index):
    children = subprocess.run(["pgrep", "-P", str(launcher.pid)], capture_output=True,
                              text=True).stdout.split()
    for pid in children:
        with open(f"/proc/{pid}/environ", "rb") as f:
            if f'"index": {index}'.encode() in f.read():
                return int(pid)
    raise AssertionError(f"no worker {index} among {children}")


def test_a_worker_killed_mid_run_resumes_to_the_uninterrupted_weights(cluster_runs, tmp_path):
    root, _, _ = cluster_runs
    run = str(tmp_path / "run")
    command = [sys.executable, "-m", "kerasgen.cli", "train", os.path.join(root, "vae.yaml"),
               "--workers", "2", "--output-dir", run, "--quiet"]
    first = subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert _wait_for_backup(run, 1, first), first.communicate()[1][-3000:]
    os.kill(_worker_pid(first, 1), signal.SIGKILL)
    _, err = first.communicate(timeout=120)
    assert first.returncode != 0
    assert "worker 1 of 2 failed (exit code -9); stopped the others" in err, err[-3000:]
    with open(os.path.join(run, "backup", "training_metadata.json")) as f:
        assert json.load(f)["epoch"] < 3  # interrupted before the end

    again = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Finished vae_cluster" in again.stdout
    difference = _max_difference(os.path.join(root, "reference_vae", "model.keras"),
                                 os.path.join(run, "model.keras"))
    assert difference < 1e-5, difference


def test_a_worker_that_cannot_reach_the_cluster_fails_in_bounded_time(cluster_runs, tmp_path):
    root = cluster_runs[0]
    # Worker 0 (the leader) of one cluster and worker 1 of another, each started alone, at once.
    clusters = [launch.free_ports(2), launch.free_ports(2)]
    started = time.monotonic()
    processes = [subprocess.Popen(
        [sys.executable, "-m", "kerasgen.cli", "train", os.path.join(root, "vae.yaml"),
         "--strategy", "multi_worker", "--set", "train.cluster_timeout_seconds=5",
         "--output-dir", str(tmp_path / f"alone{index}")],
        env=_env(TF_CONFIG=launch.tf_configs(clusters[index])[index]), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True) for index in (0, 1)]
    errors = [p.communicate(timeout=240)[1] for p in processes]
    elapsed = time.monotonic() - started
    for index, (process, err) in enumerate(zip(processes, errors)):
        assert process.returncode == 1, err[-3000:]
        missing = f"127.0.0.1:{clusters[index][1 - index]}"
        assert "did not come up within 5 s" in err and f"nothing answers at {missing}." in err, \
            err[-3000:]
        assert f"This worker is worker {index}" in err
    assert elapsed < 150, elapsed  # start-up (~20 s here) + the 5 s timeout, not forever


def test_the_launcher_gives_each_worker_its_tf_config():
    configs = [json.loads(c) for c in launch.tf_configs([1234, 5678])]
    assert [c["task"] for c in configs] == [{"type": "worker", "index": 0},
                                            {"type": "worker", "index": 1}]
    assert configs[0]["cluster"] == {"worker": ["127.0.0.1:1234", "127.0.0.1:5678"]}
    ports = launch.free_ports(3)
    assert len(set(ports)) == 3
