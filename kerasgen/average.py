"""`kerasgen average`: one GAN from the uniform average of several snapshots' generators
(`kerasgen.models.gan.average`), with batch-norm statistics recomputed for the averaged
weights, written as a run folder that `kerasgen evaluate`, `sample`, `export` and
`train.init_from` read like any other."""

import json
import os

from kerasgen import config as config_lib


def average_runs(sources, output_dir, config=None, base=-1, steps=100):
    """Average the generators of `sources` (zoo names, run folders or .keras files) and
    write `output_dir`/model.keras, config.yaml and averaged.json (the sources with their
    sha256, for provenance). Returns the averaged model.

    Args:
        config: an `ExperimentConfig` whose data the batch-norm statistics are recomputed
            on (`precise_batch_norm`, `steps` batches); default: the config of
            `sources[base]`'s run folder or zoo entry.
        base: the source that gives the config and the discriminator (default the last).
    """
    from kerasgen import evaluate as evaluate_lib
    from kerasgen.callbacks import save_model_atomically
    from kerasgen.data import make_dataset
    from kerasgen.models.gan.average import average_generators

    if len(sources) < 2:
        raise ValueError(f"kerasgen average needs at least 2 models; received "
                         f"{len(sources)}: {list(sources)}.")
    if not -len(sources) <= base < len(sources):
        raise ValueError(f"base must index one of the {len(sources)} models; received {base}.")
    loaded = [evaluate_lib.load_model(source) for source in sources]
    config = config or loaded[base][2]
    if config is None:
        raise config_lib.ConfigError(
            f"{sources[base]} has no config.yaml beside it; pass --config (the run's config) "
            "for the data the batch-norm statistics are recomputed on.")
    model = average_generators([m for m, _, _ in loaded], base=base)
    batches = 0
    if hasattr(model, "precise_batch_norm"):
        dataset, _ = make_dataset(config.data, getattr(model, "data_range", "unit"),
                                  batch_size=config.data.batch_size, verbose=False)
        batches = model.precise_batch_norm(dataset, steps)
    os.makedirs(output_dir, exist_ok=True)
    save_model_atomically(model, os.path.join(output_dir, "model.keras"))
    config_lib.save(config, os.path.join(output_dir, "config.yaml"))
    record = {"sources": [{"model": source, **description}
                          for source, (_, description, _) in zip(sources, loaded)],
              "base": base % len(sources), "batch_norm_batches": batches}
    with open(os.path.join(output_dir, "averaged.json"), "w") as f:
        json.dump(record, f, indent=2)
    return model
