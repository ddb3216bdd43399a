import numpy as np
import pytest
import tensorflow as tf

from kerasgen.layers import MaskedConv2D
from kerasgen.layers.masked import causal_mask


def _dependencies(layer, size=5, channels=1):
    """d output(r, c) / d input, as a boolean (H, W, H, W) map, one output pixel per example."""
    x = tf.random.normal((size * size, size, size, channels), seed=0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x), -1)  # (N, H, W)
        picked = tf.reduce_sum(y * tf.reshape(tf.eye(size * size), (-1, size, size)))
    grad = tf.reduce_sum(tf.abs(tape.gradient(picked, x)), -1).numpy()  # (N, H, W)
    return grad.reshape(size, size, size, size) > 0


@pytest.mark.parametrize("mask_type, order, kernel", [
    ("A", "raster", (3, 3)), ("B", "raster", (3, 3)), ("A", "raster", (1, 5)),
    ("B", "raster", (1, 3)), ("A", "rows", (3, 3)), ("B", "rows", (5, 3))])
def test_each_output_sees_exactly_the_taps_its_mask_keeps(mask_type, order, kernel):
    layer = MaskedConv2D(4, kernel, mask_type, order)
    deps = _dependencies(layer)
    support = causal_mask(kernel, mask_type, order)[..., 0, 0] > 0
    kh, kw = kernel
    for r in range(5):
        for c in range(5):
            expected = np.zeros((5, 5), bool)
            for a in range(kh):
                for b in range(kw):
                    rr, cc = r + a - kh // 2, c + b - kw // 2
                    if support[a, b] and 0 <= rr < 5 and 0 <= cc < 5:
                        expected[rr, cc] = True
            np.testing.assert_array_equal(deps[r, c], expected, err_msg=f"pixel {(r, c)}")
            if order == "rows" and mask_type == "B":
                continue  # sees its whole row: causal only on a vertical stack's features
            earlier = np.arange(25).reshape(5, 5) < r * 5 + c + (mask_type == "B")
            assert not (deps[r, c] & ~earlier).any()  # causal in raster order


def test_the_kernel_holds_only_the_box_of_kept_taps():
    rows_b = MaskedConv2D(2, 3, "B", "rows")
    rows_b.build((None, 5, 5, 1))
    assert tuple(rows_b.kernel.shape) == (2, 3, 1, 2)
    raster_a = MaskedConv2D(2, (1, 5), "A")
    raster_a.build((None, 5, 5, 1))
    assert tuple(raster_a.kernel.shape) == (1, 2, 1, 2)
    with pytest.raises(ValueError, match="keeps no tap"):
        MaskedConv2D(2, 1, "A").build((None, 5, 5, 1))


def test_grouped_centre_tap_orders_sub_pixels():
    mask = causal_mask((1, 1), "A", in_channels=3, out_channels=6, groups=3)[0, 0]
    # output channel j is sub-pixel j % 3: R sees nothing, G sees R, B sees R and G
    np.testing.assert_array_equal(mask[:, 0], [0, 0, 0])
    np.testing.assert_array_equal(mask[:, 1], [1, 0, 0])
    np.testing.assert_array_equal(mask[:, 5], [1, 1, 0])
    mask_b = causal_mask((1, 1), "B", in_channels=3, out_channels=3, groups=3)[0, 0]
    np.testing.assert_array_equal(mask_b, np.triu(np.ones((3, 3))))
    layer = MaskedConv2D(6, 1, "A", groups=3)
    x = tf.random.normal((1, 2, 2, 3))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)[0, 1, 1, 4]  # a G output
    grad = tape.gradient(y, x)[0, 1, 1].numpy()
    assert grad[0] != 0 and grad[1] == 0 and grad[2] == 0


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="mask_type"):
        MaskedConv2D(2, 3, "C")
    with pytest.raises(ValueError, match="odd"):
        MaskedConv2D(2, 4)
    with pytest.raises(ValueError, match="multiple of groups"):
        MaskedConv2D(4, 3, groups=3)
