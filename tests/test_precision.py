"""The warning before a mixed-precision run this machine would only emulate, and
`train.mixed_precision: auto`, which picks bfloat16 where the machine computes it."""

import json
import os
import warnings

import keras
import numpy as np
import pytest

from kerasgen import config as config_lib
from kerasgen.training import precision
from kerasgen.training import train as train_module
from tests import helpers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

NO_BF16 = frozenset({"avx2", "fma", "avx512f"})  # AVX-512 without its BF16 extension
BF16 = NO_BF16 | {"avx512_bf16"}


def test_warns_for_bfloat16_on_a_cpu_without_bf16_instructions():
    message = precision.slow_policy_warning("mixed_bfloat16", flags=NO_BF16,
                                            gpu_capabilities=[])
    assert "train.mixed_precision=mixed_bfloat16" in message
    assert "avx512_bf16" in message and "train.mixed_precision=float32" in message


@pytest.mark.parametrize("policy,flags,gpus", [
    ("float32", NO_BF16, []),                    # nothing to emulate
    ("mixed_bfloat16", BF16, []),                # AVX-512 BF16
    ("mixed_bfloat16", NO_BF16 | {"amx_bf16"}, []),
    ("mixed_bfloat16", None, []),                # flags unknown: no guess
    ("mixed_bfloat16", NO_BF16, [(8, 0)]),       # an Ampere GPU computes it
    ("mixed_float16", NO_BF16, [(7, 5)]),
])
def test_stays_quiet_where_the_dtype_is_native_or_unknown(policy, flags, gpus, monkeypatch):
    if flags is None:
        monkeypatch.setattr(precision, "cpu_flags", lambda: None)
    assert precision.slow_policy_warning(policy, flags=flags, gpu_capabilities=gpus) is None


def test_names_the_gpu_that_lacks_the_dtype():
    message = precision.slow_policy_warning("mixed_bfloat16", flags=NO_BF16,
                                            gpu_capabilities=[(7, 0)])
    assert "compute capability 7.0" in message and "8.0" in message


def test_float16_on_a_cpu_names_its_flags():
    message = precision.slow_policy_warning("mixed_float16", flags=BF16, gpu_capabilities=[])
    assert "avx512_fp16" in message


def test_reads_the_flags_line_of_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\nbugs\t\t: none\n")
    precision.cpu_flags.cache_clear()
    try:
        assert precision.cpu_flags(str(cpuinfo)) == {"fpu", "avx2", "avx512_bf16"}
        assert precision.cpu_flags(str(tmp_path / "missing")) is None
    finally:
        precision.cpu_flags.cache_clear()


def test_kerasgen_train_warns_before_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(precision, "cpu_flags", lambda: NO_BF16)
    monkeypatch.setattr(precision, "_gpu_capabilities", lambda: [])

    class Started(Exception):
        pass

    def start(*args):
        raise Started  # the warning came before; no need to train here

    monkeypatch.setattr(train_module, "_train_in_scope", start)
    config = config_lib.load(os.path.join(ROOT, "configs", "dcgan_mnist.yaml"),
                             [f"train.output_dir={tmp_path / 'run'}"])
    assert config.train.mixed_precision == "mixed_bfloat16"
    with pytest.warns(UserWarning, match="no bfloat16 instructions"), pytest.raises(Started):
        train_module.train(config, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(Started):
            train_module.train(config_lib.load(
                os.path.join(ROOT, "configs", "dcgan_mnist.yaml"),
                [f"train.output_dir={tmp_path / 'run'}", "train.mixed_precision=float32"]),
                verbose=0)


@pytest.mark.parametrize("flags,gpus,expected", [
    (BF16, [], "mixed_bfloat16"),
    (NO_BF16 | {"amx_bf16"}, [], "mixed_bfloat16"),
    (NO_BF16, [], "float32"),
    (None, [], "float32"),                   # flags unknown: no guess
    (NO_BF16, [(8, 6)], "mixed_bfloat16"),   # the GPUs decide when there are GPUs
    (BF16, [(8, 0), (7, 5)], "float32"),     # never float16, which needs loss scaling
])
def test_auto_picks_bfloat16_only_where_it_is_native(flags, gpus, expected, monkeypatch):
    if flags is None:
        monkeypatch.setattr(precision, "cpu_flags", lambda: None)
    assert precision.resolve("auto", flags=flags, gpu_capabilities=gpus) == expected
    assert precision.resolve("mixed_float16", flags=flags, gpu_capabilities=gpus) == \
        "mixed_float16"  # a named policy is kept


def test_an_auto_run_resumes_on_a_machine_of_another_kind(tmp_path, monkeypatch):
    """A run under `auto` begun where bfloat16 is emulated (float32) and resumed where it is
    native (mixed_bfloat16) picks up its weights and optimizer state, trains on in bfloat16,
    and training_time.json counts the steps of each policy."""
    monkeypatch.setattr(precision, "_gpu_capabilities", lambda: [])
    folder = tmp_path / "idx"
    helpers.write_idx_folder(str(folder), num_train=96, num_test=32)

    def config(epochs):
        return config_lib.load(os.path.join(ROOT, "configs", "vae_mnist.yaml"), [
            f"data.path={folder}", "data.batch_size=16", "data.eval_split=null",
            "model.args.hidden_dims=[8, 8]", "model.args.latent_dim=4",
            f"train.epochs={epochs}", "train.steps_per_epoch=3", "train.num_samples=4",
            "train.mixed_precision=auto", f"train.output_dir={tmp_path / 'run'}"])

    monkeypatch.setattr(precision, "cpu_flags", lambda: NO_BF16)
    first, _ = train_module.train(config(1), verbose=0)
    assert first.dtype_policy.name == "float32"
    weights = [w.copy() for w in first.get_weights()]
    monkeypatch.setattr(precision, "cpu_flags", lambda: BF16)
    resumed = {}

    class Restored(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if not resumed:
                resumed["weights"] = [w.copy() for w in self.model.get_weights()]
                resumed["iterations"] = int(self.model.optimizer.iterations)

    second, history = train_module.train(config(2), verbose=0, callbacks=[Restored()])
    assert second.dtype_policy.name == "mixed_bfloat16"
    assert resumed["iterations"] == 3
    assert all(np.array_equal(a, b) for a, b in zip(weights, resumed["weights"]))
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"]).all()
    spent = json.loads((tmp_path / "run" / "training_time.json").read_text())
    assert spent["steps_by_policy"] == {"float32": 3, "mixed_bfloat16": 3}
