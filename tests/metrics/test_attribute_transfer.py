import numpy as np

from kerasgen.metrics.attribute_transfer import attribute_transfer


class Brightness:
    """A stand-in classifier: attribute 0 = bright image, attribute 1 = red > blue."""

    def probabilities(self, x):
        x = np.asarray(x)
        return np.stack([x.mean(axis=(1, 2, 3)), (x[..., 0] > x[..., 2]).mean(axis=(1, 2))],
                        axis=1)


class MeanFeatures:
    def outputs(self, x):
        x = np.asarray(x)
        rng = np.random.default_rng(len(x))
        return np.concatenate([x.mean(axis=(1, 2)), rng.normal(0, 0.01, (len(x), 3))], 1), None


def test_a_translation_that_brightens_carries_the_attribute_and_keeps_the_others():
    rng = np.random.default_rng(0)
    dark = rng.integers(0, 80, (40, 8, 8, 3)).astype(np.uint8)
    dark[:20, ..., 0] = 70  # half are reddish
    bright = (255 - rng.integers(0, 80, (40, 8, 8, 3))).astype(np.uint8)
    reference = MeanFeatures().outputs(bright / 255.0)[0]
    brighten = lambda x: np.clip(x + 0.7, 0, 1)  # noqa: E731  (keeps red > blue where it was)
    darken = lambda x: np.clip(x - 0.7, 0, 1)  # noqa: E731
    scores = attribute_transfer(brighten, darken, dark, Brightness(), 0, 1, MeanFeatures(),
                                reference, batch_size=16, target_images=bright[:10])
    assert scores["count"] == 40 and scores["target_real"] == 1.0
    assert scores["target_before"] == 0.0 and scores["target_after"] == 1.0
    assert scores["others_unchanged"] > 0.9
    assert scores["fid"] < scores["fid_input"]
    assert 0.0 < scores["cycle_l1"] < 0.3  # clipping loses what was above 0.3
    # A translation that does nothing: the attribute stays absent, the FID stays.
    same = attribute_transfer(lambda x: x, lambda x: x, dark, Brightness(), 0, 1,
                              MeanFeatures(), reference)
    assert same["target_after"] == 0.0 and same["cycle_l1"] == 0.0 and "target_real" not in same
    assert same["others_unchanged"] == 1.0 and abs(same["fid"] - same["fid_input"]) < 1e-9
