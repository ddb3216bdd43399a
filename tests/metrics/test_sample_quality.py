import pytest

from kerasgen.metrics.sample_quality import HIGHER_IS_BETTER
from kerasgen.metrics.sample_quality import SAMPLE_METRICS
from kerasgen.metrics.sample_quality import register_sample_metric


def test_registry_records_what_each_metric_reads_and_which_way_it_improves():
    assert {name: (m.needs, m.higher_is_better) for name, m in SAMPLE_METRICS.items()} == {
        "fid": ("features", False), "kid": ("features", False), "is": ("features", True),
        "pr": ("features", True), "swd": ("images", False), "ms_ssim": ("images", False)}
    # the greedy-soup criteria agree with the registry
    assert all(SAMPLE_METRICS[name].higher_is_better is up
               for name, up in HIGHER_IS_BETTER.items())
    with pytest.raises(KeyError, match="'swd' is already registered"):
        register_sample_metric("swd")(lambda real, generated, **context: {})
    with pytest.raises(ValueError, match="higher_is_better must be True, False or None; "
                                         "received 'lower'"):
        register_sample_metric("new_metric", higher_is_better="lower")(lambda *a, **k: {})
    assert "new_metric" not in SAMPLE_METRICS
