"""`kerasgen evaluate`: sample quality, likelihood and memorization of a trained model.

Every number in the report carries its protocol (feature extractor and its checksum, which
split, how many real and generated images, seeds, k), so it can be reproduced.
"""

import json

from kerasgen.files import atomic_path
from kerasgen.models.capabilities import capabilities
# The scorers live in modules of their own; their public names stay importable from here.
from kerasgen.evaluation.real_data import DEFAULT_EXTRACTORS  # noqa: F401
from kerasgen.evaluation.real_data import check_distinct_splits  # noqa: F401
from kerasgen.evaluation.real_data import data_config
from kerasgen.evaluation.real_data import default_extractor  # noqa: F401
from kerasgen.evaluation.real_data import real_images  # noqa: F401
from kerasgen.evaluation.real_data import shared_files  # noqa: F401
from kerasgen.evaluation.samples import LIKELIHOOD_METRICS  # noqa: F401
from kerasgen.evaluation.samples import check_pixel_terms
from kerasgen.evaluation.samples import evaluate
from kerasgen.evaluation.samples import metrics_known  # noqa: F401
from kerasgen.evaluation.samples import negative_log_likelihood  # noqa: F401
from kerasgen.evaluation.text import evaluate_text_encoder
from kerasgen.evaluation.text import evaluate_text_to_image
from kerasgen.evaluation.translation import TRANSLATION_DEFAULT  # noqa: F401
from kerasgen.evaluation.translation import evaluate_attribute_transfer  # noqa: F401
from kerasgen.evaluation.translation import evaluate_translator
# -- output ----------------------------------------------------------------------------------
def format_table(report):
    """The report's numbers as an aligned text table, then any tables it holds ({title:
    {"columns", "rows"}}), then the protocol lines."""
    rows = [(name, f"{value:.4f}" if isinstance(value, float) else str(value))
            for name, value in report["metrics"].items()]
    for name, value in report.get("memorization", {}).items():
        rows.append((f"memorization.{name}", f"{value:.4f}"))
    width = max((len(r[0]) for r in rows), default=6)
    lines = [f"{'metric':<{width}}  value", f"{'-' * width}  -----"]
    lines += [f"{name:<{width}}  {value}" for name, value in rows]
    for title, table in report.get("tables", {}).items():
        lines += ["", f"{title}:", *_aligned([table["columns"]] + table["rows"])]
    lines.append("")
    for key, value in report["protocol"].items():
        lines.append(f"{key}: {json.dumps(value) if isinstance(value, dict) else value}")
    if "nearest_neighbours" in report:
        lines.append(f"nearest neighbours: {report['nearest_neighbours']['png']}")
    if "heat_maps" in report:
        lines.append(f"heat maps: {report['heat_maps']['png']} (white at "
                     f"{report['heat_maps']['nats_at_white']} nats per pixel)")
    return "\n".join(lines)


def _aligned(rows):
    """Rows of cells as lines, each column as wide as its widest cell, a rule under the
    first row."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(f"{str(cell):<{w}}" for cell, w in zip(row, widths)).rstrip()
             for row in rows]
    return lines[:1] + ["  ".join("-" * w for w in widths)] + lines[1:]


def format_comparison(reports):
    """Several models' reports as one table, a column per model (or per setting of a swept
    sampling option: its `label`; metrics in first-seen order, "-" where a model has none),
    then each model's protocol."""
    names = [r["model"].get("label", r["model"]["name"]) for r in reports]
    metrics = list(dict.fromkeys(m for r in reports for m in r["metrics"]))

    def cell(report, metric):
        value = report["metrics"].get(metric, "-")
        return f"{value:.4f}" if isinstance(value, float) else str(value)

    rows = [[metric] + [cell(r, metric) for r in reports] for metric in metrics]
    widths = [max(len(x) for x in column) for column in zip(["metric"] + names, *rows)]
    lines = ["  ".join(f"{x:<{w}}" for x, w in zip(["metric"] + names, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(f"{x:<{w}}" for x, w in zip(row, widths)) for row in rows]
    for name, report in zip(names, reports):
        lines += ["", f"{name} ({report['model']['family']}):"]
        lines += [f"  {key}: {json.dumps(value) if isinstance(value, dict) else value}"
                  for key, value in report["protocol"].items()]
    return "\n".join(lines)


def write_json(report, path):
    """Write the report atomically."""
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        json.dump(report, f, indent=2)
    return path


# -- one entry point: the evaluator of what the model can do ----------------------------------
def _needs_config(name, what):
    raise ValueError(f"{name}: {what} is scored on its config's held-out data; pass a zoo "
                     "name or a run folder with config.yaml.")


def _evaluate_translator(model, run_config, metrics, name, o):
    if run_config is None:
        _needs_config(name, "a translator")
    return evaluate_translator(model, run_config.data, metrics or model.default_metrics(),
                               o["features"], o["num_real"], o["split"], o["seed"],
                               verbose=o["verbose"], judge=o["judge"])


# What `evaluate_text_to_image` reports (together), and the held-out sentence shapes.
TEXT_TO_IMAGE_METRICS = ("attributes", "fid", "kid", "diversity", "held_out_captions")


def _evaluate_text_to_image(model, run_config, metrics, name, o):
    from kerasgen.evaluation.held_out import held_out_report

    metrics = list(metrics or model.default_metrics())
    unknown = [m for m in metrics if m not in TEXT_TO_IMAGE_METRICS]
    if unknown:
        raise ValueError(f"{name}: text-to-image models report "
                         f"{', '.join(TEXT_TO_IMAGE_METRICS)}; received {', '.join(unknown)}.")
    if run_config is None:
        _needs_config(name, "a text-to-image model")
    reports = []
    if set(metrics) - {"held_out_captions"}:
        reports.append(evaluate_text_to_image(model, run_config.data, o["features"],
                                              o["judge"], o["split"], o["seed"],
                                              verbose=o["verbose"]))
    if "held_out_captions" in metrics:
        reports.append(held_out_report(model, run_config.data, o["judge"], o["seed"],
                                       o["split"], verbose=o["verbose"]))
    report = reports[0]
    for other in reports[1:]:  # one report: metrics, tables and protocol side by side
        for key, value in other.items():
            report[key] = {**report.get(key, {}), **value} if isinstance(value, dict) else value
    return report


def _evaluate_embedder(model, run_config, metrics, name, o):
    if run_config is None:
        _needs_config(name, "a text encoder")
    return evaluate_text_encoder(model, run_config.data, o["split"], verbose=o["verbose"])


def _evaluate_samples_and_likelihood(model, run_config, metrics, name, o):
    data = data_config(model, run_config, o["data_path"], o["source"], o["train_data"])
    if metrics is None:
        metrics = model.default_metrics()
    return evaluate(model, data, metrics, features=o["features"],
                    num_generated=o["num_generated"], num_real=o["num_real"],
                    split=o["split"], nll_samples=o["nll_samples"],
                    nearest_path=o["nearest_path"], heat_map_path=o["heat_map_path"],
                    seed=o["seed"], verbose=o["verbose"], sampling=o["sampling"])


def _evaluators():
    """(capability, evaluator) in the order they are asked: the first the model declares
    scores it. A new kind of model adds its evaluator here with its capability."""
    from kerasgen.models import capabilities as caps

    return ((caps.Translator, _evaluate_translator),
            (caps.TextConditioned, _evaluate_text_to_image),
            (caps.TextImageEmbedder, _evaluate_embedder),
            ((caps.Sampler, caps.DensityModel), _evaluate_samples_and_likelihood))


def evaluate_model(model, run_config=None, metrics=None, name="model", data_path=None,
                   source=None, train_data=None, features=None, judge=None,
                   num_generated=10_000, num_real=None, split="test", nll_samples=1000,
                   nearest_path=None, seed=0, verbose=True, heat_map_path=None,
                   sampling=None):
    """`kerasgen evaluate`: score `model` by what it can do (translators on held-out pairs,
    text-to-image models on held-out captions, text encoders by retrieval, samplers and
    likelihood models by sample metrics and NLL); `metrics` None takes the model's
    `default_metrics()`; `sampling` the sampling options samples are drawn with (a
    sampler's `sampling_options`). Returns the report dict."""
    if heat_map_path:  # asked of every kind of model, not only samplers and likelihoods
        check_pixel_terms(model)
    options = dict(data_path=data_path, source=source, train_data=train_data,
                   features=features, judge=judge, num_generated=num_generated,
                   num_real=num_real, split=split, nll_samples=nll_samples,
                   nearest_path=nearest_path, heat_map_path=heat_map_path, seed=seed,
                   verbose=verbose, sampling=dict(sampling or {}))
    for capability, evaluator in _evaluators():
        if isinstance(model, capability):
            if options["sampling"] and evaluator is not _evaluate_samples_and_likelihood:
                raise ValueError(f"{name} ({type(model).__name__}) is not scored on samples "
                                 f"drawn with sampling options; received "
                                 f"{', '.join(options['sampling'])}.")
            return evaluator(model, run_config, metrics, name, options)
    raise ValueError(f"{name} ({type(model).__name__}) has nothing kerasgen evaluate scores "
                     f"(capabilities: {', '.join(capabilities(model)) or 'none'}); expected a "
                     "sampler, a likelihood model, a translator or a text model.")
