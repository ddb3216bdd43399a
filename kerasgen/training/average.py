"""`kerasgen average`: one GAN from the uniform average of several snapshots' generators
(`kerasgen.models.gan.average`), with batch-norm statistics recomputed for the averaged
weights, written as a run folder that `kerasgen evaluate`, `sample`, `export` and
`train.init_from` read like any other.

With `greedy` it averages only the snapshots a greedy model soup keeps (Wortsman et al. 2022,
"Model soups", recipe 2): rank the snapshots by a sample metric alone, start from the best,
and keep each next one only if the average with it scores strictly better. Measure on
sampling seeds the reported numbers do not use, so the selection does not pick the noise of
the seed that is reported.
"""

import json
import os

import numpy as np

from kerasgen import config as config_lib
from kerasgen.metrics.sample_quality import HIGHER_IS_BETTER as GREEDY_METRICS


def greedy_selection(candidates, score):
    """Greedy model soup over `candidates` (any hashable items, e.g. indices).

    `score(members)` measures the average of a list of candidates (in `candidates`' order);
    higher is better. Each candidate is scored alone first and ranked (ties keep the given
    order); the soup starts with the best and adds each next one in rank order if the
    average's score rises strictly. Returns (kept members in `candidates`' order, trials),
    where trials lists every measurement as {"members", "score", "kept"}.
    """
    candidates = list(candidates)
    if not candidates:
        raise ValueError("greedy_selection needs at least one candidate; received none.")
    order = {c: i for i, c in enumerate(candidates)}
    trials = []
    singles = []
    for c in candidates:
        value = float(score([c]))
        singles.append(value)
        trials.append({"members": [c], "score": value, "kept": None})
    ranked = sorted(range(len(candidates)), key=lambda i: -singles[i])
    kept, best = [candidates[ranked[0]]], singles[ranked[0]]
    for i in ranked[1:]:
        members = sorted(kept + [candidates[i]], key=order.get)
        value = float(score(members))
        better = value > best
        trials.append({"members": members, "score": value, "kept": better})
        if better:
            kept, best = members, value
    return kept, trials


def average_runs(sources, output_dir, config=None, base=-1, steps=100, greedy=None,
                 greedy_seeds=(10, 11), greedy_samples=10_000, features=None, log=print):
    """Average the generators of `sources` (zoo names, run folders or .keras files) and
    write `output_dir`/model.keras, config.yaml and averaged.json (the sources with their
    sha256, for provenance). Returns the averaged model.

    Args:
        config: an `ExperimentConfig` whose data the batch-norm statistics are recomputed
            on (`precise_batch_norm`, `steps` batches); default: the config of
            `sources[base]`'s run folder or zoo entry.
        base: the source that gives the config and the discriminator (default the last).
        greedy: None to average every source, or a sample metric ("is", "fid", "kid") to
            average only those a greedy model soup keeps (`greedy_selection`): each
            candidate average is measured on `greedy_samples` samples at each of
            `greedy_seeds` (the mean over seeds), against the config's evaluation data,
            with `features` (default: the data's domain classifier). The discriminator
            then comes from the last kept source. Every trial is written to averaged.json
            and passed to `log`, which also gets the closing line.
    """
    from kerasgen.evaluation import evaluate as evaluate_lib
    from kerasgen.evaluation import loading
    from kerasgen.training.callbacks import save_model_atomically
    from kerasgen.data import make_dataset
    from kerasgen.models.gan.average import average_generators

    if len(sources) < 2:
        raise ValueError(f"kerasgen average needs at least 2 models; received "
                         f"{len(sources)}: {list(sources)}.")
    if not -len(sources) <= base < len(sources):
        raise ValueError(f"base must index one of the {len(sources)} models; received {base}.")
    if greedy is not None and greedy not in GREEDY_METRICS:
        raise ValueError(f"greedy must be one of {sorted(GREEDY_METRICS)} or None; received "
                         f"{greedy!r}.")
    if greedy is not None and (not greedy_seeds or greedy_samples < 2):
        raise ValueError(f"a greedy soup needs at least one seed and 2 samples; received "
                         f"seeds {list(greedy_seeds)} and {greedy_samples} samples.")
    loaded = [loading.load_model(source) for source in sources]
    config = config or loaded[base][2]
    if config is None:
        raise config_lib.ConfigError(
            f"{sources[base]} has no config.yaml beside it; pass --config (the run's config) "
            "for the data the batch-norm statistics are recomputed on.")

    def average(indices):
        models = [loaded[i][0] for i in indices]
        if len(models) == 1:  # a soup of one is that snapshot as it was saved
            return models[0], 0
        model = average_generators(models, base=-1 if greedy else base)
        dataset, _ = make_dataset(config.data, model.data_range,
                                  batch_size=config.data.batch_size, verbose=False)
        # The run-end steps a finished run gets (batch-norm statistics of the final weights,
        # from `steps` batches), on the averaged weights.
        batches = 0
        for step in model.run_end_callbacks(dataset, steps):
            step.set_model(model)
            step.on_train_end()
            batches += getattr(step, "batches", 0)  # a callback that reports its batches
        return model, batches

    greedy_record = None
    kept = list(range(len(sources)))
    if greedy is not None:
        sign = 1.0 if GREEDY_METRICS[greedy] else -1.0
        key = {"is": "is_mean", "kid": "kid_mean"}.get(greedy, greedy)

        def score(indices):
            model, _ = average(indices)
            values = [evaluate_lib.evaluate(model, config.data, [greedy], features,
                                            num_generated=greedy_samples, seed=seed,
                                            verbose=False)["metrics"][key]
                      for seed in greedy_seeds]
            value = float(np.mean(values))
            log(f"{greedy} {value:.4f} (seeds {list(greedy_seeds)}: "
                f"{', '.join(f'{v:.4f}' for v in values)}) for "
                f"{', '.join(sources[i] for i in indices)}")
            return sign * value

        kept, trials = greedy_selection(range(len(sources)), score)
        greedy_record = {
            "metric": greedy, "seeds": list(greedy_seeds), "num_generated": greedy_samples,
            "candidates": list(sources),
            "trials": [{"members": [sources[i] for i in t["members"]],
                        "score": sign * t["score"], "kept": t["kept"]} for t in trials]}
        log(f"Kept {len(kept)} of {len(sources)}: {', '.join(sources[i] for i in kept)}")
    model, batches = average(kept)
    os.makedirs(output_dir, exist_ok=True)
    save_model_atomically(model, os.path.join(output_dir, "model.keras"))
    config_lib.save(config, os.path.join(output_dir, "config.yaml"))
    record = {"sources": [{"model": sources[i], **loaded[i][1]} for i in kept],
              "base": (len(kept) - 1) if greedy else base % len(sources),
              "batch_norm_batches": batches}
    if greedy_record:
        record["greedy"] = greedy_record
    with open(os.path.join(output_dir, "averaged.json"), "w") as f:
        json.dump(record, f, indent=2)
    log(f"Averaged {len(kept)} generators into {os.path.join(output_dir, 'model.keras')}")
    return model
