import glob
import os

import pytest

from kerasgen import config as config_lib
from kerasgen.training.train import build_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = sorted(glob.glob(os.path.join(ROOT, "configs", "*.yaml")))


def test_required_configs_exist():
    names = {os.path.basename(p) for p in CONFIGS}
    assert {"vae_mnist.yaml", "dcgan_mnist.yaml", "cgan_mnist.yaml",
            "wgan_gp_fashion_mnist.yaml", "dcgan_celeba_64.yaml"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=os.path.basename)
def test_every_config_parses_and_builds(path, tmp_path):
    config = config_lib.load(path)
    model = build_model(config)
    assert model.count_params() > 0
    saved = str(tmp_path / "config.yaml")
    config_lib.save(config, saved)
    assert config_lib.load(saved) == config


def write(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return str(path)


def test_unknown_keys_and_wrong_types_are_named(tmp_path):
    with pytest.raises(config_lib.ConfigError, match="'train.epoch'"):
        config_lib.load(write(tmp_path, "train: {epoch: 3}\n"))
    with pytest.raises(config_lib.ConfigError, match="data.batch_size: expected int; received str"):
        config_lib.load(write(tmp_path, "data: {batch_size: big}\n"))
    with pytest.raises(config_lib.ConfigError, match="'model.args.latent_size'"):
        config_lib.load(write(tmp_path, "model: {family: vae, args: {latent_size: 3}}\n"))
    with pytest.raises(config_lib.ConfigError, match="model.args.latent_dim: expected int"):
        config_lib.load(write(tmp_path, "model: {family: vae, args: {latent_dim: 2.5}}\n"))
    with pytest.raises(config_lib.ConfigError, match="Known model familys?: .*dcgan"):
        config_lib.load(write(tmp_path, "model: {family: not_a_family}\n"))
    with pytest.raises(config_lib.ConfigError, match="mixed_precision"):
        config_lib.load(write(tmp_path, "train: {mixed_precision: fp8}\n"))


def test_overrides(tmp_path):
    path = os.path.join(ROOT, "configs", "dcgan_mnist.yaml")
    config = config_lib.load(path, ["train.epochs=3", "model.args.loss=hinge",
                                    "data.stop=100"])
    assert (config.train.epochs, config.model.args["loss"], config.data.stop) == (3, "hinge", 100)
    with pytest.raises(config_lib.ConfigError, match="train.epochs: expected int"):
        config_lib.load(path, ["train.epochs=many"])
    with pytest.raises(config_lib.ConfigError, match="key=value"):
        config_lib.load(path, ["train.epochs"])


def test_data_fields_are_checked_against_their_source(tmp_path):
    # A key another source reads is refused, naming the field, what this source reads and
    # which sources would read it (as unknown model args are).
    with pytest.raises(config_lib.ConfigError,
                       match=r"data.pairs: source 'idx' does not read it \(received 'edges'\); "
                             r"it reads .*path.*Remove it, or use a source that reads it: "
                             r"paired\."):
        config_lib.load(write(tmp_path, "data: {source: idx, path: mnist, pairs: edges}\n"))
    with pytest.raises(config_lib.ConfigError, match=r"data.eval_path: source 'tfds' does not "
                                                     r"read it.*folder, paired"):
        config_lib.load(write(tmp_path, "data: {source: tfds, name: mnist, eval_path: x}\n"))
    with pytest.raises(config_lib.ConfigError, match="data.binarize: source 'paired' does not"):
        config_lib.load(write(tmp_path, "data: {source: paired, path: x, pairs: edges, "
                                        "image_size: 64, binarize: true}\n"))
    # Required fields and each source's own value checks.
    with pytest.raises(config_lib.ConfigError, match="data.name: source 'tfds' needs it"):
        config_lib.load(write(tmp_path, "data: {source: tfds}\n"))
    with pytest.raises(config_lib.ConfigError, match="data.path: source 'folder' needs it"):
        config_lib.load(write(tmp_path, "data: {source: folder}\n"))
    with pytest.raises(config_lib.ConfigError, match="data.pairs: source 'paired' needs one of"):
        config_lib.load(write(tmp_path, "data: {source: paired, path: x, image_size: 64}\n"))
    with pytest.raises(config_lib.ConfigError,
                       match="data.direction: Unknown direction 'AB'; expected AtoB or BtoA"):
        config_lib.load(write(tmp_path, "data: {source: paired, path: x, pairs: folders, "
                                        "direction: AB, image_size: 64}\n"))
    with pytest.raises(config_lib.ConfigError, match="data.labels: expected true, false or "
                                                     "'inferred'; received 'yes please'"):
        config_lib.load(write(tmp_path, "data: {source: folder, path: x, "
                                        "labels: yes please}\n"))
    # A field at its default is not "set", whichever source is chosen.
    config = config_lib.load(write(tmp_path, "data: {source: tfds, name: mnist, "
                                             "jitter: true}\n"))
    assert config.data.source == "tfds"
