"""run.gc_paused: the collector is paused inside the block and its previous state comes back."""

from __future__ import annotations

import gc

import pytest

from gigawatt.simulate.run import gc_paused


@pytest.mark.parametrize("enabled_before", [True, False])
def test_gc_paused_restores_the_previous_state(enabled_before: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled_before else gc.disable)()
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled_before
        with pytest.raises(RuntimeError), gc_paused():
            raise RuntimeError("boom")
        assert gc.isenabled() is enabled_before
    finally:
        (gc.enable if was else gc.disable)()
