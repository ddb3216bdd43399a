import numpy as np
import pytest

import kerasgen


def test_fit_counts_and_log_prob_is_the_smoothed_frequency():
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (40, 3, 2, 3)).astype("uint8")
    model = kerasgen.models.IndependentPixels((3, 2, 3), "categorical", smoothing=0.5)
    model.compile(optimizer="adam")
    history = model.fit(train / 255.0, epochs=1, batch_size=40, verbose=0)
    # The one batch was scored before it was counted: uniform, 18 sub-pixels of 8 bits.
    assert history.history["loss"][0] == pytest.approx(18 * np.log(256), rel=1e-5)
    test = rng.integers(0, 256, (5, 3, 2, 3)).astype("uint8")
    counts = np.zeros((3, 2, 3, 256))
    for image in train:
        for index in np.ndindex(3, 2, 3):
            counts[index + (image[index],)] += 1
    p = (counts + 0.5) / (40 + 256 * 0.5)
    expected = [sum(np.log(p[i + (image[i],)]) for i in np.ndindex(3, 2, 3)) for image in test]
    np.testing.assert_allclose(model.log_prob(test).numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(model.log_prob_map(test).numpy().sum((1, 2)), expected,
                               rtol=1e-5)
    with pytest.raises(ValueError, match=r"shape \(N, 3, 2, 3\); received \(5, 2, 3, 3\)"):
        model.log_prob(test.reshape(5, 2, 3, 3))


def test_samples_follow_the_counted_frequencies():
    model = kerasgen.models.IndependentPixels((2, 2, 1), "bernoulli")
    model.compile(optimizer="adam")
    on = np.zeros((100, 2, 2, 1), "float32")
    on[:80, 0, 0] = 1.0  # pixel (0, 0) on in 80 of 100 images, the others never
    model.fit(on, epochs=1, batch_size=50, verbose=0)
    samples = model.generate(4000, seed=0).numpy()
    assert set(np.unique(samples)) <= {0.0, 1.0}
    assert samples[:, 0, 0].mean() == pytest.approx(81 / 102, abs=0.02)  # Laplace's rule
    assert samples[:, 1, 1].mean() == pytest.approx(1 / 102, abs=0.01)
    with pytest.raises(ValueError, match="models 0/1 images"):
        model.log_prob(np.full((1, 2, 2, 1), 0.5))
