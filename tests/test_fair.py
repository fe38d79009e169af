"""One round-robin for every per-build cap: groups in turn, the `first` items before the others."""

from __future__ import annotations

from digest_core.fetch.fair import in_turn


def test_items_are_taken_one_group_after_another_in_turn() -> None:
    items = ["a1", "a2", "a3", "b1", "c1", "c2"]
    assert in_turn(items, lambda i: i[0]) == ["a1", "b1", "c1", "a2", "c2", "a3"]


def test_the_first_ones_come_before_the_others_each_part_in_turn() -> None:
    items = ["a1", "a2*", "b1*", "b2", "c1", "a3*"]
    got = in_turn(items, lambda i: i[0], first=lambda i: i.endswith("*"))
    assert got == ["a2*", "b1*", "a3*", "a1", "b2", "c1"]
    assert in_turn([None, 0, None], lambda i: i is None) == [None, 0, None]  # falsy items are kept
