"""Training images/s of configs/dcgan_celeba_64.yaml on one process vs a local cluster of
workers (MultiWorkerMirroredStrategy over 127.0.0.1), and the bytes all-reduced per step.

Usage:
    KERASGEN_DATA=/path/to/shared/data python bench/multi_worker_throughput.py
        [--workers 2] [--steps 40] [--repeats 2]

Both settings run `kerasgen.training.train.train` on the same config (global batch 64, the first 2,048
faces) for one short warm-up epoch (tracing) and one timed epoch of `--steps` steps; the rate
is that of the timed epoch, read by a callback on the chief. Rounds interleave the settings
(the machine is shared and noisy); quote the ratios within a round.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)


def run_one(strategy, steps, out):
    """One process (strategy default) or one worker of a cluster (TF_CONFIG set): prints
    `images_per_s` on the process that writes the run."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    from kerasgen import config as config_lib
    from kerasgen.training.train import train

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = time.perf_counter() - self.start

    config = config_lib.load(os.path.join(ROOT, "configs", "dcgan_celeba_64.yaml"), [
        "data.stop=2048", "train.epochs=2", f"train.steps_per_epoch={steps}",
        f"train.strategy={strategy}", f"train.output_dir={out}", "train.num_samples=4",
        "train.metrics_every_epochs=null", "train.checkpoint_every_steps=null"])
    timer = Timer()
    model, _ = train(config, verbose=0, callbacks=[timer])
    if model.distribute_strategy.extended.should_checkpoint:
        print(f"images_per_s {steps * config.data.batch_size / timer.seconds:.2f}")
        print(f"parameters {json.dumps(parameter_bytes(model))}")


def parameter_bytes(model):
    """Bytes of the gradients all-reduced per training step: one D update and one G update,
    each over its side's trainable variables (float32 variables under mixed precision)."""
    sides = {"discriminator": model.discriminator_variables(),
             "generator": model.generator_variables()}
    return {name: sum(int(v.numpy().size) * v.numpy().itemsize for v in variables)
            for name, variables in sides.items()}


def measure(workers, steps):
    from kerasgen.training import launch

    out = tempfile.mkdtemp(prefix="bench_cluster_")
    command = [sys.executable, __file__, "--worker", "--steps", str(steps), "--out", out]
    if workers == 1:
        processes = [subprocess.Popen(command + ["--strategy", "default"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    else:
        processes = [subprocess.Popen(command + ["--strategy", "multi_worker"],
                                      env=dict(os.environ, TF_CONFIG=c), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
                     for c in launch.tf_configs(launch.free_ports(workers))]
    outputs = [p.communicate() for p in processes]
    for p, (stdout, stderr) in zip(processes, outputs):
        if p.returncode:
            raise RuntimeError(f"{workers} worker(s) failed:\n{stderr[-3000:]}")
    stdout = "".join(o for o, _ in outputs)
    rate = float(next(l for l in stdout.splitlines() if l.startswith("images_per_s")).split()[1])
    params = json.loads(next(l for l in stdout.splitlines()
                             if l.startswith("parameters")).split(" ", 1)[1])
    return rate, params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--strategy", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return run_one(args.strategy, args.steps, args.out)
    for round_ in range(1, args.repeats + 1):
        one, params = measure(1, args.steps)
        many, _ = measure(args.workers, args.steps)
        print(f"round {round_}: 1 process {one:.2f} images/s, {args.workers} workers "
              f"{many:.2f} images/s ({many / one:.2f}x)", flush=True)
    total = sum(params.values())
    # A ring all-reduce sends and receives 2 (N - 1) / N of the buffer per worker.
    wire = 2 * (args.workers - 1) / args.workers * total
    print(f"all-reduced per step: {total / 1e6:.2f} MB of float32 gradients "
          f"(D {params['discriminator'] / 1e6:.2f} MB, G {params['generator'] / 1e6:.2f} MB); "
          f"a ring all-reduce moves {wire / 1e6:.2f} MB per worker per step, "
          f"{wire * 8 / 10e9 * 1e3:.1f} ms on a 10 Gbit/s link")


if __name__ == "__main__":
    main()
