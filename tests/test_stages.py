"""Configs with stages: their expansion, their errors, and `kerasgen train` running them."""

import dataclasses
import json
import os

import keras
import numpy as np
import pytest
import yaml

from kerasgen import cli
from kerasgen import config as config_lib
from kerasgen import stages
from tests import helpers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FROZEN = os.path.join(ROOT, "tests", "data", "preset_stages")
STAGED_PRESETS = sorted(os.listdir(FROZEN))


def _without_location(config):
    """The config with the fields that say where a run is (its name, folder and start)."""
    train = dataclasses.replace(config.train, output_dir=None, init_from=None)
    return dataclasses.replace(config, name=None, train=train)


@pytest.mark.parametrize("preset", STAGED_PRESETS)
def test_a_staged_preset_expands_to_the_runs_that_made_its_artifact(preset):
    chain = yaml.safe_load(open(os.path.join(FROZEN, preset, "chain.yaml")))
    recipe = stages.load(os.path.join(ROOT, "configs", f"{preset}.yaml"))
    assert recipe.names() == [c["stage"] for c in chain["stages"]]
    assert recipe.output_dir == os.path.join("runs", preset)
    # Where each old run wrote, and where its stage writes now.
    frozen = {name: config_lib.load(os.path.join(FROZEN, preset, f"{name}.yaml"))
              for name in recipe.names()}
    moved = {}
    for name, old in frozen.items():
        folder = old.train.output_dir or os.path.join("runs", old.name)
        moved[os.path.join(folder, "model.keras")] = os.path.join(recipe.output_dir, name,
                                                                  "model.keras")
    transforms = chain.get("transforms", {})
    for name, step in transforms.items():
        moved[step["output"]] = os.path.join(recipe.output_dir, name,
                                             f"{step['transform']}.keras")
    for stage in recipe.stages:
        old = frozen[stage.name]
        assert _without_location(stage.config) == _without_location(old), stage.name
        assert stage.config.name == f"{preset}_{stage.name}"
        assert stage.output_dir == os.path.join(recipe.output_dir, stage.name)
        assert stage.config.train.init_from == moved.get(old.train.init_from,
                                                         old.train.init_from), stage.name
        step = transforms.get(stage.name)
        assert stage.init_transform == (step and step["transform"])
        assert stage.transform_source == (step and moved[step["source"]])
    old_average = chain.get("average")
    if old_average is None:
        assert recipe.average is None
        return
    average = recipe.average
    assert [os.path.join(d, "model.keras") for d in average.source_dirs] == [
        moved[os.path.join(d, "model.keras")] for d in old_average["models"]]
    assert {k: getattr(average.spec, k) for k in ("greedy", "greedy_seeds", "greedy_samples",
                                                  "steps", "base", "features")} == {
        k: old_average[k] for k in ("greedy", "greedy_seeds", "greedy_samples", "steps",
                                    "base", "features")}
    assert os.path.basename(average.output_dir) == average.name


def test_every_preset_is_one_config_and_one_command_named_on_its_card():
    from kerasgen import zoo

    for name in zoo.list():
        entry = zoo.info(name)
        assert entry["config"] == f"configs/{name}.yaml", name
        assert ";" not in entry["command"], name
        if entry["command"].startswith("kerasgen train "):
            assert entry["command"] == f"kerasgen train {entry['config']}", name
        card = open(os.path.join(ROOT, "zoo", name, "README.md")).read()
        rows = [line.split("|")[2].strip() for line in card.splitlines()
                if line.startswith(("| command |", "| made by |"))]
        named = (f"`{entry['command']}`", f"`{entry['command']} --output-dir runs/{name}`")
        assert any(row.startswith(named) for row in rows), name
    # What the zoo knows of a staged artifact is its last stage's config (the average takes
    # its base stage's): the model's arguments and the optimizers zoo.load compiles with.
    config = stages.final_config(zoo.config_path("wgan_gp_fashion_mnist"))
    assert config.name == "wgan_gp_fashion_mnist_cycle8"
    assert config.model.args["discriminator_width"] == 128


def write(tmp_path, text, name="recipe.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


BASE = """
model: {family: vae, args: {image_shape: [28, 28, 1], latent_dim: 2, hidden_dims: [8]}}
data: {source: idx, path: mnist}
train: {epochs: 3, seed: 7, optimizer: {name: adam, learning_rate: {name: constant_then_linear,
        initial_learning_rate: 0.001, constant_epochs: 1, decay_epochs: 2}}}
"""


def test_stages_merge_repeat_and_start_where_they_say(tmp_path):
    path = write(tmp_path, BASE + """
stages:
  - name: a
  - name: b
    set:
      train.optimizer.learning_rate: {initial_learning_rate: 0.0005}   # merges
      model: {args: {latent_dim: 4}}                                    # nested, merges
  - name: c
    repeat: 3
    set: {train.epochs: 1, train.seed: 20}
  - name: d
    init_from: b
  - name: e
    init_from: null
    set: {train.init_from: some_zoo_model, data.batch_size: 16}
average: {stages: [b, c], greedy: kid, greedy_seeds: [3], steps: 5}
""")
    recipe = stages.load(path, ["data.stop=100", "train.epochs=2",
                                "train.output_dir=" + str(tmp_path / "run")])
    assert recipe.names() == ["a", "b", "c1", "c2", "c3", "d", "e"]
    run = str(tmp_path / "run")
    by = {s.name: s.config for s in recipe.stages}
    assert by["b"].train.optimizer["learning_rate"] == {
        "name": "constant_then_linear", "initial_learning_rate": 0.0005, "constant_epochs": 1,
        "decay_epochs": 2}
    assert by["b"].model.args == {"image_shape": [28, 28, 1], "latent_dim": 4,
                                  "hidden_dims": [8]}
    assert [by[n].train.seed for n in ("a", "b", "c1", "c2", "c3", "d")] == [7, 7, 20, 21, 22, 20]
    assert [by[n].train.init_from for n in ("a", "b", "c1", "c2", "c3", "d", "e")] == [
        None, f"{run}/a/model.keras", f"{run}/b/model.keras", f"{run}/c1/model.keras",
        f"{run}/c2/model.keras", f"{run}/b/model.keras", "some_zoo_model"]
    # --set reaches every stage, over its own set; train.output_dir is the run folder
    assert {(c.data.stop, c.train.epochs) for c in by.values()} == {(100, 2)}
    assert [c.train.output_dir for c in by.values()] == [f"{run}/{n}" for n in by]
    assert recipe.average.source_dirs == [f"{run}/{n}" for n in ("b", "c1", "c2", "c3")]
    assert recipe.average.output_dir == f"{run}/average"
    assert recipe.final_config() is by["c3"]  # base -1: the config the average takes
    # config.load reads the top of the file; files without stages are not recipes
    top = config_lib.load(path)
    assert (top.name, top.train.output_dir, top.model.args["latent_dim"]) == (
        "recipe", None, 2)
    assert not stages.has_stages(write(tmp_path, BASE, "plain.yaml"))
    assert not stages.has_stages(str(tmp_path / "missing.yaml"))
    with pytest.raises(config_lib.ConfigError, match="has none, so train it as it is"):
        stages.load(str(tmp_path / "plain.yaml"))


# Looped in one test each rather than parametrized: every test pays ~1 s of Keras teardown.
BAD_STAGES = [
    ("  - {name: a}\n  - {name: b, sett: {train.epochs: 1}}",
     r"Unknown config key 'stages\[1\].sett'; StageSpec has: init_from, init_transform, name"),
    ("  - {name: a}\n  - {name: b, set: {train.epoch: 1}}",
     r"stage b: Unknown config key 'train.epoch'"),
    ("  - {name: a}\n  - {name: b, init_from: z}",
     r"stage b: init_from 'z' is not a stage before it; expected one of: a"),
    ("  - {name: a}\n  - {name: b, init_from: c}\n  - {name: c}",
     r"init_from 'c' is not a stage before it"),
    ("  - {name: a}\n  - {name: c, repeat: 2}\n  - {name: d, init_from: c}",
     r"init_from 'c' is a repeated stage; expected one of its repeats: c1, c2"),
    ("  - {name: a, set: {train.epochs: 1}}", r"the first stage trains the config at the top"),
    ("  - {name: a}\n  - {name: b, set: {train.output_dir: x}}",
     r"set train.output_dir: not a stage's to set"),
    ("  - {name: a}\n  - {name: b, set: {train: {init_from: x.keras}}}",
     r"set train.init_from would be replaced by the model of the stage before; add "
     r"`init_from: null`"),
    ("  - {name: a}\n  - {name: b, repeat: 2}\n  - {name: b1}", r"'b1' is named twice"),
    ("  - {name: a}\n  - {name: b, init_transform: shrink}",
     r"init_transform: unknown 'shrink'; known: .*widen_discriminator"),
    ("  - {name: 'a/b'}", r"stages\[0\].name: expected a folder name"),
    ("  []", r"stages: expected a list of stages"),
]
BAD_AVERAGES = [
    ("{stages: []}", r"average.stages: the averaging step names no stage; expected at least "
                     r"2 of: a, b"),
    ("{stages: [a, x]}", r"average.stages: 'x' is not a stage; expected names from: a, b"),
    ("{stages: [a]}", r"averaging needs at least 2 models; received 1"),
    ("{stages: [a, b, a]}", r"'a' is named twice"),
    ("{stages: [a, b], greedy: best}", r"average.greedy: expected one of is, fid, kid"),
    ("{stages: [a, b], base: 2}", r"average.base: expected an index into the 2 stages"),
    ("{stages: [a, b], name: a}", r"average.name: expected a folder name that is not a stage"),
    ("{stages: [a, b], seeds: [1]}", r"Unknown config key 'average.seeds'"),
]


def test_bad_stage_specs_say_what_was_received_and_expected(tmp_path):
    for stages_text, message in BAD_STAGES:
        path = write(tmp_path, BASE + "stages:\n" + stages_text + "\n")
        with pytest.raises(config_lib.ConfigError, match=message):
            stages.load(path)
        with pytest.raises(config_lib.ConfigError, match=message):  # any load checks them
            config_lib.load(path)
    for average_text, message in BAD_AVERAGES:
        path = write(tmp_path, BASE + "stages: [{name: a}, {name: b}]\naverage: "
                     + average_text + "\n")
        with pytest.raises(config_lib.ConfigError, match=message):
            stages.load(path)
    # the file is named, then the stage
    with pytest.raises(config_lib.ConfigError, match=r"recipe.yaml: stage b: Unknown config "
                                                     r"key 'train.epoch'"):
        stages.load(write(tmp_path, BASE + "stages: [{name: a}, {name: b, set: "
                                           "{train.epoch: 1}}]\n"))


TOY = """
model:
  family: dcgan
  args: {{image_size: 28, channels: 1, latent_dim: 8, generator_width: 8,
          discriminator_width: 4, ema_decay: 0.5}}
data: {{source: idx, path: {data}, eval_split: null, batch_size: 16, shuffle_buffer: 64}}
train: {{epochs: 1, steps_per_epoch: 2, num_samples: 4, checkpoint_every_steps: 2,
         mixed_precision: float32}}
stages:
  - name: first
  - name: second      # from first's model with its critic widened, 2 epochs, new latents
    init_transform: widen_discriminator
    set: {{model.args.discriminator_width: 8, train.epochs: 2, train.seed: 1}}
average: {{stages: [first, second], steps: 2}}
"""


class Crash(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.g_optimizer.iterations) == 3:  # in epoch 2, after its backup
            raise RuntimeError("simulated crash")


def _run(capfd, *argv):
    code = cli.main(["train", *argv, "--quiet"])
    out, err = capfd.readouterr()
    return code, out, err


def test_kerasgen_train_runs_the_stages_resumes_and_ends_with_the_average(tmp_path, capfd,
                                                                         monkeypatch):
    from kerasgen.training import train as train_lib

    digits = helpers.write_idx_folder(str(tmp_path / "digits"), num_train=64, num_test=8)
    path = write(tmp_path, TOY.format(data=digits))
    run = tmp_path / "run"
    # 1. the first stage only
    code, out, err = _run(capfd, path, "--output-dir", str(run), "--until", "first")
    assert code == 0, err
    assert "Stage 1/3 first: training 1 epoch(s) from scratch" in out
    assert "second" not in out and not (run / "second").exists()
    first_model = (run / "first" / "model.keras").read_bytes()
    # 2. the rest, with the second stage crashing in its second epoch
    real_train = train_lib.train

    def crash_in_second(config, verbose="auto", callbacks=()):
        crash = [Crash()] if config.name == "recipe_second" else []
        return real_train(config, verbose, list(callbacks) + crash)

    monkeypatch.setattr(train_lib, "train", crash_in_second)
    code, out, err = _run(capfd, path, "--output-dir", str(run))
    assert code != 0 and "simulated crash" in err
    assert "Stage 1/3 first: finished earlier, skipped" in out
    assert f"widen_discriminator: {run}/first/model.keras -> {run}/second/" in out
    monkeypatch.setattr(train_lib, "train", real_train)
    # 3. a changed config is refused, naming what changed, before anything is written
    code, _, err = _run(capfd, path, "--output-dir", str(run), "--set", "train.seed=5")
    assert code == cli.EXIT_BAD_INPUT
    assert (f"Stage first: {run}/first was trained with another config (train.seed: 0 then, "
            "5 now)") in err
    # 4. the same command again: first skipped, second resumed from its backup, then averaged
    code, out, err = _run(capfd, path, "--output-dir", str(run))
    assert code == 0, err
    assert "Stage 1/3 first: finished earlier, skipped" in out
    assert f"Stage 2/3 second: resuming from its backup in {run}/second/backup" in out, out
    assert "Stage 3/3 average: uniform average of first, second" in out
    assert f"Model: {run}/average/model.keras" in out
    assert (run / "first" / "model.keras").read_bytes() == first_model
    second = config_lib.load(str(run / "second" / "config.yaml"))
    assert second.train.init_from == f"{run}/second/widen_discriminator.keras"
    assert second.model.args["discriminator_width"] == 8
    record = json.load(open(run / "average" / "averaged.json"))
    assert [s["model"] for s in record["sources"]] == [f"{run}/first", f"{run}/second"]
    averaged = keras.saving.load_model(str(run / "average" / "model.keras"), compile=False)
    stage_models = [keras.saving.load_model(str(run / n / "model.keras"), compile=False)
                    for n in ("first", "second")]
    np.testing.assert_allclose(
        np.asarray(averaged.generator.trainable_weights[0]),
        np.mean([np.asarray(m.generator.trainable_weights[0]) for m in stage_models], axis=0),
        rtol=1e-6, atol=1e-7)
    assert averaged.discriminator_width == 8  # the discriminator of the last stage
    # 5. everything finished: a rerun trains nothing
    code, out, err = _run(capfd, path, "--output-dir", str(run))
    assert code == 0, err
    assert out.count("finished earlier, skipped") == 3
    # 6. a stage's model replaced, then recorded as redone: what was made from it stops
    from kerasgen.zoo.artifacts import sha256_file

    with open(run / "first" / "model.keras", "ab") as f:
        f.write(b"another model")
    code, _, err = _run(capfd, path, "--output-dir", str(run))
    assert code == cli.EXIT_BAD_INPUT
    assert f"Stage first: {run}/first was made as {run}/first/model.keras with sha256" in err
    record = json.load(open(run / "first" / "stage.json"))
    record["finished"]["sha256"] = sha256_file(str(run / "first" / "model.keras"))
    json.dump(record, open(run / "first" / "stage.json", "w"))
    code, out, err = _run(capfd, path, "--output-dir", str(run))
    assert code == cli.EXIT_BAD_INPUT and "Stage 1/3 first: finished earlier" in out
    assert (f"Stage second: {run}/second was made from {run}/first/model.keras with sha256"
            in err and "a stage before it was redone" in err)
