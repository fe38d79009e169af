"""The one datetime column type: aware UTC in, aware UTC out, naive input refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """`DateTime(timezone=True)` that stores every moment as UTC and reads it back aware in UTC.

    A naive datetime is refused (`ValueError`): its zone is unknown, so storing it would guess.
    SQLite keeps no zone (its text is the UTC wall time), PostgreSQL a `timestamptz`; either way
    the stored value is the one `DateTime(timezone=True)` wrote, so no data changes."""

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a UTC datetime column takes a datetime, not {type(value).__name__}")
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: give it a time zone (UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        # SQLite hands back the stored UTC wall time without a zone
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def render_type(kind: str, obj: Any, _context: Any) -> str | Literal[False]:
    """Alembic's `render_item`: a `UtcDateTime` written into a migration as the plain
    `sa.DateTime(timezone=True)` it stores as (a migration imports no project code)."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False
