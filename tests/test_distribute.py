import json
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def worker_result(*args):
    # A fresh process: logical devices must be configured before TensorFlow starts.
    result = subprocess.run([sys.executable, os.path.join(HERE, "distribute_worker.py"), *args],
                            capture_output=True, text=True, timeout=600)
    lines = [l for l in result.stdout.splitlines() if l.startswith("RESULT ")]
    assert lines, result.stderr[-4000:]
    return json.loads(lines[-1][len("RESULT "):])


def test_train_steps_are_correct_per_replica():
    out = worker_result()
    assert out["replicas"] == 2
    assert out["max_weight_difference"] < 1e-5, out
    assert out["finite"]
    assert (out["g_iterations"], out["d_iterations"]) == (4, 8)
    assert out["latents_differ"]
    assert out["conditional_finite"] == {"cgan": True, "cvae": True, "iwae": True}, out
    assert out["pix2pix_max_weight_difference"] < 1e-5, out
    assert out["cyclegan_max_weight_difference"] < 1e-5, out
    assert out["cyclegan_pool_finite"]
    assert out["text_finite"] and out["text_terms"] == ["d_mismatch", "g_interpolation"]
    # Each replica's pool holds the 4 fakes of its half-batches, filled to its size.
    assert out["cyclegan_pool_counts"] == [4, 4], out
    # BEGAN: two replicas equal one device; k_t moved and is the same on both replicas.
    assert out["began_max_weight_difference"] < 1e-5, out
    single, first, second = out["began_k_t"]
    assert first == second and abs(single - first) < 1e-6 and single != 0.3, out
    # 16 images at 4x4, then 8 at 8x8 (4 per replica): halfway through the fade-in.
    assert out["progan_schedule"] == [[24, 1, 0.5], [24, 1, 0.5]], out
    assert out["progan_finite"] and out["progan_max_score_difference"] < 1e-5, out


def test_style_and_augmentation_steps_are_correct_per_replica():
    out = worker_result("style")
    assert out["replicas"] == 2
    # StyleGAN: two replicas equal one device, lazy R1 and path length included; the state
    # (w_avg, the path-length mean, the step counters) moved and is the same on both replicas.
    assert out["stylegan_max_weight_difference"] < 1e-5, out
    for name, values in out["stylegan_state"].items():
        first, second = values["replicas"]
        assert first == second, (name, values)
        np.testing.assert_allclose(values["single"], first, rtol=1e-5, atol=1e-6)
    assert out["stylegan_state"]["d_steps"]["single"] == 2
    assert out["stylegan_state"]["pl_mean"]["single"] > 0
    # ADA: p fell on one device and on both replicas alike (global r_t 0, not replica 0's 1).
    assert out["ada_p"]["single"] == pytest.approx(0.4)
    assert out["ada_p"]["replicas"] == [pytest.approx(0.4)] * 2, out["ada_p"]


def test_kerasgen_train_under_a_mirrored_strategy():
    out = worker_result("train")
    # The config's batch of 16 is the global batch: 8 per replica, 2 steps.
    assert out["train_replicas"] == 2 and out["train_iterations"] == 2, out
    assert out["train_finite"] and out["train_saved"], out


@pytest.mark.parametrize("tasks_per_node, nodes, expected", [
    ("1(x2)", "node[1-2]", ["node1:8888", "node2:8888"]),
    ("2", "localhost", ["localhost:8888", "localhost:8889"]),
])
def test_a_slurm_step_on_cpu_nodes_gives_each_task_an_address(monkeypatch, tasks_per_node,
                                                               nodes, expected):
    """The environment srun sets for task 1 of 2; no nvidia-smi here (TF's resolver would
    fail on it, or place no task with 0 GPUs)."""
    from kerasgen.training import distribute

    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(distribute.shutil, "which", lambda name: None)
    for key, value in {"SLURM_JOB_ID": "7", "SLURM_PROCID": "1", "SLURM_STEP_NUM_TASKS": "2",
                       "SLURM_STEP_NODELIST": nodes,
                       "SLURM_STEP_TASKS_PER_NODE": tasks_per_node}.items():
        monkeypatch.setenv(key, value)
    resolver = distribute.cluster_resolver("slurm")
    assert resolver.cluster_spec().as_dict() == {"worker": expected}
    assert (resolver.task_type, resolver.task_id) == ("worker", 1)
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
    monkeypatch.delenv("SLURM_STEP_NUM_TASKS")
    with pytest.raises(distribute.ClusterError, match="SLURM_STEP_NUM_TASKS"):
        distribute.cluster_resolver("slurm")
