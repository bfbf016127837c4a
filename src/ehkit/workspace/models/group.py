"""Step 1: the project group, the members' roles in the connection and a RACI per step."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ehkit.workspace.models.base import Base, Versioned

#: Roles in the connection, in the order the step plan meets them.
CONNECTION_ROLES = (
    "policy_owner",
    "architect",
    "software_supplier",
    "back_office",
    "communication",
    "customer_service",
    "privacy_officer",
    "security_officer",
)
RACI_LETTERS = ("R", "A", "C", "I")


class GroupMember(Versioned, Base):
    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    organisation: Mapped[str | None] = mapped_column(String(120), nullable=True)
    roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    raci: Mapped[list[RaciEntry]] = relationship(back_populates="member", cascade="all, delete-orphan")


class RaciEntry(Base):
    """One letter of the RACI matrix: ``member`` is R, A, C or I for ``step``."""

    __tablename__ = "raci_entries"
    __table_args__ = (UniqueConstraint("member_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("group_members.id", ondelete="CASCADE"), nullable=False)
    step: Mapped[int] = mapped_column(Integer, nullable=False)
    letter: Mapped[str] = mapped_column(String(1), nullable=False)

    member: Mapped[GroupMember] = relationship(back_populates="raci")
