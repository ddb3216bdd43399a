import numpy as np
import pytest

import kerasgen
from tests import helpers


@pytest.mark.parametrize("cls,extra", [
    (kerasgen.models.Autoencoder, {}),
    (kerasgen.models.DenoisingAutoencoder, {"noise": "masking", "noise_level": 0.5}),
    (kerasgen.models.DenoisingAutoencoder, {"noise": "gaussian"}),
])
def test_autoencoders_learn_and_round_trip(cls, extra, tmp_path):
    model = cls(image_shape=(8, 8, 1), latent_dim=4, hidden_dims=(8, 16), **extra)
    x = helpers.fake_images(32, 8)
    model.compile(optimizer="adam")
    first = model.evaluate(x, verbose=0)
    model.fit(x, batch_size=16, epochs=30, verbose=0)
    assert model.evaluate(x, verbose=0) < first
    assert model.encode(x).shape == (32, 4)
    helpers.check_config_round_trip(model)
    helpers.check_keras_round_trip(model, x, tmp_path, optimizers=["optimizer"])


def test_masking_noise_zeroes_the_requested_fraction():
    dae = kerasgen.models.DenoisingAutoencoder(noise="masking", noise_level=0.3,
                                               image_shape=(8, 8, 1), hidden_dims=(8,))
    corrupted = np.array(dae.corrupt(np.ones((64, 8, 8, 1), "float32")))
    assert abs((corrupted == 0).mean() - 0.3) < 0.03
