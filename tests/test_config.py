import glob
import os

import pytest

from kerasgen import config as config_lib
from kerasgen.train import build_model

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
        config_lib.load(write(tmp_path, "model: {family: stylegan}\n"))
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
