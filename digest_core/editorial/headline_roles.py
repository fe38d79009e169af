"""The roles a headline gives the names in it, read from its wording: the clause that is only the
backdrop ("Japan, Germany hold talks amid China's rising assertiveness": China is the backdrop),
a demand addressed to a country ("Japan should retract erroneous claims", "Tokyo must face up
to its history"; in one side's outlet, a demand on the other side is about their relations; one on
a pair, "U.S. and China should seek a truce", is on neither alone), and a match score ("beat Japan
3-1").
"""

from __future__ import annotations

import re

from digest_core.editorial.names import fold

# A clause that sets the scene rather than names who acts: what follows it is the backdrop.
_BACKDROP = re.compile(r"\s(?:amid|amidst|as fears? (?:of|over)|in the shadow of)\s", re.IGNORECASE)

# Words of obligation or advice after a country's name (at most one word between): "Japan should",
# "Tokyo must not", "Japan's leaders must", "Japan obligated to", "Tokyo wise to".
_DEMAND = (
    r"(?:should|shouldn't|must|mustn't|ought|needs to|need to|in need of|has to|have to|obligated|cannot afford"
    r"|had better|wise to)"
)
# The same addressed before the name: "Enough of Japan's empty talk", "Time for Tokyo to act", and a
# headline that opens by urging its readers to reject the name ("Say no to Japan!"; not "Voters say no to").
_LEADING_DEMAND = r"(?:enough of|time for|^say no to)"


def split_backdrop(title: str) -> tuple[str, str]:
    """The headline's main clause and its backdrop clause (empty when there is none)."""
    match = _BACKDROP.search(title)
    return (title[: match.start()], title[match.end() :]) if match else (title, "")


# A name joined to the one before it ("U.S. and China", "Japan, Vietnam"): a pair is addressed.
_JOINED = re.compile(r"(?:\band|&|,)\s*$", re.IGNORECASE)

# A score ("3-1", "25-20"), not a share, a span or a model number ("5-6 percent", "F-35").
_SCORE = re.compile(
    r"(?<![\w.-])\d{1,2}-\d{1,2}(?![\w.%-])(?!\s*(?:percent|per cent|pct|years?|months?|days?|km|points?)\b)",
    re.IGNORECASE,
)


def demands_of(title: str, names: list[str]) -> bool:
    """Whether the headline demands something of one of `names` (as written in it) alone."""
    text = fold(title)
    for name in dict.fromkeys(names):
        pattern = rf"\b{re.escape(fold(name))}(?:'s)?\s+(?:[\w'-]+\s+)?{_DEMAND}\b"
        for match in re.finditer(pattern, text, re.IGNORECASE):
            if not _JOINED.search(text[: match.start()]):
                return True
        leading = rf"\b{_LEADING_DEMAND}\s+{re.escape(fold(name))}\b(?!\s*(?:,|and|&)\s)"
        if re.search(leading, text, re.IGNORECASE):
            return True
    return False


def score_in(title: str) -> str | None:
    """The match score a headline gives ("3-1"), if any."""
    match = _SCORE.search(title)
    return match[0] if match else None
