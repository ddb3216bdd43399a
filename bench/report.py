"""Regenerate docs/BENCHMARKS.md: training and sampling throughput measured on this machine.

Usage:
    KERASGEN_DATA=/path/to/shared/data python bench/report.py [--out docs/BENCHMARKS.md]
        [--quick]

Every measurement runs in its own process (dtype policies are process-global, and a fresh
process gives a clean peak-memory figure). The conv ceiling is measured with a large
`tf.nn.conv2d` at the start and at the end of the same run, so the "fraction of ceiling"
column compares like with like on a shared, noisy machine. About 7 minutes per round on 2
cores; two interleaved rounds by default.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

FAMILIES = [  # (label, config) for the per-family training table
    ("VAE (conv, 28x28)", "vae_mnist.yaml"),
    ("DCGAN 28x28", "dcgan_mnist.yaml"),
    ("Conditional GAN 28x28", "cgan_mnist.yaml"),
    ("WGAN-GP 28x28 (n_critic 5)", "wgan_gp_fashion_mnist.yaml"),
    ("DCGAN 64x64 (CelebA)", "dcgan_celeba_64.yaml"),
]
POLICIES = ("float32", "mixed_bfloat16")
BATCHES = (16, 32, 64, 128, 256)
SAMPLING = [("DCGAN 64x64", "dcgan_celeba_64.yaml"), ("DCGAN 28x28", "dcgan_mnist.yaml"),
            ("VAE 28x28", "vae_mnist.yaml")]


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


# -- workers (run in a subprocess each) ------------------------------------------------------
def worker_ceiling(dtype_name):
    import tensorflow as tf

    dtype = getattr(tf, dtype_name)
    results = []
    # A DCGAN-like 4x4 stride-2 conv and a 3x3 stride-1 conv; the faster one is the ceiling.
    for x_shape, w_shape, stride in (((64, 32, 32, 128), (4, 4, 128, 256), 2),
                                     ((32, 32, 32, 256), (3, 3, 256, 256), 1)):
        x = tf.cast(tf.random.normal(x_shape), dtype)
        w = tf.cast(tf.random.normal(w_shape), dtype)
        conv = tf.function(lambda x=x, w=w, s=stride: tf.nn.conv2d(x, w, s, "SAME"))
        out = conv()
        flops = 2 * out.shape[0] * out.shape[1] * out.shape[2] * w_shape[3] * (
            w_shape[0] * w_shape[1] * w_shape[2])
        for _ in range(3):
            conv().numpy()
        reps, start = 10, time.perf_counter()
        for _ in range(reps):
            conv().numpy()
        results.append(flops * reps / (time.perf_counter() - start) / 1e9)
    return {"gflops": max(results), "each": results}


def worker_train(config_name, policy, batch_size, target_seconds):
    from bench.flops import training_step_flops
    from kerasgen import config as config_lib
    from kerasgen.data.pipeline import make_dataset
    from kerasgen.training.train import build_model
    from kerasgen.training.train import compile_model
    from kerasgen.training.train import value_range

    overrides = [f"train.mixed_precision={policy}", "data.stop=4096"]
    if batch_size:
        overrides.append(f"data.batch_size={batch_size}")
    config = config_lib.load(os.path.join(ROOT, "configs", config_name), overrides)
    model = compile_model(build_model(config), config)
    k = getattr(model, "discriminator_steps", 1)
    ds, _ = make_dataset(config.data, value_range(model), batch_size=config.data.batch_size * k,
                         verbose=False)
    ds = ds.repeat()
    model.fit(ds, steps_per_epoch=3, epochs=1, verbose=0)  # trace and warm up
    start = time.perf_counter()
    model.fit(ds, steps_per_epoch=3, epochs=1, verbose=0)
    step = (time.perf_counter() - start) / 3
    steps = int(min(300, max(5, target_seconds / step)))
    start = time.perf_counter()
    model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    images = steps * config.data.batch_size * k  # real images consumed
    flops = training_step_flops(model) * images
    return {"images_per_s": images / seconds, "gflops": flops / seconds / 1e9,
            "ms_per_step": 1000 * seconds / steps, "steps": steps,
            "batch": config.data.batch_size, "k": k, "peak_rss_mb": peak_rss_mb()}


def worker_sample(config_name, batch_size, target_seconds):
    import numpy as np
    import tensorflow as tf

    from kerasgen import config as config_lib
    from kerasgen.serving.export import export
    from kerasgen.training.train import build_model

    config = config_lib.load(os.path.join(ROOT, "configs", config_name))
    model = build_model(config)  # random weights: sampling cost does not depend on them
    z = np.random.default_rng(0).normal(size=(batch_size, model.latent_dim)).astype("float32")
    generate = tf.function(lambda z: model.generate(z))

    def timed(fn):
        for _ in range(3):
            np.asarray(fn())
        start, calls = time.perf_counter(), 0
        while time.perf_counter() - start < target_seconds:
            np.asarray(fn())
            calls += 1
        return calls * batch_size / (time.perf_counter() - start)

    keras_rate = timed(lambda: generate(z))
    with tempfile.TemporaryDirectory() as tmp:
        path = export(model, tmp)
        serving = tf.saved_model.load(path).signatures["serving_default"]
        saved_rate = timed(lambda: serving(z=tf.constant(z))["images"])
    return {"keras_images_per_s": keras_rate, "savedmodel_images_per_s": saved_rate,
            "batch": batch_size, "peak_rss_mb": peak_rss_mb()}


def worker_reference(reference, data, steps):
    out = subprocess.run([sys.executable, reference, os.path.join(data, "celeba-10k", "img"),
                          str(steps), "float32"], capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if l.startswith("images_per_s")]
    if out.returncode or not lines:
        raise RuntimeError(f"reference failed:\n{out.stdout[-1000:]}\n{out.stderr[-2000:]}")
    return {"images_per_s": float(lines[-1].split()[1])}


# -- driver ----------------------------------------------------------------------------------
def run(kind, *args):
    """Run one worker in a fresh process and return its JSON result."""
    cmd = [sys.executable, __file__, "--worker", json.dumps([kind, *args])]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [l for l in out.stdout.splitlines() if l.startswith("RESULT ")]
    if out.returncode or not lines:
        raise RuntimeError(f"{kind} {args} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def median_run(runs, key):
    """The run whose `key` is the median (lower median for an even count), with the spread."""
    ordered = sorted(runs, key=lambda r: r[key])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["spread"] = (ordered[0][key], ordered[-1][key])
    return chosen


def machine():
    model = "unknown CPU"
    if os.path.exists("/proc/cpuinfo"):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    features = [f for f in ("avx512f", "avx512_bf16", "amx_bf16") if f" {f}" in flags]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    import keras
    import tensorflow as tf

    return (f"{model}; {len(os.sched_getaffinity(0))} cores available to TensorFlow; "
            f"{memory:.0f} GiB RAM; {' '.join(features) or 'no AVX-512'}; no GPU. "
            f"Python {platform.python_version()}, TensorFlow {tf.__version__}, "
            f"Keras {keras.__version__}.")


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    parser.add_argument("--seconds", type=float, default=8.0, help="timed seconds per run")
    parser.add_argument("--repeats", type=int, default=2,
                        help="interleaved rounds; tables show the median round")
    parser.add_argument("--quick", action="store_true",
                        help="one family, two batch sizes, short runs: checks the script")
    parser.add_argument("--reference", default=os.path.join(ROOT, "..", "shared", "bench",
                                                            "ref_dcgan.py"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = json.loads(args.worker)
        fn = {"ceiling": worker_ceiling, "train": worker_train, "sample": worker_sample,
              "reference": worker_reference}[kind]
        print("RESULT " + json.dumps(fn(*rest)), flush=True)
        return
    data = os.environ.get("KERASGEN_DATA")
    if not data:
        sys.exit("Set KERASGEN_DATA to the folder holding mnist/, fashion-mnist/, celeba-10k/.")
    families = FAMILIES[:1] if args.quick else FAMILIES
    batches = BATCHES[:2] if args.quick else BATCHES
    sampling = SAMPLING[2:] if args.quick else SAMPLING
    seconds = 2.0 if args.quick else args.seconds
    started = time.time()

    def log(message):
        print(f"[{time.time() - started:6.0f}s] {message}", flush=True)

    ceiling = {p: [] for p in POLICIES}

    def measure_ceiling():
        for policy, dtype in zip(POLICIES, ("float32", "bfloat16")):
            ceiling[policy].append(run("ceiling", dtype)["gflops"])
            log(f"conv ceiling {dtype}: {ceiling[policy][-1]:.0f} GFLOP/s")

    measure_ceiling()
    # Rounds are interleaved (every setting once per round) so slow spells on the shared
    # machine hit all settings alike; each table cell is the round with the median speed.
    rounds = 1 if args.quick else max(1, args.repeats)
    train_runs, scaling_runs, sample_runs = {}, {}, {}
    for round_number in range(rounds):
        log(f"round {round_number + 1} of {rounds}")
        for label, config in families:
            for policy in POLICIES:
                r = run("train", config, policy, None, seconds)
                train_runs.setdefault((label, policy), []).append(r)
                log(f"train {label} {policy}: {r['images_per_s']:.1f} img/s")
        for batch in batches:
            r = run("train", "dcgan_celeba_64.yaml", "float32", batch, seconds)
            scaling_runs.setdefault(batch, []).append(r)
            log(f"batch {batch}: {r['images_per_s']:.1f} img/s")
        for label, config in sampling:
            r = run("sample", config, 64, seconds)
            sample_runs.setdefault(label, []).append(r)
            log(f"sample {label}: keras {r['keras_images_per_s']:.0f}, savedmodel "
                f"{r['savedmodel_images_per_s']:.0f} img/s")
    train_rows = {key: median_run(v, "images_per_s") for key, v in train_runs.items()}
    scaling = {key: median_run(v, "images_per_s") for key, v in scaling_runs.items()}
    samples = {key: median_run(v, "keras_images_per_s") for key, v in sample_runs.items()}
    reference = None
    if os.path.exists(args.reference) and not args.quick:
        reference = run("reference", args.reference, data, 20)["images_per_s"]
        log(f"reference DCGAN: {reference:.1f} img/s")
    measure_ceiling()
    mean_ceiling = {p: sum(v) / len(v) for p, v in ceiling.items()}
    write_report(args.out, machine(), ceiling, mean_ceiling, train_rows, scaling, samples,
                 reference, time.time() - started, args.quick, rounds)
    log(f"wrote {args.out}")


def write_report(path, machine_line, ceiling, mean_ceiling, train_rows, scaling, samples,
                 reference, elapsed, quick, rounds):
    def fraction(result, policy):
        return f"{100 * result['gflops'] / mean_ceiling[policy]:.0f}%"

    rows = []
    for (label, policy), r in train_rows.items():
        rows.append([label, policy, f"{r['batch']}" + (f" x k={r['k']}" if r["k"] > 1 else ""),
                     f"{r['images_per_s']:.1f}", "{:.0f}-{:.0f}".format(*r["spread"]), f"{r['ms_per_step']:.0f}",
                     f"{r['gflops']:.0f}", fraction(r, policy), f"{r['peak_rss_mb']:.0f}"])
    speedups = []
    for label, _ in FAMILIES:
        if (label, "float32") in train_rows and (label, "mixed_bfloat16") in train_rows:
            f32 = train_rows[(label, "float32")]["images_per_s"]
            bf16 = train_rows[(label, "mixed_bfloat16")]["images_per_s"]
            speedups.append(f"{label} {bf16 / f32:.2f}x")
    scale_rows = [[b, f"{r['images_per_s']:.1f}", "{:.0f}-{:.0f}".format(*r["spread"]), f"{r['ms_per_step']:.0f}",
                   f"{r['gflops']:.0f}", fraction(r, "float32"), f"{r['peak_rss_mb']:.0f}"]
                  for b, r in scaling.items()]
    sample_rows = [[label, r["batch"], f"{r['keras_images_per_s']:.0f}",
                    f"{r['savedmodel_images_per_s']:.0f}",
                    f"{r['savedmodel_images_per_s'] / r['keras_images_per_s']:.2f}",
                    f"{r['peak_rss_mb']:.0f}"] for label, r in samples.items()]
    ceil = ", ".join(f"{p}: " + " / ".join(f"{v:.0f}" for v in vals) + " GFLOP/s"
                     for p, vals in ceiling.items())
    dcgan64 = train_rows.get(("DCGAN 64x64 (CelebA)", "float32"))
    ref_line = ""
    if reference and dcgan64:
        ref_line = (f"\nThe keras-io-style reference DCGAN (`../shared/bench/ref_dcgan.py`, "
                    f"float32, batch 64) ran at {reference:.1f} images/s in the same run; "
                    f"kerasgen's DCGAN 64x64 float32 at {dcgan64['images_per_s']:.1f} "
                    f"({dcgan64['images_per_s'] / reference:.2f}x).\n")
    text = f"""# Benchmarks

Regenerate with `KERASGEN_DATA=/path/to/shared/data python bench/report.py` (about 15 minutes);
every number below comes from one run of that command{' (--quick)' if quick else ''}, which
took {elapsed / 60:.1f} minutes. Settings are measured in {rounds} interleaved round(s); each
row shows the median round, and "range" the slowest and fastest rounds.

**Machine.** {machine_line}
The machine is shared and noisy: single measurements of the same setting vary by up to 2x,
so compare ratios within this file rather than with numbers measured at another time.

**Conv ceiling**, a large `tf.nn.conv2d` measured at the start / end of this run: {ceil}.
"Fraction of ceiling" divides a model's conv/dense FLOP rate (counted analytically per layer
by `bench/flops.py`: forward + 2x for the backward pass, per real training image) by the mean
ceiling of its dtype. Element-wise work (batch norm, activations, losses, the WGAN-GP
penalty's double backward) is not counted, so the fraction is a lower bound on utilisation.

## Training throughput per family

Real training images consumed per second by `model.fit` on the family's config (for GANs with
k critic steps, k minibatches per generator step), after a warm-up; data from
`$KERASGEN_DATA` (first 4,096 images, repeated). Peak memory is the process's maximum
resident set size, TensorFlow runtime and the in-memory dataset included.

{table(["model (config)", "policy", "batch", "images/s", "range", "ms/step", "GFLOP/s",
        "fraction of ceiling", "peak RSS MB"], rows)}

mixed_bfloat16 over float32: {'; '.join(speedups)}.
{ref_line}
## Scaling with batch size (DCGAN 64x64, float32)

{table(["batch", "images/s", "range", "ms/step", "GFLOP/s", "fraction of ceiling", "peak RSS MB"],
       scale_rows)}

## Sampling throughput

Images per second at batch 64 (float32), from the Keras model (`model.generate` inside a
`tf.function`) and from the exported SavedModel's `serving_default` signature
(`kerasgen.serving.export`, loaded with `tf.saved_model.load`; its output is uint8).

{table(["model", "batch", "Keras images/s", "SavedModel images/s", "SavedModel / Keras",
        "peak RSS MB"], sample_rows)}
"""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
