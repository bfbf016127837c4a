"""Engines, sessions and migrations for SQLite (default) and PostgreSQL (psycopg 3).

One place decides how a database URL becomes an engine, so the CLI, the web
app and the tests connect the same way: SQLite gets foreign keys switched on
(it ignores them otherwise) and a busy timeout; ``postgresql://`` URLs are
routed to psycopg 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ehkit.workspace.errors import WorkspaceError

DEFAULT_DIR = Path("ehkit-workspace")
DEFAULT_DB_URL = f"sqlite:///{DEFAULT_DIR / 'workspace.db'}"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here; a SQLite file's folder is created on first use."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise WorkspaceError(
            f"--db {url!r} is not a database URL (write sqlite:///path/workspace.db or "
            "postgresql://user@host:5432/dbname)",
            reason="workspace_db_url",
        ) from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    else:
        raise WorkspaceError(
            f"--db {parsed.drivername}:// is not supported (use sqlite:///path/workspace.db or postgresql://...)",
            reason="workspace_db_url",
        )
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    full = normalise_url(url)
    if full.startswith("sqlite"):
        engine = create_engine(full, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(full, pool_pre_ping=True, pool_size=5, max_overflow=5)


# ------------------------------------------------------------------ migrations


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("ehkit.workspace").joinpath("migrations")))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships its migrations
        raise WorkspaceError("the packaged migrations are missing", reason="workspace_error")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


@dataclass(frozen=True)
class DbState:
    ok: bool
    engine: str
    revision: str | None
    head: str
    error: str | None = None

    @property
    def up_to_date(self) -> bool:
        return self.ok and self.revision == self.head

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "engine": self.engine,
            "revision": self.revision,
            "head": self.head,
            "up_to_date": self.up_to_date,
            **({"error": self.error} if self.error else {}),
        }


def db_state(engine: Engine) -> DbState:
    """What /healthz reports: reachable, which schema revision, and whether it is the packaged head."""
    head = head_revision()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        return DbState(False, engine.dialect.name, None, head, error=type(exc).__name__)
    return DbState(True, engine.dialect.name, revision, head)


# ------------------------------------------------------------------ sessions


class Database:
    """An engine and its session factory; ``with db.session() as s:`` commits or rolls back as one unit."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._factory() as session, session.begin():
            yield session

    def new_session(self) -> Session:
        """A session whose transaction the caller ends (the web layer commits or rolls back per request)."""
        return self._factory()

    def migrate(self) -> None:
        upgrade(self.engine)

    def state(self) -> DbState:
        return db_state(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
