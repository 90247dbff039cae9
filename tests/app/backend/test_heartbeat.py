import pytest
from backend.heartbeat import heartbeat_interval


@pytest.mark.parametrize(("max_age", "interval"), [(60, 10.0), (20, 5.0), (1, 0.5)])
def test_the_heartbeat_is_touched_often_enough_to_stay_fresh(max_age, interval):
    assert heartbeat_interval(max_age=max_age) == interval
    assert heartbeat_interval(max_age=max_age) * 3 < max_age or max_age < 2
