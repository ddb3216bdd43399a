"""Training throughput of a 64x64 faces config (configs/dcgan_celeba_64.yaml by default)
against the keras-io-style DCGAN reference, per image.

Usage:
    KERASGEN_DATA=/path/to/shared/data python bench/train_throughput.py [--steps 30]
        [--reference /path/to/shared/bench/ref_dcgan.py] [--settings float32,mixed_bfloat16]
        [--config stylegan2_celeba_64.yaml] [--set model.args.phase_images=64 ...]

Each setting runs in its own process (a dtype policy is process-global), on the same 2,048
CelebA images the reference uses, after a warm-up that traces the step. The machine is shared
and noisy, so the reference runs in the same invocation, the settings are interleaved over
`--repeats` rounds, and the medians and their ratio to the reference are what to quote.
"""

import argparse
import statistics
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def time_config(config_name, overrides, steps, warmup_steps, digits=1):
    """Build, compile and time `steps` fit steps of configs/<config_name> with overrides;
    prints the `images_per_s` line the parent process reads."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, ROOT)
    from kerasgen import config as config_lib
    from kerasgen.data.pipeline import make_dataset
    from kerasgen.training.train import build_model
    from kerasgen.training.train import compile_model

    config = config_lib.load(os.path.join(ROOT, "configs", config_name), overrides)
    model = compile_model(build_model(config), config)
    ds, _ = make_dataset(config.data, model.data_range, verbose=False)
    rate = time_fit(model, ds, steps, config.data.batch_size, warmup_steps)
    print(f"images_per_s {rate:.{digits}f}")


def run_kerasgen(config_name, policy, jit, steps, overrides=(), warmup_steps=5):
    time_config(config_name, [f"train.mixed_precision={policy}", f"train.jit_compile={jit}",
                              "data.stop=2048", *overrides], steps, warmup_steps)


def time_fit(model, ds, steps, batch_size, warmup_steps):
    """Images/s of `steps` fit steps after `warmup_steps` that trace and warm up."""
    ds = ds.repeat()
    model.fit(ds, steps_per_epoch=warmup_steps, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch_size / (time.perf_counter() - start)


def measure(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [l for l in out.stdout.splitlines() if l.startswith("images_per_s")]
    if out.returncode or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return float(lines[-1].split()[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--reference", default=os.path.join(ROOT, "..", "shared", "bench",
                                                            "ref_dcgan.py"))
    parser.add_argument("--settings", default="float32,mixed_bfloat16",
                        help="comma-separated policies; append +xla for jit_compile=True")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--config", default="dcgan_celeba_64.yaml",
                        help="a config in configs/ on 64x64 faces (default dcgan_celeba_64.yaml); "
                             "its own batch size, images/s compared per image")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a config change, as kerasgen train --set takes it (repeatable), "
                             "e.g. a progressive GAN's phase_images small enough that the "
                             "warm-up grows it to its final size")
    parser.add_argument("--warmup-steps", type=int, default=5)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        policy, _, jit = args.worker.partition("+")
        run_kerasgen(args.config, policy, jit == "xla", args.steps, args.set, args.warmup_steps)
        return
    data = os.environ.get("KERASGEN_DATA")
    if not data:
        sys.exit("Set KERASGEN_DATA to the folder holding celeba-10k/.")
    runs = {}
    commands = {}
    if os.path.exists(args.reference):
        commands["reference float32"] = [
            sys.executable, args.reference, os.path.join(data, "celeba-10k", "img"),
            str(args.steps), "float32"]
    else:
        print(f"reference script {args.reference} not found; reporting kerasgen alone")
    for setting in args.settings.split(","):
        commands[f"kerasgen {setting}"] = [
            sys.executable, __file__, "--worker", setting, "--steps", str(args.steps),
            "--config", args.config, "--warmup-steps", str(args.warmup_steps),
            *[f"--set={item}" for item in args.set]]
    for round_number in range(args.repeats):
        for name, cmd in commands.items():
            runs.setdefault(name, []).append(measure(cmd))
            print(f"round {round_number + 1} {name}: {runs[name][-1]:.1f} images/s", flush=True)
    print(f"\nmedian of {args.repeats} interleaved rounds, {args.steps} timed steps each "
          f"(the reference: batch 64; {args.config}: its own batch):")
    reference = statistics.median(runs["reference float32"]) if "reference float32" in runs else None
    for name, values in runs.items():
        median = statistics.median(values)
        ratio = f"  {median / reference:.2f}x reference" if reference else ""
        print(f"{name:28s} {median:7.1f} images/s{ratio}")

if __name__ == "__main__":
    main()
