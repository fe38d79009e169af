"""The use cases on their own, over the real stores (SQLite, and PostgreSQL when configured) and the
fixture feeds: results and typed errors, before any front end renders them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from digest_core.delivery.deliverer import Deliverer
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.ports import Destination
from digest_core.delivery.publication import Publication
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.errors import (
    BuildRateLimited,
    CommandError,
    NoArticlesError,
    NothingToPublish,
    TrendError,
    UserError,
)
from digest_core.fetch.stats import SqlSourceStats
from digest_core.models import Digest
from digest_core.topics import Topic
from digest_core.usecases.service import BuildLimiter
from digest_core.usecases.usecases import DigestQuery, UseCases
from tests.test_service import NOW, FixtureSource, service

CHAT = Destination("console", "stdout")
USAGE = "digest TOPIC [DATE]"


def usecases(engine: AsyncEngine, source: FixtureSource | None = None) -> UseCases:
    digests = service(engine, source or FixtureSource())
    return UseCases(digests, SubscriptionStore(engine), DeliveryLedger(engine), SqlSourceStats(engine))


@pytest.mark.parametrize(
    ("args", "error", "says"),
    [
        (["korea-japan"], CommandError, "Unknown topic 'korea-japan'. Topics: china-japan"),
        ([], CommandError, "Usage: digest TOPIC [DATE]"),
        (["china-japan", "2026-02-25", "extra"], CommandError, "Too many arguments. Usage: digest TOPIC [DATE]"),
        (["china-japan", "25/02/2026"], CommandError, "Malformed date '25/02/2026'"),
        (["china-japan", "2999-01-01"], CommandError, "2999-01-01 is in the future"),
        (["china-japan", "2025-06-01"], NoArticlesError, "No on-topic articles for China vs Japan on 2025-06-01."),
    ],
)
async def test_digest_errors_are_typed_user_errors(
    engine: AsyncEngine, args: list[str], error: type[UserError], says: str
) -> None:
    source = FixtureSource()
    with pytest.raises(error) as info:
        await usecases(engine, source).digest(args, USAGE)
    assert says in str(info.value)
    assert isinstance(info.value, UserError)
    assert source.fetches == (1 if error is NoArticlesError else 0)  # bad input fetches nothing


async def test_digest_builds_once_then_reads_the_archive(engine: AsyncEngine) -> None:
    source = FixtureSource()
    cases = usecases(engine, source)
    first = await cases.digest(["china-japan", "2026-02-25"], USAGE)
    again = await cases.sources(["china-japan", "2026-02-25"], USAGE)
    assert (first.built, again.built, source.fetches) == (True, False, 1)
    assert [a.n for a in again.digest.articles] == list(range(1, len(first.digest.articles) + 1))


class Building:
    """The front end's "typing"/deferral: counts how often a build was waited for."""

    def __init__(self) -> None:
        self.entered = 0

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        self.entered += 1
        yield


async def test_answer_builds_inside_the_front_ends_wait_then_answers_from_the_archive(engine: AsyncEngine) -> None:
    source = FixtureSource()
    cases = usecases(engine, source)
    cases._digests.clock = lambda: datetime(2026, 2, 25, 12, tzinfo=UTC)  # latest complete day: 2026-02-25
    building = Building()
    latest = cases.latest_day(cases.topic("china-japan", ""))
    first = await cases.answer(DigestQuery("latest", ["china-japan"], "/latest TOPIC"), building)
    assert (first.from_archive, first.digest.date, building.entered, source.fetches) == (False, latest, 1, 1)
    for command, args in (("digest", ["china-japan", latest.isoformat()]), ("sources", ["china-japan", None])):
        again = await cases.answer(DigestQuery(command, args, "/x"), building)  # type: ignore[arg-type]
        assert (again.from_archive, again.digest, building.entered, source.fetches) == (True, first.digest, 1, 1)


@pytest.mark.parametrize(
    ("command", "args", "says"),
    [
        ("latest", ["china-japan", "2026-02-20"], "Too many arguments. Usage: /latest TOPIC"),
        ("latest", [], "Usage: /latest TOPIC"),
        ("digest", ["china-japan", "2026-02-25", "x"], "Too many arguments. Usage: /digest TOPIC [DATE]"),
        ("sources", ["mars"], "Unknown topic 'mars'"),
    ],
)
async def test_answer_refuses_bad_input_before_reading_or_building(
    engine: AsyncEngine, command: str, args: list[str], says: str
) -> None:
    source = FixtureSource()
    building = Building()
    usage = {"latest": "/latest TOPIC"}.get(command, f"/{command} TOPIC [DATE]")
    with pytest.raises(CommandError) as info:
        await usecases(engine, source).answer(DigestQuery(command, args, usage), building)  # type: ignore[arg-type]
    assert str(info.value).startswith(says)
    assert (building.entered, source.fetches) == (0, 0)


async def test_a_slow_archive_counts_as_not_archived(engine: AsyncEngine) -> None:
    source = FixtureSource()
    cases = usecases(engine, source)
    query = DigestQuery("digest", ["china-japan", "2026-02-25"], "/digest TOPIC [DATE]")
    stored = (await cases.answer(query)).digest
    read = cases._digests.archived

    async def slow_read(topic: Topic, day: date) -> Digest | None:
        await asyncio.sleep(0.2)  # e.g. every database connection busy
        return await read(topic, day)

    cases._digests.archived = slow_read  # type: ignore[method-assign]
    building = Building()
    answer = await cases.answer(query, building, archive_limit=0.01)
    assert (answer.from_archive, answer.digest, building.entered, source.fetches) == (False, stored, 1, 1)


async def test_chat_requesters_are_held_to_the_build_limit(engine: AsyncEngine) -> None:
    digests = service(engine, FixtureSource(), BuildLimiter(per_user=1, overall=10))
    cases = UseCases(digests, SubscriptionStore(engine))
    await cases.digest(["china-japan", "2026-02-25"], USAGE, requester="telegram:1")
    with pytest.raises(BuildRateLimited, match="try again in"):
        await cases.digest(["china-japan", "2026-02-24"], USAGE, requester="telegram:1")
    assert (await cases.digest(["china-japan", "2026-02-25"], USAGE, requester="telegram:1")).built is False
    with pytest.raises(NoArticlesError):  # an operator (no requester) is not limited: the build runs
        await cases.digest(["china-japan", "2025-06-01"], USAGE)


async def test_subscribe_and_unsubscribe_say_whether_anything_changed(engine: AsyncEngine) -> None:
    cases = usecases(engine)
    first = await cases.subscribe(CHAT, "china-japan", "subscribe TOPIC")
    second = await cases.subscribe(CHAT, "china-japan", "subscribe TOPIC")
    assert (first.changed, second.changed, first.subscribed, first.topic.name) == (True, False, True, "China vs Japan")
    assert [s.topic for s in await cases.subscriptions("console", {"stdout"})] == ["china-japan"]
    assert await cases.subscriptions("telegram") == []
    gone = await cases.unsubscribe(CHAT, "china-japan", "unsubscribe TOPIC")
    again = await cases.unsubscribe(CHAT, "china-japan", "unsubscribe TOPIC")
    assert (gone.changed, again.changed, gone.subscribed) == (True, False, False)
    with pytest.raises(CommandError, match="Unknown topic 'mars'"):
        await cases.subscribe(CHAT, "mars", "subscribe TOPIC")
    assert await cases.subscriptions() == []


async def test_trend_errors(engine: AsyncEngine) -> None:
    cases = usecases(engine)
    with pytest.raises(CommandError, match=r"days must be between 1 and 90, not 91\. Usage: trend"):
        await cases.trend("china-japan", "91", "trend TOPIC [DAYS]")
    with pytest.raises(TrendError, match="no archived digests of china-japan"):
        await cases.trend("china-japan", "7", "trend TOPIC [DAYS]")
    await cases.digest(["china-japan", "2026-02-25"], USAGE)
    chart = await cases.trend("china-japan", "7", "trend TOPIC [DAYS]", end_text="2026-02-25")
    assert (chart.topic_id, chart.end, chart.archived) == ("china-japan", date(2026, 2, 25), 1)


async def test_publish_delivers_and_reports_and_status_follows(engine: AsyncEngine) -> None:
    cases = usecases(engine)
    digests = service(engine, FixtureSource())
    ledger = DeliveryLedger(engine)
    subs = SubscriptionStore(engine)
    publication = Publication(digests, subs, ledger, None, "w")

    class Recording:
        platform = "console"

        def __init__(self) -> None:
            self.sent: list[int] = []

        def render(self, digest: object, destination: Destination) -> list[int]:
            return [0, 1]

        async def send_part(self, destination: Destination, part: int, sent: object, key: str) -> str:
            self.sent.append(part)
            return str(part)

    publisher = Recording()
    deliverer = Deliverer(ledger, digests.store, subs, {"console": publisher}, "w")
    await cases.subscribe(CHAT, "china-japan", "subscribe TOPIC")
    with pytest.raises(NothingToPublish, match="No on-topic articles for China vs Japan on 2025-06-01"):
        await cases.publish(publication, deliverer, ["china-japan", "2025-06-01"], "publish TOPIC")
    report = await cases.publish(publication, deliverer, ["china-japan", "2026-02-25"], "publish TOPIC")
    assert (report.status, report.deliveries_created, report.waiting) == ("published", 1, 0)
    assert report.deliveries.by_state["sent"] == 1 and publisher.sent == [0, 1]

    status = await cases.status()
    [row] = status.topics
    assert (row.topic.id, row.latest, row.summarizer) == ("china-japan", date(2026, 2, 25), "extractive")
    assert row.articles is not None and row.articles > 0
    assert row.next_publish > NOW and row.next_publish - NOW <= timedelta(days=1)
    assert isinstance(row.next_publish, datetime) and status.deliveries.by_state["sent"] == 1
