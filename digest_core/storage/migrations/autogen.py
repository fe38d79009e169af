"""Write a new migration from the difference between the models and the newest migration:
`python -m digest_core.storage.migrations.autogen "add a column"` (review the file it writes).

`--into DIR` writes the file into DIR instead of `versions/` (a check that leaves the package
alone: with the models and the migrations in step, the file it writes holds no `op.` call)."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import Connection

from digest_core.storage.db import MIGRATIONS, alembic_config, create_engine, create_schema


async def autogenerate(message: str, into: Path | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'schema.db'}")
        await create_schema(engine)  # the schema as the existing migrations leave it

        def revise(connection: Connection) -> None:
            config = alembic_config(connection)
            if into:  # Alembic writes only into a folder it knows as a version location
                config.set_main_option("path_separator", "os")
                config.set_main_option("version_locations", os.pathsep.join([str(MIGRATIONS / "versions"), str(into)]))
            command.revision(
                config,
                message=message,
                autogenerate=True,
                version_path=str(into) if into else None,
            )

        async with engine.begin() as conn:
            await conn.run_sync(revise)
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m digest_core.storage.migrations.autogen")
    parser.add_argument("message", nargs="*", help="what changed (the migration's title)")
    parser.add_argument("--into", type=Path, help="write the migration into this folder, not versions/")
    args = parser.parse_args(argv)
    asyncio.run(autogenerate(" ".join(args.message) or "schema change", args.into))


if __name__ == "__main__":
    main()
