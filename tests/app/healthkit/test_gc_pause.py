"""gc_paused: no cyclic collection inside, the collector as it was after (errors included)."""

import gc

import pytest
from healthkit.gc_pause import gc_paused


def test_the_collector_is_off_inside_and_on_again_after():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_turns_the_collector_on_again():
    with pytest.raises(ZeroDivisionError), gc_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off_and_nested_blocks_keep_it_off():
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()  # the inner block did not turn it on
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
