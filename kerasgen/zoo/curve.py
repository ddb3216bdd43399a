"""A run's sample-quality curve for a model card: `python -m kerasgen.zoo.curve RUN OUT.svg`.

`python -m kerasgen.zoo.curve RUN1 RUN2 OUT.svg` draws a model trained in stages (RUN2 a
fine-tune started from RUN1's model, `train.init_from`) as one curve: RUN2's epochs continue
after the epochs RUN1 trained, and a dashed line marks where each later stage starts.

Reads the metrics that `train.metrics_every_epochs` logged to RUN/logs/sample_quality (FID, KID,
IS, ... per epoch, the TensorBoard events of `kerasgen.metrics.SampleQuality`) and draws one
small line chart per metric as SVG, a text format that GitHub and browsers render and git
diffs. matplotlib is not a kerasgen dependency, and a few polylines do not need it.
"""

import argparse
import glob
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


def read_stages(runs):
    """The sample-quality series of runs trained one after another, as one: each run's epochs
    are shifted by the epochs the runs before it trained. Returns (series, boundaries), the
    boundaries being the epochs at which the second, third, ... run started."""
    merged, offset, boundaries = {}, 0, []
    for i, run in enumerate(runs):
        if i:
            offset += epochs_trained(runs[i - 1])
            boundaries.append(offset)
        for tag, points in read_scalars(os.path.join(run, "logs", "sample_quality")).items():
            merged.setdefault(tag, []).extend((step + offset, value) for step, value in points)
    return merged, boundaries


def _panel(tag, points, x0, boundaries=()):
    steps, values = [p[0] for p in points], [p[1] for p in points]
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1.0, hi + 1.0
    s_lo, s_hi = min(steps), max(max(steps), min(steps) + 1)
    w, h = PANEL_W - 2 * PAD + 20, PANEL_H - 2 * PAD

    def xy(step, value):
        return (x0 + PAD + (step - s_lo) / (s_hi - s_lo) * w,
                PAD + (hi - value) / (hi - lo) * h)

    coords = [xy(s, v) for s, v in points]
    parts = [f'<text x="{x0 + PANEL_W / 2:.0f}" y="20" text-anchor="middle" '
             f'font-weight="bold">{tag}</text>',
             f'<rect x="{x0 + PAD}" y="{PAD}" width="{w}" height="{h}" fill="none" '
             'stroke="#bbb"/>']
    for epoch in boundaries:  # where a later training stage starts
        if s_lo <= epoch <= s_hi:
            x = xy(epoch, lo)[0]
            parts.append(f'<line x1="{x:.1f}" y1="{PAD}" x2="{x:.1f}" y2="{PAD + h}" '
                         'stroke="#888" stroke-dasharray="4,3"/>')
    parts.append('<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="'
                 + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
    for (x, y), (s, v) in zip(coords, points):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1f77b4"/>')
        parts.append(f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" '
                     f'font-size="10">{v:.3g}</text>')
        parts.append(f'<text x="{x:.1f}" y="{PAD + h + 14}" text-anchor="middle" '
                     f'font-size="10">{s}</text>')
    parts.append(f'<text x="{x0 + PAD + w / 2:.0f}" y="{PAD + h + 30}" text-anchor="middle" '
                 'font-size="11">epoch</text>')
    return parts


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
        body += _panel(tag, series[tag], i * PANEL_W, boundaries)
    with open(path, "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{PANEL_H}" '
                f'font-family="sans-serif" font-size="12">\n'
                f'<rect width="{width}" height="{PANEL_H}" fill="white"/>\n'
                + "\n".join(body) + "\n</svg>\n")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", metavar="run",
                        help="a run folder trained with train.metrics_every_epochs; several "
                        "for a model trained in stages, in the order they were trained")
    parser.add_argument("out", help="the .svg file to write")
    parser.add_argument("--tags", help="comma-separated metrics to draw (default: all)")
    args = parser.parse_args(argv)
    series, boundaries = read_stages(args.runs)
    write_svg(series, args.out, args.tags.split(",") if args.tags else None, boundaries)
    for tag, points in sorted(series.items()):
        print(tag, " ".join(f"{s}:{v:.4g}" for s, v in points))


if __name__ == "__main__":
    main()
