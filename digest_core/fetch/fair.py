"""Taking items one group after another in turn, so that a cap on how many are used leaves no group out."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from itertools import zip_longest
from typing import TypeVar

T = TypeVar("T")
_GAP = object()  # where a group has run out


def in_turn(items: Iterable[T], group: Callable[[T], Hashable], first: Callable[[T], bool] | None = None) -> list[T]:
    """The items, one per group (`group(item)`: a host, an outlet) in turn, each group in the given
    order; with `first`, the items it picks all come before the others (each part taken in turn)."""
    listed = list(items)
    parts = [listed] if first is None else [[i for i in listed if first(i)], [i for i in listed if not first(i)]]
    out: list[T] = []
    for part in parts:
        groups: dict[Hashable, list[T]] = {}
        for item in part:
            groups.setdefault(group(item), []).append(item)
        rows = zip_longest(*groups.values(), fillvalue=_GAP)
        out += [item for row in rows for item in row if item is not _GAP]  # type: ignore[misc]
    return out
