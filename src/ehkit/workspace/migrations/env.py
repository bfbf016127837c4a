"""Alembic environment: runs on the connection ``ehkit.workspace.db`` hands over.

There is no alembic.ini: the workspace builds its Alembic ``Config`` in code
(``db.alembic_config``), so the migrations work from an installed wheel.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from ehkit.workspace.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # pragma: no cover - only when someone runs the alembic CLI against a URL by hand
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as conn:
        _run(conn)
