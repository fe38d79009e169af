"""Write a new migration from the difference between the models and the newest migration:
`python -m digest_core.storage.migrations.autogen "add a column"` (review the file it writes)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import Connection

from digest_core.storage.db import alembic_config, create_engine, create_schema, import_tables


async def autogenerate(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'schema.db'}")
        await create_schema(engine)  # the schema as the existing migrations leave it

        def revise(connection: Connection) -> None:
            import_tables()
            command.revision(alembic_config(connection), message=message, autogenerate=True)

        async with engine.begin() as conn:
            await conn.run_sync(revise)
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(autogenerate(" ".join(sys.argv[1:]) or "schema change"))
