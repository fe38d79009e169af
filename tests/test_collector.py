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
        assert gc.get_freeze_count() >= len(kept)  # what lived at start-up is out of every collection's walk
        assert all(gc.is_tracked(o) for o in kept)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_what_lives_a_fraction_of_a_second_at_the_paid_rate_leaves_the_walked_generations() -> None:
    # At the paid-broadcast rate a thousand deliveries are in flight for about a second, and the
    # sender allocates at least 14,000 tracked objects a second net of those freed (measured:
    # docs/delivery.md). A collection of a generation holding the deliveries walks them all:
    # within 10,000 allocations they must be in the oldest generation, which only full
    # collections walk, and those must stay rare (none in 100,000 allocations).
    before = gc.get_threshold()
    gc.collect()
    try:
        settle_collector()
        in_flight = [[n] for n in range(2_000)]
        full = gc.get_stats()[2]["collections"]
        churn = [[] for _ in range(10_000)]
        oldest = {id(o) for o in gc.get_objects(generation=2)}
        assert all(id(o) in oldest for o in in_flight)
        churn += [[] for _ in range(90_000)]
        assert gc.get_stats()[2]["collections"] == full
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
