"""The `kerasgen` command line: argument parsing only; each subcommand calls one function of
`kerasgen.commands`.

This module lives outside the `kerasgen` package on purpose: `import kerasgen` registers every
model class with Keras (so `keras.saving.load_model` finds them), which imports TensorFlow,
while `kerasgen --help` and argument errors should answer at once. Nothing here imports
kerasgen or TensorFlow until a command runs. argparse rather than absl.flags: subcommands
with their own --help, and no global flag state. A failure prints `error: ...` and exits
non-zero, with the traceback only under --debug.
"""

import argparse
import os
import sys
import warnings

# Exit codes: 2 for input the command refuses (bad config, file, argument), 1 for a run that
# failed (training diverged, an unexpected error).
EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


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
    p.set_defaults(func="train")

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
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func="sample")
    p.epilog = ("Options the model declares follow the model: --label NAME_OR_ID (class-"
                "conditional models; repeatable, one sample per label, or cycling through "
                "the labels given), --truncation PSI (style-based and BigGAN-style "
                "generators), --temperature T (autoregressive models), --text CAPTION / "
                "--text-file FILE (text-to-image models). A model refuses an option it does "
                "not take and lists the ones it does.")

    p = sub.add_parser(
        "evaluate", parents=[common],
        help="FID/KID/IS/precision-recall and likelihood of one or more models",
        description="Evaluate zoo names, run folders or .keras files against real images. "
                    "Prints a table (several models: one column each, on the same protocol) "
                    "and writes a JSON report per model with the protocol.")
    p.add_argument("models", nargs="+", metavar="model",
                   help="zoo name, run folder (model.keras + config.yaml) or .keras; several "
                        "are compared in one table")
    p.add_argument("--metrics",
                   help="comma-separated metrics (default: the model's own, e.g. fid,kid,is "
                        "for samplers); samplers and likelihood models: fid,kid,is,pr, "
                        "swd,ms_ssim (on pixels), any other registered sample metric, "
                        "nll; may be empty with "
                        "--nearest-neighbours. Translators: l1,psnr,ssim,fid,kid,attributes, "
                        "beside the identity baseline, and cycle for one that translates "
                        "back (CycleGAN). Text-to-image: attributes,fid,kid,"
                        "diversity (reported together) and held_out_captions (twelve "
                        "held-out sentences, 64 seeds each)")
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
                                   "classifier_celeba_attributes_judge)")
    p.add_argument("--num-generated", type=int, default=10_000,
                   help="generated images for sample metrics (default 10000)")
    p.add_argument("--num-real", type=int, help="cap on real images (default: whole split)")
    p.add_argument("--k", type=int, default=1000,
                   help="importance samples per image for nll (default 1000)")
    p.add_argument("--nearest-neighbours", metavar="PNG",
                   help="write generated samples beside their nearest training images here, "
                        "and report the memorization score")
    p.add_argument("--heat-maps", metavar="PNG",
                   help="likelihood models with per-pixel terms (PixelCNN): write the first 16 "
                        "real images beside their -log p per pixel here, on one colour scale")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    p.add_argument("--truncation", metavar="PSI[,PSI...]",
                   help="draw the samples at this truncation (models that take it, e.g. "
                        "StyleGAN's psi in [0, 1]; 1 is none); several, e.g. 1,0.7,0.5, "
                        "sweep it: a column and a report each")
    p.add_argument("--temperature", metavar="T[,T...]",
                   help="draw the samples at this temperature (autoregressive models, e.g. "
                        "PixelCNN; 1 samples the model as trained); several sweep it")
    p.add_argument("--json", help="report path (default runs/evaluate/<model>.json)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func="evaluate")

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
    p.set_defaults(func="average")

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
    p.set_defaults(func="translate")

    p = sub.add_parser(
        "project", parents=[common],
        help="find latents that reproduce images (GAN inversion, e.g. StyleGAN's w)",
        description="Project images of a model's size (files, folders, globs, or one "
                    ".npz/.npy array of uint8 images) into its latent space, with the method "
                    "the model declares (a style-based generator: the StyleGAN2 paper's "
                    "projector). Writes OUT/projection.png (target | projection pairs), "
                    "OUT/<space>.npy (the latents: w.npy, w_plus.npy), OUT/state.npz (what "
                    "else remakes the images, e.g. the optimised noise maps) and "
                    "OUT/projection.json (per-image distances and the protocol).")
    p.add_argument("model", help="zoo name, run folder or .keras file")
    p.add_argument("images", nargs="+", help="image files, folders, glob patterns, or one "
                                             ".npz/.npy array")
    p.add_argument("--out", required=True, help="folder for the grid, latents and report")
    p.add_argument("--space", help="latent space (default: the model's first; StyleGAN: w, "
                                   "or w+ for one w per layer)")
    p.add_argument("--steps", type=int, default=1000,
                   help="optimisation steps (default 1000, the paper's)")
    p.add_argument("--features", default="classifier_celeba_attributes",
                   help="the network whose feature maps the perceptual distance compares: a "
                        "zoo classifier or a classifier .keras file, or none for pixels "
                        "alone (default classifier_celeba_attributes)")
    p.add_argument("--pixel-weight", type=float,
                   help="weight of the pixels' mean squared error in the distance (default: "
                        "the model's, 1 for StyleGAN)")
    p.add_argument("--num", type=int, help="project at most this many images")
    p.add_argument("--batch-size", type=int, help="images optimised together (default 16)")
    p.add_argument("--seed", type=int, default=0, help="seed of the initial noise (default 0)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func="project")

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
    p.set_defaults(func="export")

    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "sample":  # `sample` reads the options its model declares
        parser.parse_args(argv)  # reports the unrecognized arguments and exits 2
    args.options = extra
    show_warning = warnings.showwarning
    try:
        _quiet_start(args.verbose)
        from kerasgen import commands  # the library, and TensorFlow with it, from here on

        code = getattr(commands, args.func)(args)
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
    text = " ".join(str(error).split()) or type(error).__name__
    if type(error).__name__ in ("TrainingDiverged", "ClusterError"):
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
