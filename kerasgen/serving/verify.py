"""Check a serving export the way its users will meet it: each check in a fresh process.

`verify(path)` runs four checks on `OUT_DIR/<version>/` and returns their reports:

1. `load`: `tf.saved_model.load` in a new Python process; every signature is called with
   plain tensors, outputs must be uint8 images (float32 for `encode`), `sample` must be
   deterministic per seed, and a request with the wrong shape or dtype must be refused, as
   must a `truncation` outside [0, 1] (with a message naming it).
2. `show`: `saved_model_cli show --all` must list the signatures with uint8 `images` outputs.
3. `run`: `saved_model_cli run` on `serving_default` (`translate` for translators) with `.npy`
   inputs must return the same images as check 1 for the same request (the path TF
   Serving's own graph runner takes).

Text-to-image models are checked with three caption strings (one with a word no vocabulary
holds): uint8 images per caption, the same seed giving the same images and another seed or
other captions other ones, and refusal of numbers where strings belong and of an empty batch;
where the signature names unknown words (`unknown_words`), that word must be named for its
caption and a caption of unknown words only must be refused.
Translators (pix2pix) are checked on odd-size, non-square images (37x53 in, 37x53 out),
determinism, and refusal of a wrong channel count and of float input.
4. `tfsmlayer`: `keras.layers.TFSMLayer` in a new process must return the same images.

A fresh process is the point: it proves the export needs nothing from kerasgen's Python code
(custom layers, registries) at serving time. This file is the worker those processes run, by
its path, so that the kerasgen package is never imported there (`python -m` would import it
first); each worker reports the modules of kerasgen it found loaded, and any is a failure.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

BATCH = 3
_QUIET = {"TF_CPP_MIN_LOG_LEVEL": "2"}


class ExportCheckError(RuntimeError):
    """An export failed one of the serving checks."""


def _inputs(spec, seed=0, class_names=()):
    """Plain-numpy request for a signature's input specs (dict name -> TensorSpec)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, s in spec.items():
        shape = [BATCH if d is None else d for d in s.shape.as_list()]
        if s.dtype.name == "string":  # class names (captions have their own check)
            out[name] = np.array([class_names[i % len(class_names)] for i in range(BATCH)],
                                 dtype=object).astype(bytes)
        elif name == "labels":
            out[name] = (np.arange(BATCH) % 2).astype(s.dtype.as_numpy_dtype)
        elif name == "count":
            out[name] = np.array(BATCH, s.dtype.as_numpy_dtype)
        elif name == "seed":
            out[name] = np.array(seed, s.dtype.as_numpy_dtype)
        elif name == "truncation":  # in [0, 1]; out-of-range values are checked as refusals
            out[name] = np.array(0.7, s.dtype.as_numpy_dtype)
        elif s.dtype.name == "uint8":
            out[name] = rng.integers(0, 256, size=shape).astype("uint8")
        else:
            out[name] = rng.normal(size=shape).astype(s.dtype.as_numpy_dtype)
    return out


def _check_outputs(name, outputs, latent_dim):
    """Images come back uint8, anything else (codes, log-probabilities) float32, one per
    request row."""
    report = {}
    for key, value in outputs.items():
        value = np.asarray(value)
        report[key] = {"dtype": str(value.dtype), "shape": list(value.shape)}
        want = "uint8" if key == "images" else "float32"
        if str(value.dtype) != want:
            raise ExportCheckError(f"signature {name!r} output {key!r} is {value.dtype}; "
                                   f"expected {want}.")
        if value.shape[0] != BATCH:
            raise ExportCheckError(f"signature {name!r} output {key!r} has batch "
                                   f"{value.shape[0]}; expected {BATCH}.")
        if name == "encode" and value.shape[1:] != (latent_dim,):
            raise ExportCheckError(f"encode output {key!r} has shape {value.shape}; expected "
                                   f"({BATCH}, {latent_dim}).")
    return report


def _save_request(workdir, signature, request, images):
    """Record one request and its answer for the other fresh-process checks."""
    files = {}
    for key, value in request.items():
        files[key] = os.path.join(workdir, f"request_{key}.npy")
        np.save(files[key], value)
    np.save(os.path.join(workdir, "expected.npy"), images)
    with open(os.path.join(workdir, "request.json"), "w") as f:
        json.dump({"signature": signature, "inputs": files}, f)


def _load_request(workdir):
    with open(os.path.join(workdir, "request.json")) as f:
        request = json.load(f)
    inputs = {k: np.load(v) for k, v in request["inputs"].items()}
    return request, inputs, np.load(os.path.join(workdir, "expected.npy"))


def _refusal(fn, request):
    """The line of the error a bad request raises that says what was expected; None when
    it was accepted."""
    import tensorflow as tf

    try:
        fn(**{k: tf.constant(v) for k, v in request.items()})
    except (tf.errors.InvalidArgumentError, TypeError, ValueError) as e:
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        # Graph errors open with "Graph execution error:"; keep the line users act on, and of
        # an assertion only its message.
        line = next((ln for ln in lines if "must" in ln or "expected" in ln), lines[0])
        found = re.search(r"assertion failed: \[([^\]]+)\]", line)
        return (found.group(1) if found else line)[:200]
    return None


def _accepted_channels(fn):
    for c in (1, 3, 4, 2):  # the accepted channel count is checked in the graph
        if _refusal(fn, {"images": np.zeros((1, 16, 16, c), np.uint8)}) is None:
            return c
    raise ExportCheckError("the translate signature refused images of 1 to 4 channels.")


def _check_translate(name, fn, request):
    """One translate signature: the input's size back, deterministic, bad requests refused."""
    import tensorflow as tf

    channels = request["images"].shape[-1]
    images = fn(images=tf.constant(request["images"]))["images"].numpy()
    if images.dtype != np.uint8 or images.shape[:3] != request["images"].shape[:3]:
        raise ExportCheckError(f"{name} returned {images.dtype} {images.shape} for "
                               f"{request['images'].shape} uint8 images; expected uint8 at "
                               "the input's height and width.")
    again = fn(images=tf.constant(request["images"]))["images"].numpy()
    if not np.array_equal(images, again):
        raise ExportCheckError(f"{name} is not deterministic: the same images gave "
                               "different outputs.")
    refused = {
        "wrong_channels": _refusal(fn, {"images": np.zeros((1, 16, 16, channels + 1),
                                                           np.uint8)}),
        "wrong_dtype": _refusal(fn, {"images": np.zeros((1, 16, 16, channels), np.float32)}),
    }
    for label, message in refused.items():
        if message is None:
            raise ExportCheckError(f"{name} accepted a request with the {label}.")
    if "images must have shape" not in refused["wrong_channels"]:
        raise ExportCheckError("wrong channels were refused without saying the expected "
                               f"shape: {refused['wrong_channels']!r}")
    return images, refused


def _worker_load_translator(sigs, workdir):
    """Translators (every `translate*` signature): odd-size, non-square uint8 images in, the
    same size out, deterministic; a wrong channel count and a float request refused."""
    import tensorflow as tf

    names = sorted(n for n in sigs if n.startswith("translate"))
    rng = np.random.default_rng(0)
    report = {"signatures": {}, "deterministic": True}
    for name in names:
        channels = _accepted_channels(sigs[name])
        request = {"images": rng.integers(0, 256, (BATCH, 37, 53, channels)).astype("uint8")}
        images, refused = _check_translate(name, sigs[name], request)
        report["signatures"][name] = _check_outputs(name, {"images": tf.constant(images)},
                                                    None)
        if name == names[0]:
            _save_request(workdir, name, request, images)
            report["refused"] = refused
            report["size"] = {"in": [BATCH, 37, 53, channels], "out": list(images.shape)}
    if "serving_default" in sigs:
        channels = _accepted_channels(sigs["serving_default"])
        request = {"images": rng.integers(0, 256, (BATCH, 37, 53, channels)).astype("uint8")}
        images, _ = _check_translate("serving_default", sigs["serving_default"], request)
        report["signatures"]["serving_default"] = _check_outputs(
            "serving_default", {"images": images}, None)
    return report


CAPTIONS = [b"a smiling young woman with wavy blond hair", b"this man has a goatee and wears "
            b"glasses", b"a zxqvword person"]
UNKNOWN_WORD = b"zxqvword"  # in no vocabulary


def _worker_load_text(sigs, workdir):
    """Text-to-image models (`generate_from_text`): strings in, uint8 images out."""
    import tensorflow as tf

    fn = sigs["generate_from_text"]

    def call(text, seed):
        return fn(text=tf.constant(text), seed=tf.constant(seed, tf.int64))["images"].numpy()

    request = {"text": np.array(CAPTIONS), "seed": np.array(0, np.int64)}
    first = fn(text=tf.constant(request["text"]), seed=tf.constant(0, tf.int64))
    images = first["images"].numpy()
    report = {"signatures": {}}
    if "unknown_words" in first:
        report["unknown_words"] = _check_unknown_words(fn, first["unknown_words"].numpy())
    for name in sorted(sigs):
        if name == "sample":
            spec = sigs[name].structured_input_signature[1]
            draws = [sigs[name](**{k: tf.constant(v) for k, v in _inputs(spec, s).items()})
                     ["images"].numpy() for s in (1, 1, 2)]
            if not np.array_equal(draws[0], draws[1]) or np.array_equal(draws[0], draws[2]):
                raise ExportCheckError("sample is not deterministic per seed.")
            report["signatures"][name] = _check_outputs(name, {"images": draws[0]}, None)
        else:
            report["signatures"][name] = _check_outputs(
                name, {"images": sigs[name](text=tf.constant(request["text"]),
                                            seed=tf.constant(0, tf.int64))["images"]}, None)
    if not np.array_equal(images, call(request["text"], 0)):
        raise ExportCheckError("generate_from_text is not deterministic per seed.")
    if np.array_equal(images, call(request["text"], 1)):
        raise ExportCheckError("generate_from_text gave the same images for another seed.")
    report["deterministic"] = True
    # Reported, not required: an untrained model's images are all mid-grey whatever the text.
    swapped = call(request["text"][::-1], 0)  # the same z, the captions in another order
    report["caption_changes_image"] = not np.array_equal(swapped[0], images[0])
    refused = {"numbers_for_text": _refusal(fn, {"text": np.arange(3, dtype=np.int64),
                                                 "seed": np.array(0, np.int64)}),
               "empty_batch": _refusal(fn, {"text": np.array([], dtype="S1"),
                                            "seed": np.array(0, np.int64)})}
    for label, message in refused.items():
        if message is None:
            raise ExportCheckError(f"generate_from_text accepted a request with {label}.")
    report["refused"] = refused
    _save_request(workdir, "generate_from_text", request, images)
    return report


def _check_unknown_words(fn, named):
    """`unknown_words` (`named`, for CAPTIONS): one row of strings per caption, the made-up
    word named for its caption; a caption of unknown words only is refused. Returns what
    each caption named and the refusal."""
    if named.dtype != object or named.ndim != 2 or named.shape[0] != BATCH:
        raise ExportCheckError(f"generate_from_text output 'unknown_words' is {named.dtype} of "
                               f"shape {named.shape}; expected strings ({BATCH}, words).")
    rows = [[w.decode("utf-8") for w in row if w] for row in named]
    if UNKNOWN_WORD.decode() not in rows[-1]:
        raise ExportCheckError(f"generate_from_text did not name {UNKNOWN_WORD.decode()!r} "
                               f"among the unknown words of {CAPTIONS[-1].decode()!r}: {rows}")
    message = _refusal(fn, {"text": np.array([CAPTIONS[0], UNKNOWN_WORD + b" " + UNKNOWN_WORD]),
                            "seed": np.array(0, np.int64)})
    if message is None:
        raise ExportCheckError("generate_from_text accepted a caption with no word of its "
                               "vocabulary.")
    return {"named": rows, "refused": message}


def _worker_load(path, workdir):
    import tensorflow as tf

    loaded = tf.saved_model.load(path)
    sigs = loaded.signatures
    if any(name.startswith("translate") for name in sigs):
        return _worker_load_translator(sigs, workdir)
    if "generate_from_text" in sigs:
        return _worker_load_text(sigs, workdir)
    if "serving_default" not in sigs or "sample" not in sigs:
        raise ExportCheckError(f"missing signatures; found {sorted(sigs)}, expected at least "
                               "serving_default and sample.")
    default_spec = sigs["serving_default"].structured_input_signature[1]
    latent_dim = default_spec["z"].shape[-1] if "z" in default_spec else None
    report = {"signatures": {}}
    class_names = ()
    if "sample_by_name" in sigs:  # the refusal of an unknown name lists the known ones
        message = _refusal(sigs["sample_by_name"], {
            "count": np.array(1, np.int32), "seed": np.array(0, np.int64),
            "class_names": np.array([b"not a class name"])})
        if message is None or "must each be one of: " not in message:
            raise ExportCheckError(f"sample_by_name did not refuse an unknown class name "
                                   f"with the known names: {message!r}")
        listed = message.split("must each be one of: ", 1)[1].strip()
        class_names = [n.strip() for n in listed.rstrip(".").split(", ")]
        report["class_names"] = class_names
    for name in sorted(sigs):
        request = _inputs(sigs[name].structured_input_signature[1], class_names=class_names)
        outputs = sigs[name](**{k: tf.constant(v) for k, v in request.items()})
        report["signatures"][name] = _check_outputs(name, outputs, latent_dim)
        if name == "serving_default":
            _save_request(workdir, name, request, outputs["images"].numpy())
    sample_spec = sigs["sample"].structured_input_signature[1]
    draws = [sigs["sample"](**{k: tf.constant(v) for k, v in _inputs(sample_spec, s).items()})
             ["images"].numpy() for s in (1, 1, 2)]
    if not np.array_equal(draws[0], draws[1]) or np.array_equal(draws[0], draws[2]):
        raise ExportCheckError("sample is not deterministic per seed (same seed must give the "
                               "same images, another seed other images).")
    report["sample_deterministic"] = True
    request = _inputs(default_spec, class_names=class_names)
    refused = {}
    if latent_dim is not None:  # a noise-fed sampler: z of the wrong size or type
        bad_shape = dict(request, z=np.zeros((BATCH, latent_dim + 1), "float32"))
        bad_dtype = dict(request, z=request["z"].astype("float64"))
        expected_message = "z must have shape"
    else:  # a sampler fed a count and a seed
        bad_shape = dict(request, count=np.array([BATCH, BATCH], np.int32))
        bad_dtype = dict(request, count=np.array(BATCH, np.float32))
        expected_message = None
    for label, bad in (("wrong_shape", bad_shape), ("wrong_dtype", bad_dtype)):
        refused[label] = _refusal(sigs["serving_default"], bad)
        if refused[label] is None:
            raise ExportCheckError(f"serving_default accepted a request with the {label}.")
    if expected_message and expected_message not in refused["wrong_shape"]:
        raise ExportCheckError("a wrong-shape z was refused without saying the expected shape: "
                               f"{refused['wrong_shape']!r}")
    for name in sorted(sigs):  # a truncation outside [0, 1], refused by name
        spec = sigs[name].structured_input_signature[1]
        if "truncation" in spec:
            bad = dict(_inputs(spec, class_names=class_names),
                       truncation=np.array(1.5, np.float32))
            message = _refusal(sigs[name], bad)
            if message is None or "truncation" not in message:
                raise ExportCheckError(f"{name} did not refuse truncation 1.5 by name: "
                                       f"{message!r}")
            refused[f"{name}_truncation"] = message
    for name in sorted(sigs):  # fixed-size image inputs (encode, log_prob): wrong channels
        spec = sigs[name].structured_input_signature[1]
        if "images" in spec and None not in spec["images"].shape.as_list()[1:]:
            bad = _inputs(spec, class_names=class_names)
            bad["images"] = np.concatenate([bad["images"], bad["images"][..., :1]], -1)
            message = _refusal(sigs[name], bad)
            if message is None:
                raise ExportCheckError(f"{name} accepted images with a wrong channel count.")
            refused[f"{name}_wrong_channels"] = message
    report["refused"] = refused
    return report


def _worker_tfsmlayer(path, workdir):
    import keras

    request, inputs, expected = _load_request(workdir)
    layer = keras.layers.TFSMLayer(path, call_endpoint=request["signature"])
    first = next((k for k in ("images", "text", "z", "count") if k in inputs), next(iter(inputs)))
    kwargs = {k: v for k, v in inputs.items() if k != first}
    images = np.asarray(layer(inputs[first], **kwargs)["images"])
    if images.dtype != np.uint8 or not np.array_equal(images, expected):
        raise ExportCheckError("TFSMLayer returned different images than tf.saved_model.load "
                               f"for the same request ({images.dtype} {images.shape}).")
    return {"images": {"dtype": str(images.dtype), "shape": list(images.shape)}}


def _run(cmd, what, timeout):
    env = dict(os.environ, **_QUIET)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise ExportCheckError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return proc.stdout


# Runs this file as __main__ in the worker without importing the kerasgen package, which
# `python -m kerasgen.serving.verify` would do first (models, layers, registries: what the
# check must do without, and about 2 s of each worker's start).
_RUN_THIS_FILE = ("import runpy, sys; sys.argv = sys.argv[1:]; "
                  "runpy.run_path(sys.argv[0], run_name='__main__')")


def _worker(kind, path, workdir, timeout):
    out = _run([sys.executable, "-c", _RUN_THIS_FILE, os.path.abspath(__file__), kind, path,
                workdir], f"fresh-process {kind} check", timeout)
    report = json.loads(out.strip().splitlines()[-1])
    loaded = report.pop("kerasgen_modules")
    if loaded:
        raise ExportCheckError(f"the fresh-process {kind} check imported kerasgen's "
                               f"{', '.join(loaded)}; it must run on TensorFlow alone.")
    return report


def saved_model_cli():
    """The `saved_model_cli` command next to this Python, else on PATH, else via `-m`."""
    here = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    found = here if os.path.exists(here) else shutil.which("saved_model_cli")
    return [found] if found else [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli"]


def verify(path, timeout=300):
    """Run the four serving checks on an export folder; returns {check: report}.

    Raises:
        ExportCheckError: naming the failed check and what it found.
    """
    if not os.path.exists(os.path.join(path, "saved_model.pb")):
        raise ExportCheckError(f"{path} has no saved_model.pb; pass the version folder "
                               "(OUT_DIR/<version>) that `kerasgen export` printed.")
    with tempfile.TemporaryDirectory() as workdir:
        report = {"load": _worker("load", path, workdir, timeout)}

        shown = _run(saved_model_cli() + ["show", "--dir", path, "--all"],
                     "saved_model_cli show --all", timeout)
        listed = sorted(set(re.findall(r"signature_def\['(\w+)'\]", shown)) -
                        {"__saved_model_init_op"})
        expected = sorted(report["load"]["signatures"])
        if listed != expected or "DT_UINT8" not in shown:
            raise ExportCheckError(f"saved_model_cli show lists {listed}; expected {expected} "
                                   "with DT_UINT8 images outputs.")
        report["show"] = {"signatures": listed}

        request, _, expected = _load_request(workdir)
        inputs = ";".join(f"{n}={f}" for n, f in request["inputs"].items())
        outdir = os.path.join(workdir, "cli")
        _run(saved_model_cli() + ["run", "--dir", path, "--tag_set", "serve", "--signature_def",
                                  request["signature"], "--inputs", inputs, "--outdir", outdir],
             "saved_model_cli run", timeout)
        images = np.load(os.path.join(outdir, "images.npy"))
        if images.dtype != np.uint8 or not np.array_equal(images, expected):
            raise ExportCheckError("saved_model_cli run returned different images than "
                                   f"tf.saved_model.load for the same request ({images.dtype}).")
        report["run"] = {"images": {"dtype": str(images.dtype), "shape": list(images.shape)}}
        report["tfsmlayer"] = _worker("tfsmlayer", path, workdir, timeout)
    return report


def _signatures(path):
    import tensorflow as tf

    return tf.saved_model.load(path).signatures


def signature_names(path):
    """The signatures of an export, `serving_default` first."""
    names = sorted(_signatures(path))
    return sorted(names, key=lambda n: n != "serving_default")


def example_request(path):
    """A TF Serving REST body that calls the export's most useful signature: `sample` of a
    sampler (or of a text-to-image model's captions), a caption for text, a tiny image for a
    translator."""
    sigs = _signatures(path)
    if "generate_from_text" in sigs:
        return {"signature_name": "generate_from_text",
                "inputs": {"text": ["a smiling woman with blond hair"], "seed": 7}}
    if "sample" in sigs:
        inputs = {"count": 4, "seed": 0}
        if "labels" in sigs["sample"].structured_input_signature[1]:
            inputs["labels"] = [0, 1, 2, 3]
        if "truncation" in sigs["sample"].structured_input_signature[1]:
            inputs["truncation"] = 0.7
        return {"signature_name": "sample", "inputs": inputs}
    name = next(n for n in sorted(sigs) if n != "serving_default")
    spec = sigs[name].structured_input_signature[1]["images"]
    channels = spec.shape[-1] or _accepted_channels(sigs[name])
    return {"signature_name": name, "instances": [[[[0] * int(channels)] * 4] * 4]}


def summary(report):
    """One line of what the fresh-process checks found."""
    load = report["load"]
    refused = "; ".join(f"{k.replace('_', ' ')} refused: {v!r}"
                        for k, v in load.get("refused", {}).items())
    extra = ""
    if "size" in load:
        extra = f", {load['size']['in']} uint8 in -> {load['size']['out']} out"
    if "caption_changes_image" in load:
        extra = (", strings in, another caption "
                 f"{'changes' if load['caption_changes_image'] else 'does not change'} the "
                 "image")
    if "unknown_words" in load:
        extra += (f", unknown words named ({UNKNOWN_WORD.decode()!r}) and a caption of them "
                  f"only refused: {load['unknown_words']['refused']!r}")
    return (f"tf.saved_model.load ({len(load['signatures'])} signatures{extra}, "
            f"deterministic; {refused}), saved_model_cli show and run (same images), "
            "keras.layers.TFSMLayer (same images).")


def main(argv=None):
    kind, path, workdir = (argv or sys.argv[1:])[:3]
    report = {"load": _worker_load, "tfsmlayer": _worker_tfsmlayer}[kind](path, workdir)
    report["kerasgen_modules"] = sorted(m for m in sys.modules if m.split(".")[0] == "kerasgen")
    print(json.dumps(report))  # last line of stdout: the parent parses it


if __name__ == "__main__":
    main()
