"""A connection project: one DV organisation, its settings and the status of its six steps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ehkit.workspace.models.base import Base, UtcDateTime, Versioned, utcnow

STEPS = (1, 2, 3, 4, 5, 6)
STATUSES = ("not_started", "in_progress", "done", "blocked")
CHECKLIST_ITEMS = ("oin", "certificate", "catalogue", "metadata", "privacy_url", "purpose_statements")


class Project(Versioned, Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    oin: Mapped[str] = mapped_column(String(20), nullable=False)
    kvk: Mapped[str | None] = mapped_column(String(8), nullable=True)
    sector: Mapped[str] = mapped_column(String(32), nullable=False)
    go_live: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)

    settings: Mapped[ProjectSettings] = relationship(
        back_populates="project", cascade="all, delete-orphan", uselist=False
    )


class ProjectSettings(Versioned, Base):
    """What ``ehkit.toml`` needs beyond the inventory. Keys are paths on the server, never key material."""

    __tablename__ = "project_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True, nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    entity_index: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    eidas_entity_index: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    acs_url: Mapped[str | None] = mapped_column(String(512), nullable=True)
    organization_url: Mapped[str | None] = mapped_column(String(512), nullable=True)
    contact_company: Mapped[str | None] = mapped_column(String(256), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_telephone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    signing_key_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    signing_cert_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    encryption_key_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    encryption_cert_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    broker_entity_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    broker_metadata_file: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    broker_metadata_url: Mapped[str | None] = mapped_column(String(512), nullable=True)
    broker_pinned_certs: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    catalogue_environment: Mapped[str] = mapped_column(String(1), nullable=False, default="T")
    catalogue_sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    project: Mapped[Project] = relationship(back_populates="settings")


class StepOverride(Versioned, Base):
    """A person's word on a step's status where the data cannot tell, with the reason."""

    __tablename__ = "step_overrides"
    __table_args__ = (UniqueConstraint("project_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    step: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    set_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


class Action(Versioned, Base):
    """A next action for a step, owned by a member of the project group.

    Step 6's communication tasks are actions with ``step = 6`` and the
    ``milestone`` of the timeline they carry out (one per milestone).
    """

    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("project_id", "milestone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    step: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("group_members.id", ondelete="SET NULL"), nullable=True)
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    milestone: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ChecklistMark(Versioned, Base):
    """Step 5: a broker checklist item the DV has handed to its broker (the readiness itself is computed)."""

    __tablename__ = "checklist_marks"
    __table_args__ = (UniqueConstraint("project_id", "item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    item: Mapped[str] = mapped_column(String(32), nullable=False)
    delivered: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class TestRun(Base):
    """An automated check of the project's set-up and its outcome.

    ``kind`` is ``simulator`` today; the conformance report adds its own kind
    without a new table. ``result`` holds the per-service outcome as JSON.
    """

    __tablename__ = "test_runs"
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
