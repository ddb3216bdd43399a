import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def test_train_steps_are_correct_per_replica():
    # A fresh process: logical devices must be configured before TensorFlow starts.
    result = subprocess.run([sys.executable, os.path.join(HERE, "distribute_worker.py")],
                            capture_output=True, text=True, timeout=600)
    lines = [l for l in result.stdout.splitlines() if l.startswith("RESULT ")]
    assert lines, result.stderr[-4000:]
    out = json.loads(lines[-1][len("RESULT "):])
    assert out["replicas"] == 2
    assert out["max_weight_difference"] < 1e-5, out
    assert out["finite"]
    assert (out["g_iterations"], out["d_iterations"]) == (4, 8)
    assert out["latents_differ"]
    assert out["pix2pix_max_weight_difference"] < 1e-5, out
    assert out["cyclegan_max_weight_difference"] < 1e-5, out
    assert out["cyclegan_pool_finite"]
    assert out["text_finite"] and out["text_terms"] == ["d_mismatch", "g_interpolation"]
    # Each replica's pool holds the 4 fakes of its half-batches, filled to its size.
    assert out["cyclegan_pool_counts"] == [4, 4], out


def test_kerasgen_train_under_a_mirrored_strategy():
    result = subprocess.run([sys.executable, os.path.join(HERE, "distribute_worker.py"),
                             "train"], capture_output=True, text=True, timeout=600)
    lines = [l for l in result.stdout.splitlines() if l.startswith("RESULT ")]
    assert lines, result.stderr[-4000:]
    out = json.loads(lines[-1][len("RESULT "):])
    # The config's batch of 16 is the global batch: 8 per replica, 2 steps.
    assert out["train_replicas"] == 2 and out["train_iterations"] == 2, out
    assert out["train_finite"] and out["train_saved"], out
