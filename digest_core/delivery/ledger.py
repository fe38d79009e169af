"""The delivery ledger: one row per (subscription, digest), claimed with row locks, sent part by part.

A row moves `pending -> sending -> sent`, or to `failed` after the last retry, or to `gone` when
the destination no longer exists. Before a part leaves, the row says so (`sending_part`, the
announcement); each acknowledged part is then recorded at once, so a process killed mid-delivery
resumes after the last part the platform acknowledged, and a part whose announcement cannot be
written is never sent. A part announced but never acknowledged is in doubt: it was handed to the
platform, and it is not sent again (at most once). A row stays
claimed (`sending`) for a lease that every recorded part renews. One process at a time sends for
a platform (see `sender_lock`): when it takes over, it reclaims the dead sender's rows at once
(`take_over`); a claim whose lease ran out is taken over too, as a fallback.

A claim is one set-based statement: `UPDATE ... WHERE id IN (SELECT ... ORDER BY id LIMIT n
FOR UPDATE SKIP LOCKED) RETURNING ...`, on an index of (platform, state, id), so that its cost
does not grow with the number of rows waiting.

Publications (one per topic and date) are claimed the same way, so that of several processes
only one builds a digest while the others wait for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Date,
    Integer,
    String,
    Table,
    bindparam,
    case,
    func,
    literal,
    null,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from digest_core.clock import Clock, utc_now
from digest_core.delivery.ports import Destination
from digest_core.errors import WritesRefused
from digest_core.redaction import stored_text
from digest_core.storage.faults import refusal, writes_refused
from digest_core.storage.tables import DeliveryRow, PublicationRow, SubscriptionRow
from digest_core.storage.unit_of_work import UnitOfWork
from digest_core.storage.upsert import conflict_insert
from digest_core.storage.utc_datetime import UtcDateTime

PENDING, SENDING, SENT, FAILED, GONE = "pending", "sending", "sent", "failed", "gone"
STATES = (PENDING, SENDING, SENT, FAILED, GONE)


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker now owns: where it goes, and the parts already acknowledged."""

    id: int
    subscription_id: int
    destination: Destination
    topic: str
    date: date
    attempts: int
    message_ids: tuple[str, ...]  # a tuple: the garbage collector stops tracking it (the empty one is shared)
    sending_part: int | None = None

    @property
    def in_doubt(self) -> bool:
        """The previous sender announced the next part and stopped before its acknowledgement was
        recorded: the platform may have it, so it is not sent again."""
        return self.sending_part is not None and self.sending_part == len(self.message_ids)


@dataclass(frozen=True)
class DeliveryCounts:
    by_state: dict[str, int]
    failures: list[tuple[str, str, date, str]]  # destination, topic, date, last error


ANALYZE_AFTER = 1000  # rows created at once after which PostgreSQL's statistics are refreshed
WRITE_WINDOW = 0.01  # seconds the writes of sent parts are gathered before one transaction writes them
# delivery, worker, state, message ids, part being sent, the write's outcome
_Queued = tuple[int, str, str, list[str], int | None, "asyncio.Future[bool]"]


class DeliveryLedger:
    def __init__(
        self,
        engine: AsyncEngine,
        lease: timedelta = timedelta(minutes=2),
        clock: Clock = utc_now,
        write_window: float = WRITE_WINDOW,
        timer: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`write_window` (seconds): how long the announcements and recordings of sent parts are
        gathered before they are written together (one transaction, one statement per kind), on
        `timer` (default: the event loop's) and `sleep`, injectable for tests in virtual time."""
        self._engine = engine
        self.write_window = write_window
        self._timer = timer
        self._sleep = sleep
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.unit_of_work = UnitOfWork(engine)
        self.lease = lease
        self._clock = clock
        self._sqlite = engine.dialect.name == "sqlite"
        self._sqlite_writes: asyncio.Lock | None = None
        self._queued: list[_Queued] = []
        self._queued_since = 0.0  # the loop's time when the first write now queued was queued
        self._flusher: asyncio.Task[None] | None = None
        self._owned_statement: Any = None
        self._owned_driver: tuple[str, list[tuple[str, Any, Any]]] | None = None

    def _now(self) -> datetime:
        return self._clock()

    def _time(self) -> float:
        return self._timer() if self._timer else asyncio.get_running_loop().time()

    @property
    def url(self) -> URL:
        """The database's URL (render it with `hide_password=True`)."""
        return self._engine.url

    @asynccontextmanager
    async def _joined(self, tx: AsyncSession | None) -> AsyncIterator[AsyncSession]:
        """`tx` when a unit of work is under way (its owner commits), else a write transaction of our own."""
        if tx is not None:
            yield tx
            return
        async with self._writing() as session:
            yield session

    @asynccontextmanager
    async def _refusals(self) -> AsyncIterator[None]:
        """`WritesRefused` when the database refuses a write (read-only, disk full, rights revoked),
        whereas a lost connection raises the driver's error (retried)."""
        try:
            yield
        except WritesRefused:
            raise
        except Exception as exc:
            reason = refusal(exc)
            if reason is None:
                raise
            raise writes_refused(self._engine.url, reason) from exc

    @asynccontextmanager
    async def _one_writer(self) -> AsyncIterator[None]:
        """On SQLite, one write transaction at a time in this process (SQLite has one writer; the
        others would only wait on its lock), and across processes WAL and a busy timeout queue them."""
        if not self._sqlite:
            yield
            return
        if self._sqlite_writes is None:
            self._sqlite_writes = asyncio.Lock()
        async with self._sqlite_writes:
            yield

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        """A write transaction (an ORM session), with `_refusals` and `_one_writer`."""
        async with self._refusals(), self._one_writer(), self._sessions.begin() as session:
            yield session

    def _insert(self, table: Any) -> Any:
        return conflict_insert(self._engine.dialect.name, table)

    # --- publications -------------------------------------------------------------------------

    async def claim_publication(self, topic: str, day: date, worker: str, stale_after: timedelta) -> bool:
        """True when this worker should build and publish (topic, day): nobody has, or a builder died."""
        now = self._now()
        async with self._writing() as session:
            stmt = (
                self._insert(PublicationRow.__table__)
                .values(topic=topic, date=day, state="building", claimed_by=worker, claimed_at=now)
                .on_conflict_do_nothing()
            )
            if (await session.execute(stmt)).rowcount:  # type: ignore[attr-defined]
                return True
            row = await session.scalar(
                select(PublicationRow)
                .where(PublicationRow.topic == topic, PublicationRow.date == day)
                .with_for_update(skip_locked=True)
            )
            if row is None:
                return False  # another worker holds it right now
            stale = row.state == "building" and row.claimed_at < now - stale_after
            if row.state == "failed" or stale:
                row.state, row.claimed_by, row.claimed_at, row.error = "building", worker, now, None
                return True
            return False

    async def finish_publication(self, topic: str, day: date, worker: str, error: str | None = None) -> None:
        async with self._writing() as session:
            await session.execute(
                update(PublicationRow)
                .where(PublicationRow.topic == topic, PublicationRow.date == day, PublicationRow.claimed_by == worker)
                .values(
                    state="failed" if error else "done",
                    error=stored_text(error) if error else None,
                    claimed_at=self._now(),
                )
            )

    async def publication_state(self, topic: str, day: date) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(PublicationRow.state).where(PublicationRow.topic == topic, PublicationRow.date == day)
            )

    # --- deliveries ---------------------------------------------------------------------------

    async def create(self, topic: str, day: date, subscription_ids: Sequence[int]) -> int:
        """One pending delivery per subscription for (topic, day); existing ones are left alone."""
        if not subscription_ids:
            return 0
        now = self._now()
        created = 0
        async with self._writing() as session:
            for start in range(0, len(subscription_ids), 500):
                chunk = list(subscription_ids[start : start + 500])
                platforms = await session.execute(
                    select(SubscriptionRow.id, SubscriptionRow.platform, SubscriptionRow.shard).where(
                        SubscriptionRow.id.in_(chunk)
                    )
                )
                rows = [
                    {
                        "subscription_id": sid,
                        "platform": platform,
                        "shard": shard,
                        "topic": topic,
                        "date": day,
                        "state": PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "message_ids": [],
                        "created_at": now,
                        "updated_at": now,
                    }
                    for sid, platform, shard in platforms.all()
                ]
                if rows:
                    stmt = self._insert(DeliveryRow.__table__).values(rows).on_conflict_do_nothing()
                    created += (await session.execute(stmt)).rowcount or 0  # type: ignore[attr-defined]
            if created >= ANALYZE_AFTER and not self._sqlite:
                # Keep the planner's statistics current: on fresh rows it would scan the whole index.
                await session.execute(text("ANALYZE deliveries"))
        return created

    async def queue_topic(self, topic: str, day: date) -> int:
        """One pending delivery per active subscription to `topic` for `day`, in one INSERT ...
        SELECT (no subscription is loaded into memory); existing ones are left alone. How many."""
        now = self._now()
        columns = [
            "subscription_id",
            "platform",
            "shard",
            "topic",
            "date",
            "state",
            "attempts",
            "next_attempt_at",
            "message_ids",
            "created_at",
            "updated_at",
        ]
        rows = select(
            SubscriptionRow.id,
            SubscriptionRow.platform,
            SubscriptionRow.shard,
            literal(topic, String()),
            literal(day, Date()),
            literal(PENDING, String()),
            literal(0, Integer()),
            literal(now, UtcDateTime()),
            literal([], JSON()),
            literal(now, UtcDateTime()),
            literal(now, UtcDateTime()),
        ).where(SubscriptionRow.topic == topic, SubscriptionRow.active.is_(True))
        stmt = self._insert(DeliveryRow.__table__).from_select(columns, rows).on_conflict_do_nothing()
        async with self._writing() as session:
            created = int((await session.execute(stmt)).rowcount or 0)  # type: ignore[attr-defined]
            if created >= ANALYZE_AFTER and not self._sqlite:
                await session.execute(text("ANALYZE deliveries"))
        return created

    async def claim(
        self,
        worker: str,
        limit: int = 20,
        topic: str | None = None,
        platforms: Sequence[str] | None = None,
        own_except: Collection[int] | None = None,
        shard: str | None = None,
    ) -> list[Claimed]:
        """Take up to `limit` deliveries that are due, or whose previous sender's lease ran out
        (only for `topic`, `platforms` and `shard` when given), in one set-based update per kind.

        With `own_except` (the deliveries this worker has in progress), this worker's other claims
        are taken again: a claim whose answer was lost with a database connection."""
        now = self._now()
        where = [
            SubscriptionRow.active.is_(True),  # a destination found gone is not tried again
            *([DeliveryRow.topic == topic] if topic else []),
            *([DeliveryRow.platform.in_(platforms)] if platforms is not None else []),
            *([DeliveryRow.shard == shard] if shard is not None else []),
        ]
        stale = [DeliveryRow.state == SENDING, DeliveryRow.claimed_at < now - self.lease]
        due = [DeliveryRow.state == PENDING, DeliveryRow.next_attempt_at <= now]
        kinds = [stale, due]
        if own_except is not None:
            kinds.insert(
                0,
                [
                    DeliveryRow.state == SENDING,
                    DeliveryRow.claimed_by == worker,
                    DeliveryRow.id.not_in(list(own_except)),
                ],
            )
        claimed: list[Claimed] = []
        async with self._writing() as session:
            for condition in kinds:
                if len(claimed) >= limit:
                    break
                candidates = (
                    select(DeliveryRow.id)
                    .join(SubscriptionRow, SubscriptionRow.id == DeliveryRow.subscription_id)
                    .where(*condition, *where)
                    .order_by(DeliveryRow.id)
                    .limit(limit - len(claimed))
                    .with_for_update(skip_locked=True, of=DeliveryRow)
                )
                claimed += await self._take(session, candidates, condition, worker, now)
        return claimed

    async def _take(
        self, session: AsyncSession, candidates: Any, condition: list[Any], worker: str, now: datetime
    ) -> list[Claimed]:
        """Mark the candidate rows as claimed by `worker` in one statement; the claimed deliveries.
        The repeated condition keeps the update safe where FOR UPDATE does not exist (SQLite)."""
        # Materialized, so that PostgreSQL runs the locking SELECT once (a subquery with LIMIT and
        # SKIP LOCKED that it re-scans could pick more than `limit` rows).
        chosen = candidates.cte("chosen").prefix_with("MATERIALIZED")
        taken = await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(select(chosen.c.id)), *condition)
            .values(state=SENDING, claimed_by=worker, claimed_at=now, updated_at=now)
            .returning(
                DeliveryRow.id,
                DeliveryRow.subscription_id,
                DeliveryRow.topic,
                DeliveryRow.date,
                DeliveryRow.attempts,
                DeliveryRow.message_ids,
                DeliveryRow.sending_part,
                DeliveryRow.shard,
            )
            .execution_options(synchronize_session=False)
        )
        rows = sorted(taken.all(), key=lambda r: r.id)
        if not rows:
            return []
        subs = await session.execute(
            select(
                SubscriptionRow.id, SubscriptionRow.platform, SubscriptionRow.destination, SubscriptionRow.thread_id
            ).where(SubscriptionRow.id.in_({r.subscription_id for r in rows}))
        )
        where_to = {sid: (p, d, t or None) for sid, p, d, t in subs.all()}
        return [
            Claimed(
                r.id,
                r.subscription_id,
                Destination(*where_to[r.subscription_id], via=r.shard),
                r.topic,
                r.date,
                r.attempts,
                tuple(r.message_ids or ()),
                r.sending_part,
            )
            for r in rows
        ]

    async def take_over(self, platform: str, worker: str, shard: str = "") -> int:
        """Make a dead sender's claims on `platform` (and `shard`) claimable now (the new sender holds
        their sender lock, so nobody else is sending them); how many. Acknowledged parts stay."""
        async with self._writing() as session:
            result = await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.platform == platform, DeliveryRow.shard == shard)
                .where(DeliveryRow.state == SENDING, DeliveryRow.claimed_by != worker)
                .values(state=PENDING, claimed_by=None, next_attempt_at=self._now(), updated_at=self._now())
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def recorded_parts(self, delivery_id: int, worker: str) -> list[str] | None:
        """The parts recorded for a delivery this worker still owns; None when it lost the claim."""
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(DeliveryRow.message_ids, DeliveryRow.claimed_by, DeliveryRow.state).where(
                        DeliveryRow.id == delivery_id
                    )
                )
            ).first()
        if row is None or row.claimed_by != worker or row.state != SENDING:
            return None
        return list(row.message_ids or [])

    async def _update_owned(
        self, session: AsyncSession | AsyncConnection, delivery_id: int, worker: str, **values: Any
    ) -> bool:
        result = await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id, DeliveryRow.claimed_by == worker, DeliveryRow.state == SENDING)
            .values(updated_at=self._now(), **values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def announce(self, delivery_id: int, worker: str, part: int, message_ids: Sequence[str]) -> bool:
        """Record that part `part` is about to leave (after the `message_ids` before it) and renew
        the lease, before it is sent; False if this worker lost the claim."""
        return await self._grouped(delivery_id, worker, SENDING, message_ids, part)

    async def record_part(self, delivery_id: int, worker: str, message_ids: Sequence[str]) -> bool:
        """Record acknowledged parts and renew the lease; False if this worker lost the claim."""
        return await self._grouped(delivery_id, worker, SENDING, message_ids, None)

    async def mark_sent(self, delivery_id: int, worker: str, message_ids: Sequence[str]) -> bool:
        """Record the last part acknowledged: the delivery is sent (its last error cleared)."""
        return await self._grouped(delivery_id, worker, SENT, message_ids, None)

    async def _grouped(
        self, delivery_id: int, worker: str, state: str, message_ids: Sequence[str], sending_part: int | None
    ) -> bool:
        """An owned-row update committed together with the others queued meanwhile (group commit):
        a fan-out records one part per message, and one transaction each would make the database,
        not the platform, the limit. If the transaction fails, every update in it fails (none was
        recorded) and each caller checks what was recorded before trying again."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if not self._queued:
            self._queued_since = self._time()
        self._queued.append((delivery_id, worker, state, list(message_ids), sending_part, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        # Not shielded: the future is this caller's alone; if it is cancelled, the flusher still
        # writes its row and skips its answer (no shield's future and callbacks per write).
        return await done

    async def drain(self) -> None:
        """Wait until every queued write is written and the writer has let go of its connection."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.wait({self._flusher})

    async def _flush(self) -> None:
        """Write what is queued, a window's worth per transaction, on one connection kept while
        writes keep coming (no pool checkout, ping or reset per transaction). The window runs from
        the first queued write: writes that queued while the last transaction ran have waited it out
        already and go at once. A failed transaction fails its own writes only; the next ones get a
        fresh connection."""
        while self._queued:
            batch: list[_Queued] = []
            try:
                async with self._engine.connect() as conn:  # Core: these small updates pay for no ORM session
                    while self._queued:
                        wait = self._queued_since + self.write_window - self._time()
                        if wait > 0:  # gather the writes of the moment: one statement writes them all
                            await self._sleep(wait)
                        batch, self._queued = self._queued, []
                        async with self._refusals(), self._one_writer(), conn.begin():
                            owned = await self._update_owned_set(conn, batch)
                        for delivery_id, worker, *_, done in batch:
                            if not done.done():
                                done.set_result((delivery_id, worker) in owned)
                        batch = []
            except BaseException as exc:
                if not batch:  # no connection at all: what waits now fails with it
                    batch, self._queued = self._queued, []
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(exc) if isinstance(exc, Exception) else done.cancel()
                if not isinstance(exc, Exception):
                    raise

    def _owned_update(self) -> Any:
        """The one statement of every owned-row write (announce, record a part, mark sent), built
        once: an executemany of it writes a whole batch, whatever mix of kinds it holds."""
        if self._owned_statement is None:
            table = cast(Table, DeliveryRow.__table__)
            state, now = bindparam("b_state", type_=String()), bindparam("b_now", type_=table.c.updated_at.type)
            self._owned_statement = (
                update(table)
                .where(table.c.id == bindparam("b_id"), table.c.claimed_by == bindparam("b_worker"))
                .where(table.c.state == SENDING)
                .values(
                    state=state,
                    message_ids=bindparam("b_message_ids", type_=table.c.message_ids.type),
                    sending_part=bindparam("b_sending_part", type_=Integer()),
                    claimed_at=now,  # the lease renewed
                    updated_at=now,
                    last_error=case((state == SENT, null()), else_=table.c.last_error),
                )
            )
        return self._owned_statement

    def _owned_driver_sql(self) -> tuple[str, list[tuple[str, Any, Any]]]:
        """`_owned_update` compiled once for this database: its SQL, and per positional parameter
        its name, its constant value (None: from the row) and its type's bind processor."""
        if self._owned_driver is None:
            dialect = self._engine.dialect
            compiled = self._owned_update().compile(dialect=dialect)
            order = []
            for name in compiled.positiontup or ():
                bind = compiled.binds[name]
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                constant = None if name.startswith("b_") else bind.value
                order.append((name, constant, processor))
            self._owned_driver = (compiled.string, order)
        return self._owned_driver

    async def _update_owned_set(self, conn: AsyncConnection, batch: Sequence[_Queued]) -> set[tuple[int, str]]:
        """The queued owned-row updates in one executemany; the (delivery, worker) pairs that were
        still owned by their worker. The statement is compiled once and its parameters built here
        as the driver takes them (the batch's time and the constants converted once, not per row):
        SQLAlchemy's per-row, per-parameter processing of an executemany was a quarter of a
        paid-broadcast send's CPU."""
        sql, order = self._owned_driver_sql()
        fixed: dict[str, Any] = {}
        for name, constant, processor in order:
            if constant is not None or name == "b_now":
                value = self._now() if name == "b_now" else constant
                fixed[name] = processor(value) if processor is not None else value
        json_ids = next(p for n, _, p in order if n == "b_message_ids")
        rows = []
        for i, w, s, m, p, _ in batch:
            row = {"b_id": i, "b_worker": w, "b_state": s, "b_sending_part": p}
            row["b_message_ids"] = json_ids(m) if json_ids is not None else m
            rows.append(tuple(fixed[n] if n in fixed else row[n] for n, _, _ in order))
        result = await conn.exec_driver_sql(sql, rows)
        pairs = {(i, w) for i, w, *_ in batch}
        if result.rowcount == len(rows):  # SQLite counts the rows of an executemany; asyncpg does not
            return pairs
        table = cast(Table, DeliveryRow.__table__)
        still_ours = select(table.c.id, table.c.claimed_by).where(
            table.c.id.in_({i for i, _ in pairs}), table.c.state.in_([SENDING, SENT])
        )
        return pairs & {(i, w) for i, w in (await conn.execute(still_ours)).all()}

    async def mark_gone(self, delivery_id: int, worker: str, error: str, tx: AsyncSession | None = None) -> bool:
        async with self._joined(tx) as session:
            values = {"state": GONE, "sending_part": None, "last_error": stored_text(error)}
            return await self._update_owned(session, delivery_id, worker, **values)

    async def mark_retry(
        self, delivery_id: int, worker: str, error: str, attempts: int, max_attempts: int, backoff: timedelta
    ) -> str:
        """Count a failed attempt: back to pending after `backoff`, or `failed` after the last one."""
        state = FAILED if attempts >= max_attempts else PENDING
        async with self._writing() as session:
            await self._update_owned(
                session,
                delivery_id,
                worker,
                state=state,
                attempts=attempts,
                last_error=stored_text(error),
                next_attempt_at=self._now() + backoff,
                claimed_by=None,
                sending_part=None,  # the platform refused the part: it is sent again next time
            )
        return state

    async def close_destination(self, destination: Destination, reason: str, tx: AsyncSession | None = None) -> int:
        """Mark every pending delivery to a destination that is gone as `gone` too; how many."""
        subs = select(SubscriptionRow.id).where(
            SubscriptionRow.platform == destination.platform,
            SubscriptionRow.destination == destination.id,
            SubscriptionRow.thread_id == (destination.thread_id or ""),
        )
        async with self._joined(tx) as session:
            result = await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.state == PENDING, DeliveryRow.subscription_id.in_(subs))
                .values(state=GONE, last_error=stored_text(reason), updated_at=self._now())
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def pending_count(self, topic: str | None = None, day: date | None = None) -> int:
        """Deliveries not finished yet (pending or sending)."""
        conditions: list[ColumnElement[bool]] = [DeliveryRow.state.in_([PENDING, SENDING])]
        if topic:
            conditions.append(DeliveryRow.topic == topic)
        if day:
            conditions.append(DeliveryRow.date == day)
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(DeliveryRow).where(*conditions)) or 0)

    async def counts(self, topic: str | None = None) -> DeliveryCounts:
        async with self._sessions() as session:
            where = [DeliveryRow.topic == topic] if topic else []
            rows = await session.execute(
                select(DeliveryRow.state, func.count()).where(*where).group_by(DeliveryRow.state)
            )
            by_state = dict.fromkeys(STATES, 0) | {state: int(n) for state, n in rows.all()}
            failed = await session.execute(
                select(
                    SubscriptionRow.platform,
                    SubscriptionRow.destination,
                    DeliveryRow.topic,
                    DeliveryRow.date,
                    DeliveryRow.last_error,
                )
                .join(SubscriptionRow, SubscriptionRow.id == DeliveryRow.subscription_id)
                .where(DeliveryRow.state.in_([FAILED, GONE]), *where)
                .order_by(DeliveryRow.updated_at.desc())
                .limit(20)
            )
            failures = [(f"{p}:{d}", t, day, e or "") for p, d, t, day, e in failed.all()]
        return DeliveryCounts(by_state, failures)
