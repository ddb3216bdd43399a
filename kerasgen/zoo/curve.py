"""A run's sample-quality curve for a model card: `python -m kerasgen.zoo.curve RUN OUT.svg`.

`python -m kerasgen.zoo.curve RUN1 RUN2 OUT.svg` draws a model trained in stages (RUN2 a
fine-tune started from RUN1's model, `train.init_from`) as one curve: RUN2's epochs continue
after the epochs RUN1 trained, and a dashed line marks where each later stage starts.

`--log train --tags epoch_m_global,epoch_k_t` draws what the training log holds per epoch
instead (losses' epoch means, BEGAN's convergence measure and k_t).

`python -m kerasgen.zoo.curve --compare RUN1 RUN2 ... OUT.svg --tag classifier/fid --x images`
draws one metric of several separately trained models on one chart, against what their
training cost: the training images or the minutes of training steps (`--x images`,
`cpu_minutes`, `wall_minutes`; what `kerasgen train`'s clock logged to RUN/logs/clock at each
epoch end) or the epoch (`--x epochs`).

`python -m kerasgen.zoo.curve --sweep runs/evaluate/MODEL_truncation_*.json OUT.svg` draws
the reports of a `kerasgen evaluate --truncation 1,0.9,...,0.5` sweep: each metric against
the option, and precision against recall (the fidelity / variety trade).

Reads the metrics that `train.metrics_every_epochs` logged to RUN/logs/sample_quality (FID, KID,
IS, ... per epoch, the TensorBoard events of `kerasgen.metrics.SampleQuality`) and draws one
small line chart per metric as SVG, a text format that GitHub and browsers render and git
diffs. matplotlib is not a kerasgen dependency, and a few polylines do not need it.
"""

import argparse
import glob
import json
import os

import tensorflow as tf

PANEL_W, PANEL_H, PAD = 300, 190, 42


def read_scalars(log_dir):
    """{tag: [(step, value), ...]} from the TensorBoard event files in `log_dir`, by step."""
    files = sorted(glob.glob(os.path.join(log_dir, "events.out.tfevents.*")))
    if not files:
        raise FileNotFoundError(f"No TensorBoard event files in {log_dir!r}; expected a run "
                                "trained with train.metrics_every_epochs set.")
    series = {}
    for path in files:
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                number = (float(tf.make_ndarray(value.tensor)) if value.HasField("tensor")
                          else float(value.simple_value))
                series.setdefault(value.tag, {})[int(event.step)] = number
    return {tag: sorted(points.items()) for tag, points in series.items()}


def epochs_trained(run):
    """How many epochs RUN trained: its TensorBoard training log counts them (step = epoch,
    from 0; a resumed run continues the count)."""
    try:
        series = read_scalars(os.path.join(run, "logs", "train"))
    except FileNotFoundError:
        raise FileNotFoundError(f"No training log in {os.path.join(run, 'logs', 'train')!r}; "
                                "expected a run folder written by kerasgen train.") from None
    steps = [s for tag, points in series.items() if tag.startswith("epoch_") for s, _ in points]
    if not steps:
        raise ValueError(f"The training log of {run!r} has no per-epoch scalars; expected a run "
                         "that finished at least one epoch.")
    return max(steps) + 1


def read_epoch_scalars(run, log="sample_quality"):
    """{tag: [(epoch, value), ...]} of RUN/logs/LOG, the epoch counted from 1 (the number of
    epochs trained when the value was logged). `log="train"` gives the per-epoch values
    Keras logs there (`epoch_*` tags, e.g. a loss's epoch mean or BEGAN's epoch_m_global
    and epoch_k_t), whose steps count from 0; its per-batch tags are left out (their steps
    start again at each resume)."""
    series = read_scalars(os.path.join(run, "logs", log))
    if log != "train":
        return series
    return {tag: [(step + 1, value) for step, value in points]
            for tag, points in series.items() if tag.startswith("epoch_")}


def read_stages(runs, log="sample_quality"):
    """The per-epoch series (`read_epoch_scalars`) of runs trained one after another, as
    one: each run's epochs are shifted by the epochs the runs before it trained. Returns
    (series, boundaries), the boundaries being the epochs at which the second, third, ...
    run started."""
    merged, offset, boundaries = {}, 0, []
    for i, run in enumerate(runs):
        if i:
            offset += epochs_trained(runs[i - 1])
            boundaries.append(offset)
        for tag, points in read_epoch_scalars(run, log).items():
            merged.setdefault(tag, []).extend((step + offset, value) for step, value in points)
    return merged, boundaries


COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
X_AXES = {"epochs": "epoch", "images": "training images",
          "cpu_minutes": "CPU minutes of training steps",
          "wall_minutes": "minutes of training steps"}


def _number(x):
    """Axis labels: 360000 -> 360k, 2500000 -> 2.5M, 12.5 -> 12.5."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def _panel(tag, lines, x0, boundaries=(), xlabel="epoch", panel_w=PANEL_W, point_labels=None):
    """One chart: `lines` is [(label, [(x, value), ...]), ...]; each point's value (or its
    `point_labels` entry) is written beside it when there is one line, a legend names the
    lines when there are several."""
    points = [p for _, line in lines for p in line]
    steps, values = [p[0] for p in points], [p[1] for p in points]
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1.0, hi + 1.0
    s_lo, s_hi = min(steps), max(steps)
    if s_hi == s_lo:  # one point: an axis a unit wide
        s_hi = s_lo + 1
    w, h = panel_w - 2 * PAD + 20, PANEL_H - 2 * PAD

    def xy(step, value):
        return (x0 + PAD + (step - s_lo) / (s_hi - s_lo) * w,
                PAD + (hi - value) / (hi - lo) * h)

    parts = [f'<text x="{x0 + panel_w / 2:.0f}" y="20" text-anchor="middle" '
             f'font-weight="bold">{tag}</text>',
             f'<rect x="{x0 + PAD}" y="{PAD}" width="{w}" height="{h}" fill="none" '
             'stroke="#bbb"/>']
    for epoch in boundaries:  # where a later training stage starts
        if s_lo <= epoch <= s_hi:
            x = xy(epoch, lo)[0]
            parts.append(f'<line x1="{x:.1f}" y1="{PAD}" x2="{x:.1f}" y2="{PAD + h}" '
                         'stroke="#888" stroke-dasharray="4,3"/>')
    for i, (label, line) in enumerate(lines):
        colour = COLOURS[i % len(COLOURS)]
        coords = [xy(s, v) for s, v in line]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
        for j, ((x, y), (s, v)) in enumerate(zip(coords, line)):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
            if len(lines) == 1:
                text = point_labels[j] if point_labels else f"{v:.3g}"
                parts.append(f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" '
                             f'font-size="10">{text}</text>')
        if len(lines) > 1:
            parts.append(f'<text x="{x0 + PAD + 6}" y="{PAD + 14 + 14 * i}" '
                         f'fill="{colour}" font-size="11">{label} (last {line[-1][1]:.3g})'
                         '</text>')
    if len(lines) > 1:  # no values beside the points: the vertical axis's ends instead
        for value in (lo, hi):
            parts.append(f'<text x="{x0 + PAD - 4}" y="{xy(s_lo, value)[1] + 4:.1f}" '
                         f'text-anchor="end" font-size="10">{value:.3g}</text>')
    ticks = sorted(set(steps)) if len(lines) == 1 else [s_lo, (s_lo + s_hi) / 2, s_hi]
    for s in ticks:
        parts.append(f'<text x="{xy(s, lo)[0]:.1f}" y="{PAD + h + 14}" text-anchor="middle" '
                     f'font-size="10">{_number(s)}</text>')
    parts.append(f'<text x="{x0 + PAD + w / 2:.0f}" y="{PAD + h + 30}" text-anchor="middle" '
                 f'font-size="11">{xlabel}</text>')
    return parts


def read_comparison(runs, tag, x="images", labels=None):
    """[(label, [(x, value), ...]), ...]: `tag` of each run's sample-quality log against `x`
    ("epochs", or a scalar of the run's logs/clock at the same epochs)."""
    if x not in X_AXES:
        raise ValueError(f"x must be one of {', '.join(X_AXES)}; received {x!r}.")
    labels = list(labels) if labels else [os.path.basename(os.path.normpath(r)) for r in runs]
    if len(labels) != len(runs):
        raise ValueError(f"{len(labels)} labels for {len(runs)} runs; expected one per run.")
    lines = []
    for label, run in zip(labels, runs):
        quality = read_scalars(os.path.join(run, "logs", "sample_quality"))
        if tag not in quality:
            raise KeyError(f"No metric {tag!r} in {run!r}; it logged {sorted(quality)}.")
        points = quality[tag]
        if x != "epochs":
            try:
                clock = dict(read_scalars(os.path.join(run, "logs", "clock")).get(x, []))
            except FileNotFoundError:
                raise FileNotFoundError(
                    f"No training clock in {os.path.join(run, 'logs', 'clock')!r}; the run "
                    "predates it: use --x epochs.") from None
            missing = [epoch for epoch, _ in points if epoch not in clock]
            if missing:
                raise ValueError(f"{run!r} logged {tag} at epoch(s) {missing} but no {x} "
                                 "there; expected both at every epoch end.")
            points = [(clock[epoch], value) for epoch, value in points]
        lines.append((label, points))
    return lines


def read_sweep(reports):
    """(option, {metric: [(value of the option, metric), ...]}) from the JSON reports of a
    `kerasgen evaluate` sweep (`--truncation 1,0.7,0.5`: one report per value), ordered by
    the option's value. The reports must vary exactly one sampling option; that they are of
    one model on one protocol is the caller's to ensure (evaluate's sweep writes them so)."""
    loaded = []  # (sampling options, metrics) of each report
    for path in reports:
        with open(path) as f:
            report = json.load(f)
        sampling = report.get("protocol", {}).get("sampling")
        if not sampling:
            raise ValueError(f"{path!r} was not drawn with a sampling option (no "
                             "protocol.sampling); expected the reports of kerasgen evaluate "
                             "--truncation or --temperature.")
        loaded.append((sampling, report["metrics"]))
    options = {key for sampling, _ in loaded for key in sampling}
    varying = [key for key in sorted(options)
               if len({sampling.get(key) for sampling, _ in loaded}) > 1]
    if len(varying) != 1:
        raise ValueError(f"A sweep varies one sampling option; these {len(loaded)} reports "
                         f"vary {', '.join(varying) or 'none'}.")
    option = varying[0]
    series = {}
    for sampling, metrics in sorted(loaded, key=lambda item: item[0][option]):
        for metric, value in metrics.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                series.setdefault(metric, []).append((float(sampling[option]), float(value)))
    return option, series


def write_sweep_svg(option, series, path, tags=None):
    """One chart per metric against the swept option and, when the reports hold precision
    and recall, precision against recall (the fidelity / variety trade, each point a value of
    the option, written beside it)."""
    tags = tags or [t for t in ("fid", "kid_mean", "precision", "recall") if t in series]
    missing = [t for t in tags if t not in series]
    if missing:
        raise KeyError(f"No metric {missing[0]!r} in the reports; they hold {sorted(series)}.")
    body = []
    for i, tag in enumerate(tags):
        body += _panel(tag, [(tag, series[tag])], i * PANEL_W, xlabel=option)
    panels = len(tags)
    if "precision" in series and "recall" in series:
        recall = dict(series["recall"])
        trade = sorted((recall[x], p, x) for x, p in series["precision"])
        body += _panel("precision against recall", [("", [(r, p) for r, p, _ in trade])],
                       panels * PANEL_W, xlabel=f"recall ({option} beside each point)",
                       point_labels=[f"{x:g}" for _, _, x in trade])
        panels += 1
    return _write_svg(body, PANEL_W * panels, path)


def _write_svg(body, width, path):
    with open(path, "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{PANEL_H}" '
                f'font-family="sans-serif" font-size="12">\n'
                f'<rect width="{width}" height="{PANEL_H}" fill="white"/>\n'
                + "\n".join(body) + "\n</svg>\n")
    return path


def write_comparison_svg(lines, path, tag, x="images"):
    """One chart of `tag` for each (label, points) of `read_comparison`, in one panel twice
    the usual width."""
    width = 2 * PANEL_W
    body = _panel(tag, lines, 0, xlabel=X_AXES[x], panel_w=width)
    return _write_svg(body, width, path)


def write_svg(series, path, tags=None, boundaries=()):
    """One chart per tag (default: every tag but the *_std spreads), side by side; a dashed
    line at each epoch in `boundaries` (where a later training stage starts)."""
    tags = tags or [t for t in sorted(series) if not t.endswith("_std")]
    missing = [t for t in tags if t not in series]
    if missing:
        raise KeyError(f"No metric {missing[0]!r} in the run; it logged {sorted(series)}.")
    width = PANEL_W * len(tags)
    body = []
    for i, tag in enumerate(tags):
        body += _panel(tag, [(tag, series[tag])], i * PANEL_W, boundaries)
    return _write_svg(body, width, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", metavar="run",
                        help="a run folder trained with train.metrics_every_epochs; several "
                        "for a model trained in stages, in the order they were trained, or "
                        "with --compare, separate models")
    parser.add_argument("out", help="the .svg file to write")
    parser.add_argument("--tags", help="comma-separated metrics to draw (default: all)")
    parser.add_argument("--log", default="sample_quality",
                        help="which of the run's logs: sample_quality (default) or train "
                        "(the per-epoch values of the losses and what the model logs, e.g. "
                        "--log train --tags epoch_m_global,epoch_k_t)")
    parser.add_argument("--compare", action="store_true",
                        help="the runs are separate models: one chart of --tag, a line each")
    parser.add_argument("--tag", default="classifier/fid",
                        help="with --compare: the metric (default classifier/fid)")
    parser.add_argument("--x", default="images", choices=sorted(X_AXES),
                        help="with --compare: what the horizontal axis counts (default images)")
    parser.add_argument("--labels", help="with --compare: comma-separated names of the runs "
                        "(default: their folder names)")
    parser.add_argument("--sweep", action="store_true",
                        help="the inputs are the JSON reports of a kerasgen evaluate sweep "
                        "(--truncation 1,0.7,0.5): a chart per metric (--tags, default fid, "
                        "kid_mean, precision, recall) against the option, and precision "
                        "against recall")
    args = parser.parse_args(argv)
    if args.sweep:
        option, series = read_sweep(args.runs)
        write_sweep_svg(option, series, args.out, args.tags.split(",") if args.tags else None)
        for tag, points in sorted(series.items()):
            print(tag, " ".join(f"{option} {x:g}:{v:.4g}" for x, v in points))
        return
    if args.compare:
        lines = read_comparison(args.runs, args.tag, args.x,
                                args.labels.split(",") if args.labels else None)
        write_comparison_svg(lines, args.out, args.tag, args.x)
        for label, points in lines:
            print(label, " ".join(f"{_number(x)}:{v:.4g}" for x, v in points))
        return
    series, boundaries = read_stages(args.runs, args.log)
    write_svg(series, args.out, args.tags.split(",") if args.tags else None, boundaries)
    for tag, points in sorted(series.items()):
        print(tag, " ".join(f"{s}:{v:.4g}" for s, v in points))


if __name__ == "__main__":
    main()
