"""When SIGTERM is bounded by Celery's soft shutdown (backend/shutdown.py)."""

import pytest
from backend.shutdown import sigterm_is_bounded


def test_sigterm_is_bounded_when_remapped_to_sigquit_with_a_budget():
    assert sigterm_is_bounded(environ={"REMAP_SIGTERM": "SIGQUIT"}, soft_shutdown_timeout=90)


@pytest.mark.parametrize(
    ("environ", "timeout"), [({}, 90), ({"REMAP_SIGTERM": "SIGTERM"}, 90), ({"REMAP_SIGTERM": "SIGQUIT"}, 0)]
)
def test_sigterm_is_unbounded_without_the_remap_or_without_a_budget(environ, timeout):
    assert not sigterm_is_bounded(environ=environ, soft_shutdown_timeout=timeout)
