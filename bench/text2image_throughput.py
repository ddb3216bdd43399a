"""Text-to-image GAN throughput: training images/s of configs/text2image_celeba_64.yaml beside
the keras-io-style DCGAN-64 reference (ref_dcgan.py), and generate-from-text images/s of
`model.generate_from_text` against the exported SavedModel's `generate_from_text`.

Usage:
    KERASGEN_DATA=/path/to/shared/data python bench/text2image_throughput.py [--steps 60]
        [--settings float32,mixed_bfloat16] [--repeats 2] [--generate]
        [--reference /path/to/shared/bench/ref_dcgan.py]

Training: every setting and the reference run in their own process on 2,048 CelebA faces
(with their attribute captions for kerasgen), batch 64, after 5 warm-up steps; rounds are
interleaved and medians quoted with their ratio to the reference. The text-to-image step
does more than the reference's DCGAN step: with GAN-CLS and GAN-INT (the config's default)
D also sees real images with mismatched captions and G's step adds a second generated batch
from interpolated captions, so its ratio is expected below 1 at equal efficiency.
`--generate`: 60 calls of 64 captions each, after a warm-up call, Keras against SavedModel,
on the untrained float32 model (speed does not depend on the weights).
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from train_throughput import measure  # noqa: E402  (the same protocol and parsing)
from train_throughput import time_fit  # noqa: E402

CAPTIONS = ["a smiling young woman with wavy blond hair", "this man has a goatee",
            "a photo of an old man with gray hair and glasses", "a lady with bangs and red lips"]


def build(policy):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, ROOT)
    from kerasgen import config as config_lib
    from kerasgen.training.train import build_model
    from kerasgen.training.train import compile_model

    config = config_lib.load(os.path.join(ROOT, "configs", "text2image_celeba_64.yaml"),
                             [f"train.mixed_precision={policy}", "data.stop=2048"])
    return config, compile_model(build_model(config), config)


def run_train(policy, steps):
    import tensorflow as tf

    from kerasgen.data.pipeline import make_dataset

    config, model = build(policy)
    ds, _ = make_dataset(config.data, "symmetric", verbose=False)
    ds = ds.map(lambda x, t: (x, model.text_inputs(t)), num_parallel_calls=tf.data.AUTOTUNE)
    rate = time_fit(model, ds, steps, config.data.batch_size, 5)
    print(f"images_per_s {rate:.1f}")


def run_generate(kind, steps):
    import tempfile

    import numpy as np
    import tensorflow as tf

    from kerasgen.serving.export import export

    _, model = build("float32")
    texts = np.array([CAPTIONS[i % len(CAPTIONS)] for i in range(64)])
    if kind == "savedmodel":
        fn = tf.saved_model.load(export(model, tempfile.mkdtemp())).signatures[
            "generate_from_text"]
        call = lambda: fn(text=tf.constant(texts), seed=tf.constant(0, tf.int64))  # noqa: E731
    else:
        call = lambda: model.generate_from_text(texts, seed=0)  # noqa: E731
    call()
    start = time.perf_counter()
    for _ in range(steps):
        call()
    print(f"images_per_s {steps * len(texts) / (time.perf_counter() - start):.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--settings", default="float32,mixed_bfloat16")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--generate", action="store_true",
                        help="time generate-from-text (Keras vs SavedModel) instead")
    parser.add_argument("--reference", default=os.path.join(ROOT, "..", "shared", "bench",
                                                            "ref_dcgan.py"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, _, value = args.worker.partition(":")
        (run_generate if kind == "generate" else run_train)(value, args.steps)
        return
    data = os.environ.get("KERASGEN_DATA")
    if not data:
        sys.exit("Set KERASGEN_DATA to the folder holding celeba-10k/.")
    commands = {}
    if args.generate:
        for kind in ("keras", "savedmodel"):
            commands[f"generate {kind}"] = [sys.executable, __file__, "--worker",
                                            f"generate:{kind}", "--steps", str(args.steps)]
    else:
        if os.path.exists(args.reference):
            commands["reference float32"] = [
                sys.executable, args.reference, os.path.join(data, "celeba-10k", "img"),
                str(args.steps), "float32"]
        for setting in args.settings.split(","):
            commands[f"kerasgen {setting}"] = [sys.executable, __file__, "--worker",
                                               f"train:{setting}", "--steps", str(args.steps)]
    runs = {}
    for round_number in range(args.repeats):
        for name, cmd in commands.items():
            runs.setdefault(name, []).append(measure(cmd))
            print(f"round {round_number + 1} {name}: {runs[name][-1]:.1f} images/s", flush=True)
    first = statistics.median(next(iter(runs.values())))
    print(f"\nmedian of {args.repeats} interleaved rounds, {args.steps} timed steps of 64:")
    for name, values in runs.items():
        median = statistics.median(values)
        print(f"{name:28s} {median:7.1f} images/s  {median / first:.2f}x {next(iter(runs))}")


if __name__ == "__main__":
    main()
