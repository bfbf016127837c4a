"""Step 2 and 3: the service inventory, software changes, communication questions, and levels."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ehkit.workspace.models.base import Base, UtcDateTime, Versioned

CHANNELS = ("web", "app", "portal", "api")
INTERMEDIATION = ("noIntermediation", "generalAvailable", "serviceProviderOnly", "requiresApproval")
CHANGE_STATUSES = ("todo", "doing", "done")
QUESTION_STATUSES = ("open", "answered")
AUDIENCES = ("internal", "external")


class Service(Versioned, Base):
    """One service of the DV: what step 2 records and what the catalogue and ehkit.toml are built from.

    The step 3 outcome lives here too (``loa`` and its basis), so the level can
    never belong to another service than the answers that produced it.
    """

    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("project_id", "key"), UniqueConstraint("project_id", "index"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    index: Mapped[int] = mapped_column(Integer, nullable=False)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    name_nl: Mapped[str] = mapped_column(String(64), nullable=False)
    name_en: Mapped[str] = mapped_column(String(64), nullable=False)
    description_nl: Mapped[str] = mapped_column(Text, nullable=False)
    description_en: Mapped[str] = mapped_column(Text, nullable=False)
    description_url: Mapped[str | None] = mapped_column(String(512), nullable=True)
    channel: Mapped[str] = mapped_column(String(16), nullable=False, default="web")
    audience: Mapped[str] = mapped_column(Text, nullable=False, default="")
    backoffice_system: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    backoffice_process: Mapped[str] = mapped_column(Text, nullable=False, default="")
    data_needed: Mapped[str] = mapped_column(Text, nullable=False, default="")
    identifier_sets: Mapped[list[list[str]]] = mapped_column(JSON, nullable=False, default=list)
    vestiging_allowed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    intermediation: Mapped[str] = mapped_column(String(24), nullable=False, default="noIntermediation")
    eidas: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    eidas_wanted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    eidas_for_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"), nullable=True)
    service_url_nl: Mapped[str | None] = mapped_column(String(512), nullable=True)
    service_url_en: Mapped[str | None] = mapped_column(String(512), nullable=True)
    privacy_url_nl: Mapped[str | None] = mapped_column(String(512), nullable=True)
    privacy_url_en: Mapped[str | None] = mapped_column(String(512), nullable=True)
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    bsnk_structure_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bsnk_recipient_key_set_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # step 3
    loa: Mapped[str | None] = mapped_column(String(4), nullable=True)
    loa_answers: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    loa_justification: Mapped[str] = mapped_column(Text, nullable=False, default="")
    loa_basis: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    loa_needs_eidas: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    loa_ruleset_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    loa_assessed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    loa_assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    changes: Mapped[list[SoftwareChange]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="SoftwareChange.position"
    )


class SoftwareChange(Versioned, Base):
    __tablename__ = "software_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("group_members.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="todo")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    service: Mapped[Service] = relationship(back_populates="changes")


class CommunicationQuestion(Versioned, Base):
    """Step 2's internal and external communication questions, answered in step 6."""

    __tablename__ = "communication_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"), nullable=True)
    audience: Mapped[str] = mapped_column(String(8), nullable=False, default="external")
    question: Mapped[str] = mapped_column(Text, nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("group_members.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="open")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
