"""The garbage collector's settings once the service has started (`settle_collector`)."""

from __future__ import annotations

import gc

from bot.runner import GC_THRESHOLDS, settle_collector


def test_once_started_objects_are_frozen_and_young_collections_are_rarer() -> None:
    before = gc.get_threshold()
    kept = [[n] for n in range(3)]  # tracked containers alive now: frozen by the call
    try:
        settle_collector()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > 700  # Python's default: fewer young collections, short-lived objects die young
        assert gc.get_freeze_count() >= len(kept)  # what lived at start-up is out of every collection's walk
        assert all(gc.is_tracked(o) for o in kept)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
