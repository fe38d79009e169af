"""The roles a headline gives the names in it, read from its wording: the clause that is only the
backdrop ("Japan, Germany hold talks amid China's rising assertiveness": China is the backdrop),
and a demand addressed to a country ("Japan should retract erroneous claims", "Tokyo must face up
to its history"): in one side's outlet, a demand on the other side is about their relations.
"""

from __future__ import annotations

import re

from digest_core.editorial.names import fold

# A clause that sets the scene rather than names who acts: what follows it is the backdrop.
_BACKDROP = re.compile(r"\s(?:amid|amidst|as fears? (?:of|over)|in the shadow of)\s", re.IGNORECASE)

# Words of obligation or advice after a country's name (at most one word between): "Japan should",
# "Tokyo must not", "Japan's leaders must", "Japan obligated to", "Tokyo wise to".
_DEMAND = r"(?:should|shouldn't|must|mustn't|ought|needs to|has to|have to|obligated|cannot afford|had better|wise to)"


def split_backdrop(title: str) -> tuple[str, str]:
    """The headline's main clause and its backdrop clause (empty when there is none)."""
    match = _BACKDROP.search(title)
    return (title[: match.start()], title[match.end() :]) if match else (title, "")


def demands_of(title: str, names: list[str]) -> bool:
    """Whether the headline demands something of one of `names` (as written in it)."""
    text = fold(title)
    for name in dict.fromkeys(names):
        pattern = rf"\b{re.escape(fold(name))}(?:'s)?\s+(?:[\w'-]+\s+)?{_DEMAND}\b"
        if re.search(pattern, text, re.IGNORECASE):
            return True
    return False
