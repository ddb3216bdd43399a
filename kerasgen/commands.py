"""What each `kerasgen` subcommand does, given its parsed arguments (`kerasgen_cli` parses).

Every command asks the model what it can do (`kerasgen.models.capabilities`) instead of
checking its family: sampling options, previews, endpoints and evaluators come from the
model's declarations.
"""

import argparse
import itertools
import json
import os

from kerasgen.models.capabilities import SAMPLING_OPTIONS
from kerasgen.models.capabilities import Completer
from kerasgen.models.capabilities import FeatureExtractor
from kerasgen.models.capabilities import Projector
from kerasgen.models.capabilities import Sampler
from kerasgen.models.capabilities import TextConditioned
from kerasgen.models.capabilities import capabilities


def train(args):
    if args.workers:
        return _launch_workers(args)
    from kerasgen import config as config_lib
    from kerasgen.training.train import output_dir
    from kerasgen.training.train import train as train_config

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
    model, history = train_config(config, verbose=0 if args.quiet else "auto")  # noqa: F841
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


# -- sample ----------------------------------------------------------------------------------
def _option_parser(model, name):
    """The flags of the sampling options `model` declares (see SAMPLING_OPTIONS)."""
    declared = tuple(model.sampling_options) if isinstance(model, Sampler) else ()
    if isinstance(model, TextConditioned) and "text" not in declared:
        declared += ("text",)
    parser = argparse.ArgumentParser(prog=f"kerasgen sample {name}", add_help=False)
    if "labels" in declared:
        parser.add_argument("--label", action="append", metavar="NAME_OR_ID",
                            help=SAMPLING_OPTIONS["labels"])
    if "truncation" in declared:
        parser.add_argument("--truncation", type=float, help=SAMPLING_OPTIONS["truncation"])
    if "temperature" in declared:
        parser.add_argument("--temperature", type=float, help=SAMPLING_OPTIONS["temperature"])
    if "text" in declared:
        parser.add_argument("--text", action="append", metavar="CAPTION",
                            help="a caption to draw (repeat for several; default: the "
                                 "model's sample captions)")
        parser.add_argument("--text-file", help="a file of captions, one a line")
    if isinstance(model, Completer):
        parser.add_argument("--complete", nargs="+", metavar="IMAGES",
                            help="complete these images (files, folders, globs, or one "
                                 ".npz/.npy array of uint8 images) below --known-rows; --num "
                                 "images at most, one grid row each")
        parser.add_argument("--known-rows", type=int,
                            help="rows kept from the top of each image (with --complete)")
        parser.add_argument("--completions", type=int, default=4,
                            help="completions per image (with --complete; default 4)")
    return parser, declared


def _sampling_options(model, name, argv, num):
    """Parse the options after the model against what it declares; an option it does not
    take is refused, naming the ones it does."""
    parser, declared = _option_parser(model, name)
    known, unknown = parser.parse_known_args(argv)
    if unknown:
        takes = " ".join(a.option_strings[0] for a in parser._actions) or "none"
        raise ValueError(f"{name} ({type(model).__name__}) does not take "
                         f"{' '.join(unknown)}; the options it takes: {takes} (plus --num, "
                         "--seed, --out, --quiet).")
    options = {}
    if getattr(known, "label", None):
        labels = model.label_ids(known.label)
        options["labels"] = labels[[i % len(labels) for i in range(num)]]
    for key in ("truncation", "temperature"):
        if getattr(known, key, None) is not None:
            options[key] = getattr(known, key)
    texts = list(getattr(known, "text", None) or [])
    if getattr(known, "text_file", None):
        with open(known.text_file, encoding="utf-8") as f:
            texts += [line.strip() for line in f if line.strip()]
    completion = None
    if getattr(known, "complete", None):
        if known.known_rows is None:
            raise ValueError("--complete needs --known-rows N: the rows kept from the top of "
                             "each image.")
        completion = {"inputs": known.complete, "known_rows": known.known_rows,
                      "completions": known.completions}
    elif getattr(known, "known_rows", None) is not None:
        raise ValueError("--known-rows goes with --complete IMAGES.")
    return options, texts, "text" in declared, completion


def sample(args):
    from kerasgen.evaluation import loading
    from kerasgen.images import save_png
    from kerasgen.images import write_samples

    if args.num < 1:
        raise ValueError(f"--num must be >= 1; received {args.num}.")
    model, _, run_config = loading.load_model(args.model)
    options, texts, takes_text, completion = _sampling_options(model, args.model, args.options,
                                                               args.num)
    if takes_text:
        return _sample_from_text(model, texts, args)
    if completion:
        return _complete(model, completion, options, args)
    if isinstance(model, Sampler):
        write_samples(model, args.num, args.seed, args.out, verbose=not args.quiet,
                      options=(dict(model.cycling_options(args.num), **options)
                               if options else None))
        print(f"Wrote {args.num} samples from {args.model} to {args.out}")
        return
    # Models that show data rather than draw their own (translators): their preview of the
    # examples shipped with the preset, or of the run config's held-out data.
    examples = loading.preview_examples(args.model, run_config, args.num) \
        if model.uses_examples else None
    grid = model.preview(args.num, args.seed, examples)
    if grid is None:
        raise ValueError(f"{args.model} ({type(model).__name__}: "
                         f"{', '.join(capabilities(model)) or 'no capabilities'}) has nothing "
                         "to sample" + ("; translate your own images with `kerasgen translate "
                                        f"{args.model} IMAGES --out FOLDER`."
                                        if model.uses_examples else "."))
    save_png(args.out, grid)
    print(f"Wrote the preview of {args.model} ({type(model).__name__}) to {args.out}")


def _complete(model, completion, options, args):
    """`--complete IMAGES --known-rows N`: rows of occluded input | completions | input."""
    from kerasgen.images import read_images
    from kerasgen.images import save_png
    from kerasgen.models.common import image_shape

    if not args.out.lower().endswith(".png"):
        raise ValueError(f"Completions are written as one .png grid; received --out "
                         f"{args.out!r}.")
    images = read_images(completion["inputs"], image_shape(model), limit=args.num)
    if "labels" in options:
        options["labels"] = options["labels"][:len(images)]
    grid = model.completion_grid(images, completion["known_rows"],
                                 completion["completions"], seed=args.seed, **options)
    save_png(args.out, grid)
    print(f"Wrote {completion['completions']} completion(s) below row "
          f"{completion['known_rows']} of each of {len(images)} image(s) from {args.model} to "
          f"{args.out} (occluded | completions | input)")


def _sample_from_text(model, texts, args):
    """--num images per caption; one z per row, shared by every caption of the row (style
    kept, content from the text), one caption a column; a single caption fills a square grid."""
    from kerasgen.images import save_png

    if not texts:
        texts = list(model.sample_texts or [])
        if not texts:
            raise ValueError(f"{args.model} is text-conditional: pass --text CAPTION (several "
                             "times for several captions) or --text-file FILE.")
    if not args.out.lower().endswith(".png") or args.num * len(texts) > 1024:
        raise ValueError(f"Text-to-image samples are written as one .png grid of at most 1024 "
                         f"images; received --out {args.out!r} and {args.num} x {len(texts)} "
                         "captions.")
    save_png(args.out, model.text_grid(texts, args.num, args.seed))
    print(f"Wrote {args.num} samples for each of {len(texts)} caption(s) from {args.model} "
          f"to {args.out}" + (" (one caption a column, one z a row)" if len(texts) > 1 else ""))


# -- evaluate --------------------------------------------------------------------------------
def evaluate(args):
    from kerasgen.evaluation import evaluate as evaluate_lib
    from kerasgen.evaluation import loading

    for flag, value in (("--num-generated", args.num_generated), ("--num-real", args.num_real),
                        ("--k", args.k)):
        if value is not None and value < 1:
            raise ValueError(f"{flag} must be >= 1; received {value}.")
    metrics = None if args.metrics is None else [
        m.strip() for m in args.metrics.split(",") if m.strip()]
    # A list of values sweeps a sampling option: one report (and table column) per setting;
    # with no option given, the product is one empty setting.
    sweeps = {key: _option_values(f"--{key}", getattr(args, key))
              for key in ("truncation", "temperature") if getattr(args, key) is not None}
    settings = [dict(zip(sweeps, values)) for values in itertools.product(*sweeps.values())]
    count = len(args.models) * len(settings)
    for flag, value, what in (("--json", args.json, "report"),
                              ("--nearest-neighbours", args.nearest_neighbours, "PNG"),
                              ("--heat-maps", args.heat_maps, "PNG")):
        if value and count > 1:
            raise ValueError(
                f"{flag} names one {what}; received {len(args.models)} model(s) at "
                f"{len(settings)} sampling setting(s) ({count} reports, which go to "
                "runs/evaluate/<model>[_<option>_<value>].json); evaluate one at a time.")
    reports, written = [], []
    for name in args.models:
        model, source, run_config = loading.load_model(name)
        stem = os.path.basename(os.path.normpath(name)).replace(".keras", "")
        for sampling in settings:
            report = evaluate_lib.evaluate_model(
                model, run_config, metrics, name=name, data_path=args.data,
                source=args.source, train_data=args.train_data, features=args.features,
                judge=args.judge, num_generated=args.num_generated, num_real=args.num_real,
                split=args.split, nll_samples=args.k, nearest_path=args.nearest_neighbours,
                seed=args.seed, verbose=not args.quiet, heat_map_path=args.heat_maps,
                sampling=sampling)
            swept = {key: value for key, value in sampling.items() if len(sweeps[key]) > 1}
            report["model"] = dict(source, name=name, family=type(model).__name__)
            if swept:  # the table's column
                report["model"]["label"] = " ".join(
                    [name] + [f"{key} {value:g}" for key, value in swept.items()])
            reports.append(report)
            suffix = "".join(f"_{key}_{value:g}" for key, value in swept.items())
            out = args.json or os.path.join("runs", "evaluate", stem + suffix + ".json")
            written.append(evaluate_lib.write_json(report, out))
    print(evaluate_lib.format_table(reports[0]) if len(reports) == 1
          else evaluate_lib.format_comparison(reports))
    for path in written:
        print(f"Report: {path}")


def _option_values(flag, text):
    """The numbers of `--truncation 0.7` or a sweep `--truncation 1,0.7,0.5`, in order."""
    values = []
    for item in str(text).split(","):
        try:
            values.append(float(item))
        except ValueError:
            raise ValueError(f"{flag} takes a number or comma-separated numbers, e.g. "
                             f"1,0.7,0.5; received {text!r}.") from None
    if len(set(values)) != len(values):
        raise ValueError(f"{flag} lists a value twice; received {text!r}.")
    return values


# -- project ---------------------------------------------------------------------------------
def project(args):
    """`kerasgen project MODEL IMAGES --out DIR`: latents of a Projector that reproduce the
    images, the target | projection grid, and per-image distances."""
    import numpy as np

    from kerasgen.evaluation import loading
    from kerasgen.evaluation.evaluate import write_json
    from kerasgen.files import atomic_path
    from kerasgen.images import read_images
    from kerasgen.images import save_png
    from kerasgen.models.common import image_shape
    from kerasgen.data.images import expand_inputs

    for flag, value in (("--steps", args.steps), ("--num", args.num),
                        ("--batch-size", args.batch_size)):
        if value is not None and value < 1:
            raise ValueError(f"{flag} must be >= 1; received {value}.")
    model, _, _ = loading.load_model(args.model)
    if not isinstance(model, Projector):
        from kerasgen import registry

        able = [name for name in registry.MODELS.names()
                if issubclass(registry.MODELS.get(name), Projector)]
        raise ValueError(f"{args.model} ({type(model).__name__}: "
                         f"{', '.join(capabilities(model)) or 'no capabilities'}) does not "
                         f"project images; families that do: {', '.join(able) or 'none'}.")
    space = args.space or model.projection_spaces[0]
    if space not in model.projection_spaces:
        raise ValueError(f"--space {space} is not a latent space of {args.model} "
                         f"({type(model).__name__}); it projects into "
                         f"{', '.join(model.projection_spaces)}.")
    images = read_images(args.images, image_shape(model), limit=args.num)
    perceptual, features = None, {"name": "none (pixels alone)"}
    if args.features.lower() != "none":
        perceptual, source, _ = loading.load_model(args.features)
        if not isinstance(perceptual, FeatureExtractor):
            raise ValueError(f"--features {args.features} is a {type(perceptual).__name__}; "
                             "the perceptual distance needs a classifier's feature maps (a "
                             "zoo classifier or .keras file), or none.")
        features = dict(source, name=args.features)
    options = {key: value for key, value in (("pixel_weight", args.pixel_weight),
                                             ("batch_size", args.batch_size))
               if value is not None}
    found = model.project(images, space=space, steps=args.steps, perceptual=perceptual,
                          seed=args.seed, verbose=not args.quiet, **options)
    save_png(os.path.join(args.out, "projection.png"), model.projection_grid(images, found))
    latents_file = space.replace("+", "_plus") + ".npy"
    with atomic_path(os.path.join(args.out, latents_file)) as tmp:
        np.save(tmp, found.latents)
    if found.state:
        with atomic_path(os.path.join(args.out, "state.npz")) as tmp:
            np.savez(tmp, **found.state)
    single_array = len(args.images) == 1 and args.images[0].lower().endswith((".npz", ".npy"))
    names = ([f"{args.images[0]}[{i}]" for i in range(len(images))] if single_array
             else expand_inputs(args.images)[:len(images)])
    report = {"model": args.model, "space": space, "latents": latents_file,
              "latents_shape": list(found.latents.shape),
              "state": "state.npz" if found.state else None, "images": names,
              "mean": {k: float(np.mean(v)) for k, v in found.distances.items()},
              "distances": {k: [float(x) for x in v] for k, v in found.distances.items()},
              "protocol": dict(found.protocol, features=features)}
    write_json(report, os.path.join(args.out, "projection.json"))
    summary = ", ".join(f"{k} {v:.4g}" for k, v in report["mean"].items())
    print(f"Projected {len(images)} image(s) into {space} of {args.model} in {args.steps} "
          f"steps; means: {summary}")
    print(f"Wrote {args.out}: projection.png (target | projection), {latents_file}"
          + (", state.npz" if found.state else "") + ", projection.json")


# -- export ----------------------------------------------------------------------------------
def export(args):
    from kerasgen.evaluation import loading
    from kerasgen.serving import export as export_lib

    model, _, _ = loading.load_model(args.model)
    path = export_lib.export(model, args.out_dir, args.version)
    from kerasgen.serving import verify as verify_lib

    names = verify_lib.signature_names(path)
    print(f"Wrote SavedModel {path} (signatures: {', '.join(names)})")
    print(f"Inspect: saved_model_cli show --dir {path} --all")
    name = os.path.basename(os.path.normpath(args.out_dir))
    body = verify_lib.example_request(path)
    print(f"Serve:   tensorflow_model_server --rest_api_port=8501 --model_name={name} "
          f"--model_base_path={os.path.abspath(args.out_dir)}")
    print(f"Request: curl -s -X POST -d '{json.dumps(body)}' "
          f"http://localhost:8501/v1/models/{name}:predict")
    if args.verify:
        report = verify_lib.verify(path)
        print("Verified in fresh processes: " + verify_lib.summary(report))


# -- average, translate ----------------------------------------------------------------------
def average(args):
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


def translate(args):
    from kerasgen.evaluation import loading
    from kerasgen.serving.translate import translate_files

    model, _, _ = loading.load_model(args.model)
    written = translate_files(model, args.inputs, args.out, verbose=not args.quiet,
                              direction=args.direction)
    print(f"Wrote {len(written)} translation(s) from {args.model} to {args.out}")
