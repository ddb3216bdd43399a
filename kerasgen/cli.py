"""The `kerasgen` command line: train from a config, sample from a saved model.

argparse rather than absl.flags: subcommands with their own --help, and no global flag state
when kerasgen is imported as a library. Nothing here imports TensorFlow at module level, so
`kerasgen --help` answers at once; a failure prints `error: ...` and exits non-zero, with the
traceback only under --debug.
"""

import argparse
import json
import os
import sys
import warnings

# Exit codes: 2 for input the command refuses (bad config, file, argument), 1 for a run that
# failed (training diverged, an unexpected error).
EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EVALUATE_DEFAULT = "fid,kid,is"


def _train(args):
    if args.workers:
        return _launch_workers(args)
    from kerasgen import config as config_lib
    from kerasgen.training.train import output_dir
    from kerasgen.training.train import train

    overrides = list(args.set or [])
    if args.output_dir:
        overrides.append(f"train.output_dir={args.output_dir}")
    if args.strategy:
        overrides.append(f"train.strategy={args.strategy}")
    from kerasgen import stages
    if stages.has_stages(args.config) or args.until:  # every stage, then the averaging step
        from kerasgen.training.staged import train_stages
        train_stages(stages.load(args.config, overrides), args.until,
                     verbose=0 if args.quiet else "auto")
        return
    config = config_lib.load(args.config, overrides)
    model, history = train(config, verbose=0 if args.quiet else "auto")  # noqa: F841
    out = output_dir(config)
    final = {k: round(float(v[-1]), 4) for k, v in history.history.items()}
    print(f"Finished {config.name}: {final}")
    print(f"Model: {os.path.join(out, 'model.keras')}")
    print(f"Samples: {os.path.join(out, 'samples', 'samples_latest.png')}")
    print(f"TensorBoard: tensorboard --logdir {os.path.join(out, 'logs')}")


def _launch_workers(args):
    """`kerasgen train CONFIG --workers N`: the same command as N local workers."""
    from kerasgen.training import launch

    if args.strategy not in (None, "multi_worker"):
        raise ValueError(f"--workers runs train.strategy multi_worker; received --strategy "
                         f"{args.strategy}.")
    forwarded = [args.config]
    for item in args.set or []:
        forwarded += ["--set", item]
    if args.output_dir:
        forwarded += ["--output-dir", args.output_dir]
    forwarded += [flag for flag, on in (("--quiet", args.quiet), ("--debug", args.debug),
                                        ("--verbose", args.verbose)) if on]
    return launch.launch(forwarded, args.workers)


def _sample(args):
    from kerasgen.evaluation import evaluate as evaluate_lib
    from kerasgen.images import write_samples

    if args.num < 1:
        raise ValueError(f"--num must be >= 1; received {args.num}.")
    model, _, run_config = evaluate_lib.load_model(args.model)
    if hasattr(model, "translate"):  # a translator's samples: its held-out test grid
        from kerasgen.images import translation_grid
        from kerasgen.training.train import translation_examples

        if run_config is None:
            raise ValueError(f"{args.model}: a translator's sample grid shows its config's "
                             "held-out pairs; pass a zoo name or a run folder with "
                             "config.yaml (or use kerasgen translate on your images).")
        source, target = translation_examples(model, run_config, args.num)
        translation_grid(model, source, target, path=args.out)
        rows = ("A | G(A) | F(G(A)) and B | F(B) | G(F(B))"
                if len(model.directions) == 2 else "source | output | target")
        print(f"Wrote {len(source)} held-out translations ({rows}) from {args.model} to "
              f"{args.out}")
        return
    texts = list(args.text or [])
    if args.text_file:
        with open(args.text_file, encoding="utf-8") as f:
            texts += [line.strip() for line in f if line.strip()]
    if texts or hasattr(model, "generate_from_text"):
        _sample_from_text(model, texts, args)
        return
    write_samples(model, args.num, args.seed, args.out, verbose=not args.quiet)
    print(f"Wrote {args.num} samples from {args.model} to {args.out}")


def _sample_from_text(model, texts, args):
    """--num images per caption; one z per row, shared by every caption of the row (style
    kept, content from the text), one caption a column; a single caption fills a square grid."""
    import math

    import numpy as np

    from kerasgen.images import make_grid
    from kerasgen.images import save_png

    if not hasattr(model, "generate_from_text"):
        raise ValueError(f"--text needs a text-to-image model; {args.model} is a "
                         f"{type(model).__name__}.")
    if not texts:
        texts = list(model.sample_texts or [])
        if not texts:
            raise ValueError(f"{args.model} is text-conditional: pass --text CAPTION (several "
                             "times for several captions) or --text-file FILE.")
    if not args.out.lower().endswith(".png") or args.num * len(texts) > 1024:
        raise ValueError(f"Text-to-image samples are written as one .png grid of at most 1024 "
                         f"images; received --out {args.out!r} and {args.num} x {len(texts)} "
                         "captions.")
    z = np.asarray(model.sample_latents(args.num, seed=args.seed))
    rows = [np.asarray(model.generate_from_text(texts, latents=np.repeat(z[i:i + 1],
                                                                         len(texts), axis=0)))
            for i in range(args.num)]  # (len(texts), H, W, C) per row
    images = np.concatenate(rows)
    columns = len(texts) if len(texts) > 1 else math.ceil(math.sqrt(args.num))
    save_png(args.out, make_grid(images, columns))
    print(f"Wrote {args.num} samples for each of {len(texts)} caption(s) from {args.model} "
          f"to {args.out}" + (" (one caption a column, one z a row)" if len(texts) > 1 else ""))


def _evaluate(args):
    from kerasgen.evaluation import evaluate as evaluate_lib

    for flag, value in (("--num-generated", args.num_generated), ("--num-real", args.num_real),
                        ("--k", args.k)):
        if value is not None and value < 1:
            raise ValueError(f"{flag} must be >= 1; received {value}.")
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    model, source, run_config = evaluate_lib.load_model(args.model)
    if hasattr(model, "translate"):
        if run_config is None:
            raise ValueError(f"{args.model}: a translator is scored on its config's held-out "
                             "pairs; pass a zoo name or a run folder with config.yaml.")
        if args.metrics == EVALUATE_DEFAULT:
            metrics = list(evaluate_lib.TRANSLATION_DEFAULT)
        report = evaluate_lib.evaluate_translator(
            model, run_config.data, metrics, args.features, args.num_real, args.split,
            args.seed, verbose=not args.quiet, judge=args.judge)
    elif hasattr(model, "generate_from_text"):
        if run_config is None:
            raise ValueError(f"{args.model}: a text-to-image model is scored on its config's "
                             "held-out captions; pass a zoo name or a run folder with "
                             "config.yaml.")
        report = evaluate_lib.evaluate_text_to_image(
            model, run_config.data, args.features, args.judge, args.split, args.seed,
            verbose=not args.quiet)
    elif hasattr(model, "encode_text") and not hasattr(model, "generate"):
        if run_config is None:
            raise ValueError(f"{args.model}: a text encoder is scored on its config's held-out "
                             "captions; pass a zoo name or a run folder with config.yaml.")
        report = evaluate_lib.evaluate_text_encoder(model, run_config.data, args.split,
                                                    verbose=not args.quiet)
    else:
        data = evaluate_lib.data_config(model, run_config, args.data, args.source,
                                        args.train_data)
        report = evaluate_lib.evaluate(
            model, data, metrics, features=args.features, num_generated=args.num_generated,
            num_real=args.num_real, split=args.split, nll_samples=args.k,
            nearest_path=args.nearest_neighbours, seed=args.seed, verbose=not args.quiet)
    report["model"] = dict(source, name=args.model, family=type(model).__name__)
    print(evaluate_lib.format_table(report))
    out = args.json or os.path.join(
        "runs", "evaluate", os.path.basename(os.path.normpath(args.model)).replace(".keras", "")
        + ".json")
    print(f"Report: {evaluate_lib.write_json(report, out)}")


def _export(args):
    from kerasgen.evaluation import evaluate as evaluate_lib
    from kerasgen.serving.export import export

    model, _, _ = evaluate_lib.load_model(args.model)
    path = export(model, args.out_dir, args.version)
    translator = hasattr(model, "translate")
    text = hasattr(model, "generate_from_text")
    if translator:
        from kerasgen.models.translator import signature_names

        names = ", ".join(["serving_default"] + list(signature_names(model)))
    elif text:
        names = "serving_default, generate_from_text (the same), sample"
    else:
        names = "serving_default, sample" + (", encode, decode" if hasattr(model, "encode")
                                             else "")
    print(f"Wrote SavedModel {path} (signatures: {names})")
    print(f"Inspect: saved_model_cli show --dir {path} --all")
    name = os.path.basename(os.path.normpath(args.out_dir))
    if translator:
        name_0, direction_0 = next(iter(signature_names(model).items()))
        body = {"signature_name": name_0, "instances": [
            [[[0] * int(model.translator(direction_0).source_channels)] * 4] * 4]}
    elif text:
        body = {"signature_name": "generate_from_text",
                "inputs": {"text": ["a smiling woman with blond hair"], "seed": 7}}
    else:
        body = {"signature_name": "sample", "inputs": {"count": 4, "seed": 0}}
        if getattr(model, "num_classes", None):
            body["inputs"]["labels"] = [0, 1, 2, 3]
    print(f"Serve:   tensorflow_model_server --rest_api_port=8501 --model_name={name} "
          f"--model_base_path={os.path.abspath(args.out_dir)}")
    print(f"Request: curl -s -X POST -d '{json.dumps(body)}' "
          f"http://localhost:8501/v1/models/{name}:predict")
    if args.verify:
        from kerasgen.serving.verify import verify

        report = verify(path)
        refused = report["load"]["refused"]
        count = len(report["load"]["signatures"])
        if translator:
            size = report["load"]["size"]
            print(f"Verified in fresh processes: tf.saved_model.load ({count} signatures, "
                  f"{size['in']} uint8 in -> {size['out']} out, deterministic; wrong "
                  f"channels refused: {refused['wrong_channels']!r}), saved_model_cli show "
                  "and run (same images), keras.layers.TFSMLayer (same images).")
        elif text:
            changes = report["load"].get("caption_changes_image")
            print(f"Verified in fresh processes: tf.saved_model.load ({count} signatures, "
                  f"strings in, uint8 images out, deterministic per seed, another caption "
                  f"{'changes' if changes else 'does not change'} the image; numbers "
                  f"refused: {refused['numbers_for_text']!r}; an empty batch refused: "
                  f"{refused['empty_batch']!r}), saved_model_cli show and run (same images), "
                  "keras.layers.TFSMLayer (same images).")
        else:
            print(f"Verified in fresh processes: tf.saved_model.load ({count} signatures, "
                  f"uint8 images, sample deterministic per seed; wrong shape refused: "
                  f"{refused['wrong_shape']!r}), saved_model_cli show and run (same images), "
                  "keras.layers.TFSMLayer (same images).")


def _average(args):
    from kerasgen import config as config_lib
    from kerasgen.training.average import average_runs

    if args.steps < 1:
        raise ValueError(f"--steps must be >= 1; received {args.steps}.")
    try:
        seeds = [int(seed) for seed in args.greedy_seeds.split(",")]
    except ValueError:
        raise ValueError(f"--greedy-seeds takes comma-separated integers, e.g. 10,11; "
                         f"received {args.greedy_seeds!r}.") from None
    config = config_lib.load(args.config) if args.config else None
    average_runs(args.models, args.output_dir, config=config, base=args.base,
                 steps=args.steps, greedy=args.greedy, greedy_seeds=seeds,
                 greedy_samples=args.greedy_samples, features=args.features)


def _translate(args):
    from kerasgen.evaluation import evaluate as evaluate_lib
    from kerasgen.serving.translate import translate_files

    model, _, _ = evaluate_lib.load_model(args.model)
    written = translate_files(model, args.inputs, args.out, verbose=not args.quiet,
                              direction=args.direction)
    print(f"Wrote {len(written)} translation(s) from {args.model} to {args.out}")


def main(argv=None):
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error")
    common.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's start-up and log messages")
    parser = argparse.ArgumentParser(
        prog="kerasgen", description="Train and sample VAEs and GANs built on Keras 3.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", parents=[common], help="train a model from a YAML config",
                       description="Train from a YAML config. Rerunning the same command "
                                   "resumes from the last backup in the output folder. A "
                                   "config with stages trains each stage into a subfolder, "
                                   "skipping finished ones; --set applies to every stage.")
    p.add_argument("config", help="path to a YAML file, e.g. configs/vae_mnist.yaml")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a config value, e.g. --set train.epochs=2 (repeatable)")
    p.add_argument("--output-dir", help="where checkpoints, logs and samples go "
                                        "(default runs/<config name>)")
    p.add_argument("--strategy", choices=("default", "mirrored", "multi_worker"),
                   help="tf.distribute strategy (train.strategy): mirrored trains on every "
                        "local GPU, multi_worker on the machines of TF_CONFIG (or SLURM); "
                        "the configured batch is the global batch")
    p.add_argument("--workers", type=int, metavar="N",
                   help="try multi_worker on this machine: start N worker processes on "
                        "127.0.0.1 and wait for them (worker 0 writes the run)")
    p.add_argument("--until", metavar="STAGE",
                   help="a config with stages: stop after this stage (default: run all)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_train)

    p = sub.add_parser("sample", parents=[common],
                       help="write a grid, .npz or folder of samples from a saved model",
                       description="Sample a fixed-seed grid from a zoo model (e.g. "
                                   "dcgan_celeba), a run folder or a .keras file.")
    p.add_argument("model", help="zoo name, run folder (model.keras + config.yaml) or .keras")
    p.add_argument("--num", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--seed", type=int, default=0, help="latent seed (default 0)")
    p.add_argument("--out", default="samples.png",
                   help="a .png grid (up to 1024 samples; default samples.png), an .npz file "
                        "(uint8 'images' [and 'labels'], written batch by batch) or a folder "
                        "of PNGs")
    p.add_argument("--text", action="append", metavar="CAPTION",
                   help="text-to-image models: a caption to draw (repeat for several; "
                        "default: the model's sample captions)")
    p.add_argument("--text-file", help="text-to-image models: a file of captions, one a line")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_sample)

    p = sub.add_parser(
        "evaluate", parents=[common],
        help="FID/KID/IS/precision-recall and VAE likelihood of a model",
        description="Evaluate a zoo name, a run folder or a .keras file against real images. "
                    "Prints a table and writes a JSON report with the protocol.")
    p.add_argument("model", help="zoo name, run folder (model.keras + config.yaml) or .keras")
    p.add_argument("--metrics", default=EVALUATE_DEFAULT,
                   help="comma-separated subset of fid,kid,is,pr,nll (default fid,kid,is); "
                        "may be empty with --nearest-neighbours. Translators: l1,psnr,ssim,"
                        "fid,kid,attributes (default l1,psnr,ssim,fid,kid), beside the "
                        "identity baseline")
    p.add_argument("--data", help="held-out real images: idx folder or image folder (default: "
                                  "the run's config); relative paths are under $KERASGEN_DATA")
    p.add_argument("--train-data", help="image folder the model was trained on, the "
                                        "reference of --nearest-neighbours (default: the run's "
                                        "config); must not share files with --data")
    p.add_argument("--source", choices=["idx", "folder"], help="data format (default: guessed)")
    p.add_argument("--split", default="test", help="real split to compare with (default test)")
    p.add_argument("--features", help="classifier_mnist, classifier_fashion_mnist, a classifier "
                                      ".keras file, inception:/path/to/weights.h5 or "
                                      "pixels[:size] (default: the domain classifier of the "
                                      "data)")
    p.add_argument("--judge", help="attribute translations (CycleGAN on an attribute split) "
                                   "and text-to-image attribute accuracy: the multi-label "
                                   "classifier whose verdicts are counted, a "
                                   "zoo name or .keras file (default "
                                   "classifier_celeba_attributes_balanced)")
    p.add_argument("--num-generated", type=int, default=10_000,
                   help="generated images for sample metrics (default 10000)")
    p.add_argument("--num-real", type=int, help="cap on real images (default: whole split)")
    p.add_argument("--k", type=int, default=1000,
                   help="importance samples per image for nll (default 1000)")
    p.add_argument("--nearest-neighbours", metavar="PNG",
                   help="write generated samples beside their nearest training images here, "
                        "and report the memorization score")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    p.add_argument("--json", help="report path (default runs/evaluate/<model>.json)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser(
        "average", parents=[common],
        help="average the generators of several GAN snapshots (weight averaging)",
        description="Average the generator (and EMA generator) weights of GAN snapshots "
                    "with one generator architecture, e.g. the ends of several learning-rate "
                    "cycles (stochastic weight averaging), recompute the batch-norm "
                    "statistics on the training data, and write a run folder.")
    p.add_argument("models", nargs="+", help="zoo names, run folders or .keras files")
    p.add_argument("--output-dir", required=True,
                   help="folder for model.keras, config.yaml and averaged.json")
    p.add_argument("--config", help="config whose data the batch-norm statistics are "
                                    "recomputed on (default: the --base model's run config)")
    p.add_argument("--base", type=int, default=-1,
                   help="index of the model that gives the config and the discriminator "
                        "(default -1, the last; with --greedy the discriminator comes from "
                        "the last model kept)")
    p.add_argument("--steps", type=int, default=100,
                   help="batches for the batch-norm statistics (default 100)")
    p.add_argument("--greedy", choices=["is", "fid", "kid"],
                   help="average only the models a greedy model soup keeps by this sample "
                        "metric (Wortsman et al. 2022): rank them alone, then add each in "
                        "rank order if the average scores better; every trial goes to "
                        "averaged.json")
    p.add_argument("--greedy-seeds", default="10,11",
                   help="sampling seeds the greedy soup measures on, comma-separated; "
                        "keep them apart from the seeds you report (default 10,11)")
    p.add_argument("--greedy-samples", type=int, default=10_000,
                   help="samples per seed for the greedy soup (default 10000)")
    p.add_argument("--features", help="feature extractor for --greedy (default: the data's "
                                      "domain classifier)")
    p.set_defaults(func=_average)

    p = sub.add_parser(
        "translate", parents=[common],
        help="translate image files with a pix2pix or CycleGAN model",
        description="Translate image files (a file, a folder or a glob; any size and aspect) "
                    "with a translation model (zoo name, run folder or .keras). Outputs are "
                    "PNGs of each input's size, with its name, in OUT: pix2pix resizes each "
                    "image to its square size and back; CycleGAN translates it at its own "
                    "resolution (mirror-extended to a multiple of 4 and cropped back).")
    p.add_argument("model", help="zoo name, run folder or .keras file")
    p.add_argument("inputs", nargs="+", help="image files, folders or glob patterns")
    p.add_argument("--out", required=True, help="folder for the translated PNGs")
    p.add_argument("--direction", default="a2b", choices=("a2b", "b2a"),
                   help="CycleGAN: a2b (G, the default) or b2a (F); pix2pix: a2b only")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_translate)

    p = sub.add_parser(
        "export", parents=[common], help="write a SavedModel for TF Serving",
        description="Export a zoo name, run folder or .keras file to OUT_DIR/<version>/ with "
                    "uint8 image signatures: serving_default (z [, labels]), sample (count, "
                    "seed), and encode/decode for VAEs.")
    p.add_argument("model", help="zoo name, run folder or .keras file")
    p.add_argument("out_dir", help="model base folder (TF Serving's --model_base_path)")
    p.add_argument("--version", type=int, help="version number (default: next free)")
    p.add_argument("--verify", action="store_true",
                   help="then check the export in fresh processes: tf.saved_model.load, "
                        "saved_model_cli show/run and keras.layers.TFSMLayer")
    p.set_defaults(func=_export)

    args = parser.parse_args(argv)
    show_warning = warnings.showwarning
    try:
        _quiet_start(args.verbose)
        code = args.func(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001  (every failure becomes one readable line)
        if args.debug:
            raise
        code, message = _describe(e)
        print(f"error: {message}", file=sys.stderr)
        return code
    finally:
        warnings.showwarning = show_warning  # main() may run inside a longer program
    return code or 0


def _describe(error):
    """(exit code, message) for an exception reaching the command line."""
    from kerasgen.training.callbacks import TrainingDiverged

    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, TrainingDiverged) or type(error).__name__ == "ClusterError":
        return EXIT_FAILED, text
    if type(error).__name__ in ("UnavailableError", "DeadlineExceededError"):
        return EXIT_FAILED, (f"a worker of the cluster stopped answering ({text.split('. ')[0]}"
                             "); rerun the same command on every worker to resume from the "
                             "last backup")
    if isinstance(error, (ValueError, LookupError, OSError)) or \
            type(error).__name__ == "ExportCheckError":
        return EXIT_BAD_INPUT, text
    return EXIT_FAILED, (f"{type(error).__name__}: {text} (unexpected; rerun with --debug for "
                         "the traceback)")


def _quiet_start(verbose):
    """Keep TensorFlow's start-up lines (oneDNN, CUDA, CPU features: printed on stderr before
    TF's own log level applies) off the terminal unless --verbose, and show warnings as
    `warning: ...` lines."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"warning: {message}", file=sys.stderr)

    warnings.showwarning = show
    if verbose:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        except Exception:  # noqa: BLE001  (the real import below reports it)
            pass
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass


if __name__ == "__main__":
    sys.exit(main())
