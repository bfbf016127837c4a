"""Step 6, inform users in time; and the zelfverklaring dienstverlener per service.

The timeline itself is computed from the go-live date and the highest level
the services require (``services.step6_communication``); what is stored is
what people decide: the plan's settings, the key messages they edited, and
(as ``actions`` with ``step = 6`` and a ``milestone``) the tasks with owners.
A key message without a row here is shown with its default text.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ehkit.workspace.models.base import Base, UtcDateTime, Versioned

#: The milestones of the timeline, for external users and for the DV's own staff, in date order.
EXTERNAL_MILESTONES = ("announcement", "reminder", "last_call", "go_live", "aftercare")
INTERNAL_MILESTONES = ("website_texts", "faq", "service_briefing")
MILESTONES = EXTERNAL_MILESTONES + INTERNAL_MILESTONES
#: The key messages: mandatory ones (from when, which level) and optional ones.
KEY_MESSAGES = ("required_from", "level_needed", "how_to_get", "european_login", "help")
MANDATORY_MESSAGES = ("required_from", "level_needed")
#: The declarations of the zelfverklaring dienstverlener, as a checklist per service.
DECLARATION_ITEMS = (
    "data_correct",
    "data_current",
    "security_risks",
    "tested_changes",
    "hardening",
    "patch_management",
    "key_protection",
    "incident_reporting",
)


class CommunicationPlan(Versioned, Base):
    """Step 6 settings: from when eHerkenning is required (default: the go-live date) and where users read more."""

    __tablename__ = "communication_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True, nullable=False)
    required_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    info_url: Mapped[str | None] = mapped_column(String(512), nullable=True)
    contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")


class KeyMessage(Versioned, Base):
    """A key message as the project edited it (with placeholders such as ``{go_live}``), in Dutch and English."""

    __tablename__ = "key_messages"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    text_nl: Mapped[str] = mapped_column(Text, nullable=False)
    text_en: Mapped[str] = mapped_column(Text, nullable=False)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("communication_questions.id", ondelete="SET NULL"), nullable=True
    )


class SelfDeclaration(Versioned, Base):
    """One declaration of a service's zelfverklaring, confirmed (or not) by a project owner."""

    __tablename__ = "self_declarations"
    __table_args__ = (UniqueConstraint("service_id", "item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), nullable=False)
    item: Mapped[str] = mapped_column(String(40), nullable=False)
    confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
