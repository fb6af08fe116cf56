"""The KD weight schedule set from config."""
import pytest

from mmpose_ext.engine import kd_weight_factor


@pytest.mark.parametrize('schedule, progress, expected', [
    ('constant', 0.7, 1.0), ('linear', 0.25, 0.75), ('cosine', 0.5, 0.5),
    ('step', 0.4, 1.0), ('step', 0.6, 0.0)])
def test_kd_weight_schedules(schedule, progress, expected):
    assert kd_weight_factor(schedule, progress) == pytest.approx(expected)


def test_unknown_kd_schedule_is_refused():
    with pytest.raises(ValueError, match="unknown KD weight schedule"):
        kd_weight_factor('exp', 0.1)
