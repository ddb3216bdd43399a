"""CycleGAN training throughput and peak memory against the keras-io-style reference
(ref_cyclegan.py).

Usage:
    KERASGEN_DATA=/path/to/shared/data python bench/cyclegan_throughput.py [--steps 60]
        [--cases 64:1,64:4,256:1] [--settings float32,mixed_bfloat16] [--repeats 2]
        [--reference /path/to/shared/bench/ref_cyclegan.py]

For every size:batch case the reference (float32, as keras-io) and each kerasgen setting run
in their own process on CelebA faces, after a warm-up that traces the step; rounds are
interleaved and medians reported with their ratio to the reference of the same case. Both
train the paper's networks (generator width 64, 6 residual blocks below 256 px, 9 at 256,
70x70 PatchGANs, identity loss on, batch as given); kerasgen also runs its history pools.
An image is one A and one B image translated. Peak memory is each process's maximum resident
set size (`/usr/bin/time`), the whole process: TensorFlow, data and model.

ref_cyclegan.py as provided cannot run: its residual block reflection-pads and then convolves
with padding "same", so the block's output is 2 px larger than its input and the skip
connection's Add fails ("incompatible shapes (16, 16, 256) and (18, 18, 256)"). The script
runs a copy with that one convolution set to "valid", as the keras-io example writes it (and
printing its rate with 4 decimals, as kerasgen's worker does).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from train_throughput import time_config  # noqa: E402  (the same timing protocol)


def run_kerasgen(policy, size, batch, steps):
    adam = "{name: adam, learning_rate: 0.0002, beta_1: 0.5}"
    time_config("cyclegan_glasses.yaml", [
        f"train.mixed_precision={policy}", "data.stop=512", f"data.image_size={size}",
        f"model.args.image_size={size}", "model.args.generator_width=64",
        "model.args.residual_blocks=null", f"data.batch_size={batch}", "data.jitter=false",
        f"train.g_optimizer={adam}", f"train.d_optimizer={adam}"], steps, 2, digits=4)


BROKEN_RESBLOCK = "    y = conv(ReflectionPadding2D()(x), f, 3, 1)\n"
FIXED_RESBLOCK = ("    y = layers.Conv2D(f, 3, 1, \"valid\", kernel_initializer=init, use_bias=False)"
                  "(ReflectionPadding2D()(x))\n    y = layers.ReLU()(inorm()(y))\n")


TWO_DIGITS = ':.2f}")'


def fixed_reference(path):
    """A copy of the reference with its residual block's first convolution valid-padded
    (see the module docstring) and its rate printed with 4 decimals instead of 2 (at 256 px
    a rate of 0.05 images/s would otherwise be known to 10%); the original path if neither
    line is there."""
    import tempfile

    with open(path) as f:
        source = f.read()
    if BROKEN_RESBLOCK not in source and TWO_DIGITS not in source:
        return path
    copy = os.path.join(tempfile.mkdtemp(prefix="ref_cyclegan_"), "ref_cyclegan_fixed.py")
    with open(copy, "w") as f:
        f.write(source.replace(BROKEN_RESBLOCK, FIXED_RESBLOCK).replace(TWO_DIGITS,
                                                                         ':.4f}")'))
    return copy


def measure(cmd):
    """(images/s, peak resident MB) of one process."""
    out = subprocess.run(["/usr/bin/time", "-f", "peak_rss_kb %M"] + cmd, capture_output=True,
                         text=True, check=False)
    rate = [l for l in out.stdout.splitlines() if l.startswith("images_per_s")]
    peak = re.findall(r"peak_rss_kb (\d+)", out.stderr)
    if out.returncode or not rate or not peak:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return float(rate[-1].split()[1]), int(peak[-1]) / 1024.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--cases", default="64:1,64:4", help="size:batch, comma-separated")
    parser.add_argument("--settings", default="float32,mixed_bfloat16")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--reference", default=os.path.join(ROOT, "..", "shared", "bench",
                                                            "ref_cyclegan.py"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        policy, size, batch = args.worker.split(":")
        run_kerasgen(policy, int(size), int(batch), args.steps)
        return
    data = os.environ.get("KERASGEN_DATA")
    if not data:
        sys.exit("Set KERASGEN_DATA to the folder holding celeba-10k/.")
    commands = {}
    reference = fixed_reference(args.reference) if os.path.exists(args.reference) else None
    for case in args.cases.split(","):
        size, batch = case.split(":")
        if reference:
            commands[(case, "reference float32")] = [
                sys.executable, reference, os.path.join(data, "celeba-10k", "img"),
                str(args.steps), size, batch, "float32"]
        for setting in args.settings.split(","):
            commands[(case, f"kerasgen {setting}")] = [
                sys.executable, __file__, "--worker", f"{setting}:{size}:{batch}", "--steps",
                str(args.steps)]
    runs, peaks = {}, {}
    for round_number in range(args.repeats):
        for key, cmd in commands.items():
            rate, peak = measure(cmd)
            runs.setdefault(key, []).append(rate)
            peaks[key] = max(peaks.get(key, 0.0), peak)
            print(f"round {round_number + 1} {key[0]} {key[1]}: {rate:.4f} images/s, peak "
                  f"{peak:.0f} MB", flush=True)
    print(f"\nmedian of {args.repeats} interleaved rounds, {args.steps} timed steps:")
    for (case, name), values in runs.items():
        reference = runs.get((case, "reference float32"))
        ratio = (f"  {statistics.median(values) / statistics.median(reference):.2f}x reference"
                 if reference else "")
        print(f"size:batch {case:8s} {name:26s} {statistics.median(values):8.4f} images/s"
              f"{ratio}  peak {peaks[(case, name)]:.0f} MB")


if __name__ == "__main__":
    main()
