"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from digest_core.storage.db import alembic_config, create_schema
from digest_core.storage.tables import Base


def differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await conn.run_sync(differences) == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert await conn.run_sync(revision) == head


async def test_upgrading_again_changes_nothing(engine: AsyncEngine) -> None:
    await create_schema(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(differences) == []


def test_every_table_is_defined_in_storage_tables() -> None:
    """Only `digest_core/storage/tables.py` defines tables (found in the source, not by importing:
    a table defined elsewhere and not imported would be missing from Alembic's metadata)."""
    root = Path(__file__).resolve().parent.parent
    defining = {
        path.relative_to(root).as_posix()
        for path in (root / "digest_core").rglob("*.py")
        if re.search(r"^class \w+\(Base\):|^\w+ = Table\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    assert defining == {"digest_core/storage/tables.py"}
    assert len(Base.metadata.tables) == 10


def test_the_documented_autogenerate_command_writes_an_empty_migration(tmp_path: Path) -> None:
    """The command docs/operators.md gives, in a fresh interpreter (no table module imported
    beforehand), against a database migrated to head: the migration it writes changes nothing."""
    root = Path(__file__).resolve().parent.parent
    command = ["-m", "digest_core.storage.migrations.autogen", "--into", str(tmp_path), "check"]
    assert "python " + " ".join(command[:2]) + ' --into DIR "check"' in (root / "docs" / "operators.md").read_text()
    done = subprocess.run(
        [sys.executable, *command], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    written = list(tmp_path.glob("*.py"))
    assert len(written) == 1, done.stderr
    body = written[0].read_text()
    assert "def upgrade() -> None:" in body
    assert re.findall(r"\bop\.\w+", body) == [], body
