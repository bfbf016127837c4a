"""Write the audit trail: who, when, what, with before/after of the fields that changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ehkit.workspace.models import AuditEvent, Base

#: Never copied into the audit trail, even hashed.
_SECRET_COLUMNS = {"password_hash", "token_hash", "csrf_token"}
_SKIP = {"version", "created_at", "id", "project_id"}


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a signed-in user, or the CLI (``user_id`` None) on the server."""

    user_id: int | None
    label: str

    @classmethod
    def cli(cls, what: str = "cli") -> Actor:
        return cls(None, what)


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: Base) -> dict[str, Any]:
    """The column values of a row, JSON-ready, without secrets or bookkeeping columns."""
    mapper = inspect(type(obj))
    return {
        col.key: _plain(getattr(obj, col.key))
        for col in mapper.column_attrs
        if col.key not in _SECRET_COLUMNS and col.key not in _SKIP
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def record(
    session: Session,
    actor: Actor,
    *,
    project_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    label: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Add one event; an update that changed nothing writes nothing."""
    changes = diff(before or {}, after or {})
    if action == "update" and not changes:
        return None
    event = AuditEvent(
        project_id=project_id,
        user_id=actor.user_id,
        actor=actor.label,
        action=action,
        entity=entity,
        entity_id=entity_id,
        label=label[:200],
        changes=changes,
    )
    session.add(event)
    return event


def created(session: Session, actor: Actor, obj: Base, *, project_id: int | None, label: str) -> None:
    session.flush()
    record(
        session, actor, project_id=project_id, action="create", entity=obj.__tablename__,
        entity_id=getattr(obj, "id", None), label=label, after=snapshot(obj),
    )  # fmt: skip


def deleted(session: Session, actor: Actor, obj: Base, *, project_id: int | None, label: str) -> None:
    record(
        session, actor, project_id=project_id, action="delete", entity=obj.__tablename__,
        entity_id=getattr(obj, "id", None), label=label, before=snapshot(obj),
    )  # fmt: skip


def events(session: Session, project_id: int, *, limit: int = 200) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.project_id == project_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
