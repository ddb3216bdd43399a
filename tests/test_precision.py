"""The warning before a mixed-precision run this machine would only emulate."""

import os
import warnings

import pytest

from kerasgen import config as config_lib
from kerasgen.training import precision
from kerasgen.training import train as train_module

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
