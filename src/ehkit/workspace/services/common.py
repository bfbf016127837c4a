"""Shared steps of every change: the optimistic version check and the audit record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ehkit.workspace.errors import Conflict
from ehkit.workspace.models import Base
from ehkit.workspace.services.audit import Actor, record, snapshot


def check_version(obj: Any, expected: int | None, label: str) -> None:
    """A form saved from a stale page must not overwrite what someone else saved in between."""
    if expected is not None and int(obj.version) != int(expected):
        raise Conflict(
            f"{label} was changed by someone else since you opened it (version {obj.version}, yours {expected}); "
            "reload the page to see their change, then make yours again",
            reason="workspace_conflict",
        )


def update(
    session: Session,
    actor: Actor,
    obj: Base,
    values: Mapping[str, Any],
    *,
    project_id: int | None,
    label: str,
    expected_version: int | None,
) -> bool:
    """Apply ``values``, record before/after, flush. Returns whether anything changed."""
    check_version(obj, expected_version, label)
    before = snapshot(obj)
    for name, value in values.items():
        setattr(obj, name, value)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            f"{label} was changed by someone else while you saved; reload the page and make your change again",
            reason="workspace_conflict",
        ) from None
    event = record(
        session, actor, project_id=project_id, action="update", entity=obj.__tablename__,
        entity_id=getattr(obj, "id", None), label=label, before=before, after=snapshot(obj),
    )  # fmt: skip
    return event is not None
