"""The packaged Alembic migrations on both engines: from empty to head, and down and up again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from ws_helpers import postgres_url

from ehkit.workspace.db import Database, current_revision, db_state, downgrade, head_revision, normalise_url, upgrade
from ehkit.workspace.errors import WorkspaceError
from ehkit.workspace.models import Base


def _fresh_pg() -> Database:
    """A schema of its own in the test database, so the round trip starts from nothing."""
    url = postgres_url()
    admin = Database(url)
    with admin.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS ws_migration_test CASCADE"))
        conn.execute(text("CREATE SCHEMA ws_migration_test"))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return Database(f"{url}{sep}options=-csearch_path%3Dws_migration_test")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'm.db'}") if request.param == "sqlite" else _fresh_pg()
    yield database
    database.dispose()


def test_upgrade_from_empty_to_head_creates_every_model_table(empty_db: Database) -> None:
    assert current_revision(empty_db.engine) is None
    assert not db_state(empty_db.engine).up_to_date
    upgrade(empty_db.engine)
    assert current_revision(empty_db.engine) == head_revision()
    tables = set(inspect(empty_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    state = db_state(empty_db.engine).as_dict()
    assert state["ok"] and state["up_to_date"] and state["engine"] in ("sqlite", "postgresql")


def test_downgrade_and_upgrade_round_trip(empty_db: Database) -> None:
    upgrade(empty_db.engine)
    downgrade(empty_db.engine, "base")
    assert current_revision(empty_db.engine) is None
    assert not set(Base.metadata.tables) & set(inspect(empty_db.engine).get_table_names())
    upgrade(empty_db.engine)
    assert current_revision(empty_db.engine) == head_revision()


def test_the_models_match_the_migrations(empty_db: Database) -> None:
    """An autogenerate diff against head is empty: no model change without its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    upgrade(empty_db.engine)
    with empty_db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [
            d
            for d in compare_metadata(context, Base.metadata)
            if not (isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version")
        ]
    assert diff == []


def test_state_reports_an_unreachable_database() -> None:
    broken = Database("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
    state = db_state(broken.engine)
    assert not state.ok and state.error and not state.up_to_date
    broken.dispose()


@pytest.mark.parametrize("url", ["mysql://x/y", "not a url at all ::"])
def test_unsupported_urls_are_refused_with_a_hint(url: str) -> None:
    with pytest.raises(WorkspaceError) as err:
        normalise_url(url)
    assert err.value.reason == "workspace_db_url" and "sqlite:///" in err.value.message


def test_postgresql_urls_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
