"""pix2pix training throughput against the TF-tutorial-style reference (ref_pix2pix.py).

Usage:
    KERASGEN_DATA=/path/to/shared/data python bench/pix2pix_throughput.py [--steps 60]
        [--cases 64:1,64:16,256:1] [--settings float32,mixed_bfloat16] [--repeats 3]
        [--reference /path/to/shared/bench/ref_pix2pix.py]
    python bench/pix2pix_throughput.py --translate [--cases 64:16,256:4] [--steps 60]

For every size:batch case the reference (float32, as the tutorial) and each kerasgen setting
run in their own process on the same grey -> colour CelebA pairs, after a 3-step warm-up that
traces the step; rounds are interleaved and medians reported with their ratio to the
reference of the same case. Time 60+ steps: shorter runs are quantized by the CPU scheduler.

With --translate it measures inference instead: images/s of `model.translate` (Keras, float
in [0, 1], test-time dropout off) against the exported SavedModel's `translate` signature
(uint8 in and out, as TF Serving would run it), each in its own process on the same
untrained model (speed does not depend on the weights), after a warm-up call.
"""

import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from train_throughput import measure  # noqa: E402  (the same worker protocol)
from train_throughput import time_config  # noqa: E402


def run_kerasgen(policy, size, batch, steps):
    time_config("pix2pix_colorize_faces.yaml", [
        f"train.mixed_precision={policy}", "data.stop=256", f"data.image_size={size}",
        f"model.args.image_size={size}", f"data.batch_size={batch}", "data.jitter=false"],
        steps, 3, digits=2)


def build_translator(size):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, ROOT)
    import keras

    from kerasgen import config as config_lib
    from kerasgen.training.train import build_model

    keras.utils.set_random_seed(0)
    config = config_lib.load(os.path.join(ROOT, "configs", "pix2pix_colorize_faces.yaml"), [
        "train.mixed_precision=float32", f"model.args.image_size={size}"])
    return build_model(config)


def run_translate(kind, size, batch, steps):
    """Images/s of `steps` translate calls of `batch` images after one warm-up call."""
    import tempfile
    import time

    import numpy as np
    import tensorflow as tf

    model = build_translator(size)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (batch, size, size, 1), dtype=np.uint8)
    if kind == "keras":
        x = tf.constant(images.astype("float32") / 255.0)
        call = lambda: model.translate(x, stochastic=False)  # noqa: E731
    else:
        from kerasgen.serving.export import export_translator

        path = export_translator(model, tempfile.mkdtemp(prefix="p2p_export_"), version=1)
        signature = tf.saved_model.load(path).signatures["translate"]
        x = tf.constant(images)
        call = lambda: signature(images=x)  # noqa: E731
    call()
    start = time.perf_counter()
    for _ in range(steps):
        call()
    print(f"images_per_s {steps * batch / (time.perf_counter() - start):.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--cases", default="64:1,64:16", help="size:batch, comma-separated")
    parser.add_argument("--settings", default="float32,mixed_bfloat16")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference", default=os.path.join(ROOT, "..", "shared", "bench",
                                                            "ref_pix2pix.py"))
    parser.add_argument("--translate", action="store_true",
                        help="time inference (Keras vs SavedModel) instead of training")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        setting, size, batch = args.worker.split(":")
        if setting.startswith("translate-"):
            run_translate(setting[len("translate-"):], int(size), int(batch), args.steps)
        else:
            run_kerasgen(setting, int(size), int(batch), args.steps)
        return
    data = os.environ.get("KERASGEN_DATA")
    if not data and not args.translate:
        sys.exit("Set KERASGEN_DATA to the folder holding celeba-10k/.")
    commands = {}
    for case in args.cases.split(","):
        size, batch = case.split(":")
        if args.translate:
            for kind in ("keras", "savedmodel"):
                commands[(case, f"translate {kind}")] = [
                    sys.executable, __file__, "--worker", f"translate-{kind}:{size}:{batch}",
                    "--steps", str(args.steps)]
            continue
        if os.path.exists(args.reference):
            commands[(case, "reference float32")] = [
                sys.executable, args.reference, os.path.join(data, "celeba-10k", "img"),
                str(args.steps), size, batch, "float32"]
        for setting in args.settings.split(","):
            commands[(case, f"kerasgen {setting}")] = [
                sys.executable, __file__, "--worker", f"{setting}:{size}:{batch}", "--steps",
                str(args.steps)]
    runs = {}
    for round_number in range(args.repeats):
        for key, cmd in commands.items():
            runs.setdefault(key, []).append(measure(cmd))
            print(f"round {round_number + 1} {key[0]} {key[1]}: {runs[key][-1]:.2f} images/s",
                  flush=True)
    print(f"\nmedian of {args.repeats} interleaved rounds, {args.steps} timed steps:")
    for (case, name), values in runs.items():
        reference = runs.get((case, "translate keras" if args.translate
                                 else "reference float32"))
        ratio = (f"  {statistics.median(values) / statistics.median(reference):.2f}x "
                 f"{'Keras' if args.translate else 'reference'}"
                 if reference else "")
        print(f"size:batch {case:8s} {name:26s} {statistics.median(values):8.2f} images/s{ratio}")


if __name__ == "__main__":
    main()
