"""A run's sample-quality curve for a model card: `python -m kerasgen.zoo.curve RUN OUT.svg`.

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


def _panel(tag, points, x0):
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
             'stroke="#bbb"/>',
             '<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="'
             + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>']
    for (x, y), (s, v) in zip(coords, points):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1f77b4"/>')
        parts.append(f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" '
                     f'font-size="10">{v:.3g}</text>')
        parts.append(f'<text x="{x:.1f}" y="{PAD + h + 14}" text-anchor="middle" '
                     f'font-size="10">{s}</text>')
    parts.append(f'<text x="{x0 + PAD + w / 2:.0f}" y="{PAD + h + 30}" text-anchor="middle" '
                 'font-size="11">epoch</text>')
    return parts


def write_svg(series, path, tags=None):
    """One chart per tag (default: every tag but the *_std spreads), side by side."""
    tags = tags or [t for t in sorted(series) if not t.endswith("_std")]
    missing = [t for t in tags if t not in series]
    if missing:
        raise KeyError(f"No metric {missing[0]!r} in the run; it logged {sorted(series)}.")
    width = PANEL_W * len(tags)
    body = []
    for i, tag in enumerate(tags):
        body += _panel(tag, series[tag], i * PANEL_W)
    with open(path, "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{PANEL_H}" '
                f'font-family="sans-serif" font-size="12">\n'
                f'<rect width="{width}" height="{PANEL_H}" fill="white"/>\n'
                + "\n".join(body) + "\n</svg>\n")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", help="a run folder trained with train.metrics_every_epochs")
    parser.add_argument("out", help="the .svg file to write")
    parser.add_argument("--tags", help="comma-separated metrics to draw (default: all)")
    args = parser.parse_args(argv)
    series = read_scalars(os.path.join(args.run, "logs", "sample_quality"))
    write_svg(series, args.out, args.tags.split(",") if args.tags else None)
    for tag, points in sorted(series.items()):
        print(tag, " ".join(f"{s}:{v:.4g}" for s, v in points))


if __name__ == "__main__":
    main()
