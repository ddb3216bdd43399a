"""Whether this machine computes a mixed-precision policy's dtype natively.

A `mixed_bfloat16` policy pays off only where the processor has bfloat16 arithmetic (CPUs with
AVX-512 BF16 or AMX, GPUs of compute capability 8.0 and up); elsewhere TensorFlow emulates it in
float32 with conversions around every op. Measured on a 2-core AMD EPYC (Zen 3, AVX2, no
AVX-512): 40 steps of the dcgan_mnist config took 10 s per step in mixed_bfloat16 against
1.2 s in float32 (8x slower), where a CPU with AVX-512 BF16 had run the same config ~1.0-1.4x
faster in bfloat16. `kerasgen train` warns before such a run; it does not change the policy
the config asks for.

`train.mixed_precision: auto` asks instead for bfloat16 where the machine computes it and
float32 elsewhere (`resolve`): for a long run carried across machines of different kinds, each
session at the best speed its machine has (measured: docs/training.md, "Mixed precision").
Both keep float32 variables and optimizer state, so a backup written under one resumes under
the other. float16 is never chosen: it needs a loss-scaling optimizer, whose state
a float32 or bfloat16 backup does not have.
"""

import functools

# /proc/cpuinfo flag names of the instructions that compute each dtype natively on a CPU.
CPU_FLAGS = {
    "bfloat16": ("avx512_bf16", "amx_bf16"),
    "float16": ("avx512_fp16", "amx_fp16"),
}
# The first GPU compute capability with native arithmetic for each dtype.
GPU_CAPABILITY = {"bfloat16": (8, 0), "float16": (5, 3)}


@functools.lru_cache(maxsize=None)
def cpu_flags(path="/proc/cpuinfo"):
    """The CPU's feature flags, or None where they cannot be read (not Linux)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        return None
    return None


def _gpu_capabilities():
    import tensorflow as tf

    capabilities = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        capabilities.append(tuple(details.get("compute_capability") or (0, 0)))
    return capabilities


def native(dtype, flags=None, gpu_capabilities=None):
    """Whether this machine computes `dtype` ("bfloat16" or "float16") natively: on every GPU
    when there are GPUs, else by the CPU's flags; None when there is no GPU and the flags
    cannot be read. `flags` and `gpu_capabilities` default to this machine's."""
    gpus = _gpu_capabilities() if gpu_capabilities is None else gpu_capabilities
    if gpus:
        return all(c >= GPU_CAPABILITY[dtype] for c in gpus)
    flags = cpu_flags() if flags is None else flags
    if flags is None:
        return None
    return bool(flags & set(CPU_FLAGS[dtype]))


def resolve(policy_name, flags=None, gpu_capabilities=None):
    """The Keras policy a run trains under: `policy_name` itself, or for "auto"
    "mixed_bfloat16" where this machine computes bfloat16 natively and "float32" elsewhere."""
    if policy_name != "auto":
        return policy_name
    return "mixed_bfloat16" if native("bfloat16", flags, gpu_capabilities) else "float32"


def slow_policy_warning(policy_name, flags=None, gpu_capabilities=None):
    """A warning for a mixed-precision policy this machine cannot compute natively, or None
    (float32, a native dtype, or a CPU whose flags cannot be read).

    `flags` and `gpu_capabilities` default to this machine's."""
    for dtype in ("bfloat16", "float16"):
        if policy_name in (f"mixed_{dtype}", dtype):
            break
    else:
        return None
    gpus = _gpu_capabilities() if gpu_capabilities is None else gpu_capabilities
    if native(dtype, flags, gpus) is not False:  # native, or flags unknown: no guess
        return None
    if gpus:
        return (f"train.mixed_precision={policy_name}: this GPU (compute capability "
                f"{'.'.join(map(str, min(gpus)))}) has no native {dtype} arithmetic "
                f"(it needs {'.'.join(map(str, GPU_CAPABILITY[dtype]))} or later); the run "
                "will likely be slower than float32.")
    return (f"train.mixed_precision={policy_name}: this CPU has no {dtype} instructions "
            f"(none of {', '.join(CPU_FLAGS[dtype])} in /proc/cpuinfo), so TensorFlow "
            f"emulates {dtype} in float32: on such a CPU the dcgan_mnist config ran 8x slower "
            "than in float32. Add --set train.mixed_precision=float32 unless the run is "
            "meant for another machine.")
