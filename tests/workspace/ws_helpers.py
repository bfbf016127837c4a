"""Helpers shared by the workspace tests (imported as a plain module, like tests/broker/broker_harness.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import text

from ehkit.workspace.db import Database
from ehkit.workspace.models import Base
from ehkit.workspace.services import projects
from ehkit.workspace.services.audit import Actor
from support.services import missing

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/ehkit_ws_test"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a test account
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workspace" / "voorbeeldstad.yaml"
ANSWERS = Path(__file__).resolve().parents[2] / "examples" / "loa-answers.yaml"


def postgres_url() -> str:
    url = os.environ.get("EHKIT_TEST_POSTGRES_URL", PG_DEFAULT)
    try:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        missing(
            "PostgreSQL",
            f"no server answered at {url} ({exc.__class__.__name__}); start PostgreSQL, create the database "
            "(createdb -h 127.0.0.1 -U postgres ehkit_ws_test) or set EHKIT_TEST_POSTGRES_URL",
        )
    return url


def empty(database: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - table names from the models


def actor_of(user: Any) -> Actor:
    return Actor(user.id, user.email)


def new_project(db: Database, user: Any, slug: str = "voorbeeldstad", **extra: Any) -> Any:
    with db.session() as s:
        project = projects.create_project(
            s, s.merge(user), {"slug": slug, "name": f"Gemeente {slug.title()}", "oin": "00000001234567890000",
                               "kvk": "12345678", "go_live": "2027-03-01", **extra}, actor_of(user),
        )  # fmt: skip
    return project


def loa_answers() -> list[dict[str, Any]]:
    import yaml

    return list(yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))["services"])
