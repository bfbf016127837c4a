"""Fixtures for the workspace: one migrated database per engine (SQLite file, real PostgreSQL), emptied per test.

PostgreSQL is found through EHKIT_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/ehkit_ws_test); without a server the
PostgreSQL variants skip with a message, or fail under EHKIT_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ws_helpers import PASSWORD, empty, postgres_url

from ehkit.workspace.db import Database
from ehkit.workspace.services import access
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Database]]:
    made: dict[str, Database] = {}
    yield made
    for database in made.values():
        database.dispose()


def _open(kind: str, made: dict[str, Database], tmp: Path) -> Database:
    if kind not in made:
        url = f"sqlite:///{tmp / 'ws.db'}" if kind == "sqlite" else postgres_url()
        database = Database(url)
        database.migrate()
        made[kind] = database
    return made[kind]


@pytest.fixture(params=["sqlite", "postgresql"])
def db(
    request: pytest.FixtureRequest, _databases: dict[str, Database], tmp_path_factory: pytest.TempPathFactory
) -> Database:
    """A migrated, empty workspace database on each engine."""
    database = _open(request.param, _databases, tmp_path_factory.mktemp("wsdb"))
    empty(database)
    return database


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path / "data")


@pytest.fixture
def owner(db: Database) -> Any:
    with db.session() as s:
        user = access.create_user(
            s, email="owner@voorbeeldstad.example", display_name="Olga Owner", password=PASSWORD, actor=Actor.cli()
        )
    return user
