"""The story evaluation's figures (docs/editorial.md, "Measured: stories"), asserted: five labelled days
(the two fixture days and the three hand-written eval days, descriptions read as leads)."""

from __future__ import annotations

import pytest

from digest_core.topics import Topic
from testkit.editorial_metrics import BASELINE
from tests.story_eval import StoryFigures, eval_digests, story_figures


@pytest.fixture(scope="module")
def figures() -> StoryFigures:
    from digest_core.topics import load_topics

    topic: Topic = load_topics().get("china-japan")
    days = eval_digests(topic)
    assert len(days) == 5
    # no event of an eval day continues one of the day before (their story labels are all distinct)
    total = [story_figures(digest, previous, continuing_truth=set()) for _, digest, previous in days]
    out = total[0]
    for f in total[1:]:
        out += f
    return out


def test_every_story_has_a_title_and_no_title_of_several_outlets_copies_a_headline(figures: StoryFigures) -> None:
    assert figures.stories == 41  # 42 before issue #26's round 3 kept the off-topic Ishigaki shelters piece
    assert figures.titled == figures.stories
    assert figures.multi_outlet == 12 and figures.neutral == figures.multi_outlet


def test_every_top_story_with_a_lead_says_what_happened_and_no_sentence_copies_a_headline(
    figures: StoryFigures,
) -> None:
    assert (figures.top, figures.top_with_leads) == (10, 8)
    assert figures.happened == figures.top_with_leads
    assert figures.sentences == 30 and figures.not_copies == figures.sentences


def test_every_side_line_names_its_outlets(figures: StoryFigures) -> None:
    assert figures.side_lines == 20 and figures.named == figures.side_lines


def test_false_changed_signals_are_counted(figures: StoryFigures) -> None:
    # the first day of each run has no status at all; on the eval days two stories were called
    # "continuing" (an envoy's protest and a Yasukuni graffiti arrest) though no event continued.
    # The goal is none; the committed baseline is a ceiling with no margin: every false signal is
    # one a reader sees, so one more is a regression (lower the baseline when one is fixed).
    assert figures.statuses == 24
    assert figures.false_changed <= BASELINE["story_false_changed"]
