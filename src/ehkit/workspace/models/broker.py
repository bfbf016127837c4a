"""Step 4, choose a broker: quotes, their SLA options, the criteria with weights, scores, and the decision.

A quote names its broker by ``broker_key``: a key of the shipped data file
(``ehkit/workspace/data/brokers.yaml``) or of a :class:`ProjectBroker` the
project added itself. Amounts are exact euro (:class:`Fixed` with two
decimals), never floats. The total cost of ownership, the weighted scores,
the ranking and its sensitivity are computed (``services.step4_broker``),
never stored, so they cannot go stale; the decision keeps a snapshot of the
ranking it was taken on.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ehkit.workspace.models.base import Base, Fixed, UtcDateTime, Versioned, utcnow

#: How often a recurring amount is charged, and how many times a year that is.
RECURRING_PERIODS = ("month", "quarter", "year")
PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
#: Interfaces a broker can offer a DV.
INTERFACES = ("saml_1_13", "oidc", "eidas")
#: ``tco``: scored from the total cost of ownership (cheapest = 10); ``manual``: scored 0-10 by the project.
CRITERION_KINDS = ("tco", "manual")
#: The four criteria of the step plan (eherkenning.nl, step 4), with their preset weights (key, kind, weight).
PRESET_CRITERIA: tuple[tuple[str, str, int], ...] = (
    ("price", "tco", 40),
    ("custom_work_support", "manual", 20),
    ("sla", "manual", 20),
    ("supplier_ties", "manual", 20),
)
DEFAULT_HORIZON_YEARS = 5


class ProjectBroker(Versioned, Base):
    """A broker the project adds because it is not in the shipped data file."""

    __tablename__ = "project_brokers"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    website: Mapped[str | None] = mapped_column(String(512), nullable=True)
    interfaces: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")


class BrokerQuote(Versioned, Base):
    """One broker's quote to the DV (one per broker per project)."""

    __tablename__ = "broker_quotes"
    __table_args__ = (UniqueConstraint("project_id", "broker_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    broker_key: Mapped[str] = mapped_column(String(40), nullable=False)
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    one_off_cost: Mapped[Decimal] = mapped_column(Fixed(2), nullable=False, default=Decimal("0.00"))
    recurring_cost: Mapped[Decimal] = mapped_column(Fixed(2), nullable=False, default=Decimal("0.00"))
    recurring_period: Mapped[str] = mapped_column(String(8), nullable=False, default="year")
    price_per_login: Mapped[Decimal | None] = mapped_column(Fixed(2), nullable=True)
    #: per service per year
    price_per_service: Mapped[Decimal | None] = mapped_column(Fixed(2), nullable=True)
    contract_term_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notice_period_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exit_conditions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    custom_work: Mapped[str] = mapped_column(Text, nullable=False, default="")
    support: Mapped[str] = mapped_column(Text, nullable=False, default="")
    interfaces: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    supplier_contacts: Mapped[str] = mapped_column(Text, nullable=False, default="")
    references: Mapped[str] = mapped_column(Text, nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)

    sla_options: Mapped[list[QuoteSlaOption]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteSlaOption.position"
    )


class QuoteSlaOption(Base):
    """An SLA the broker offers with the quote; the one marked ``in_tco`` is counted in the TCO."""

    __tablename__ = "quote_sla_options"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    quote_id: Mapped[int] = mapped_column(ForeignKey("broker_quotes.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    availability_pct: Mapped[Decimal | None] = mapped_column(Fixed(2), nullable=True)
    response_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cost_per_year: Mapped[Decimal] = mapped_column(Fixed(2), nullable=False, default=Decimal("0.00"))
    in_tco: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    quote: Mapped[BrokerQuote] = relationship(back_populates="sla_options")


class QuoteCriterion(Versioned, Base):
    """A criterion the quotes are scored on, with its weight (any non-negative number; they need not sum to 100)."""

    __tablename__ = "quote_criteria"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    name_nl: Mapped[str] = mapped_column(String(120), nullable=False)
    name_en: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False, default="manual")
    weight: Mapped[Decimal] = mapped_column(Fixed(2), nullable=False, default=Decimal("0.00"))
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class QuoteScore(Versioned, Base):
    """The project's score (0 to 10, one decimal) of one quote on one manual criterion."""

    __tablename__ = "quote_scores"
    __table_args__ = (UniqueConstraint("quote_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    quote_id: Mapped[int] = mapped_column(ForeignKey("broker_quotes.id", ondelete="CASCADE"), nullable=False)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("quote_criteria.id", ondelete="CASCADE"), nullable=False)
    score: Mapped[Decimal] = mapped_column(Fixed(1), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class BrokerComparison(Versioned, Base):
    """How the project compares quotes: the TCO horizon and the expected volume."""

    __tablename__ = "broker_comparisons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True, nullable=False)
    horizon_years: Mapped[int] = mapped_column(Integer, nullable=False, default=DEFAULT_HORIZON_YEARS)
    logins_per_year: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: ``None``: the number of services in the inventory
    services_count: Mapped[int | None] = mapped_column(Integer, nullable=True)


class BrokerDecision(Versioned, Base):
    """The broker chosen, why, by whom and when, with the ranking it was chosen on."""

    __tablename__ = "broker_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True, nullable=False)
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("broker_quotes.id", ondelete="SET NULL"), nullable=True)
    broker_key: Mapped[str] = mapped_column(String(40), nullable=False)
    justification: Mapped[str] = mapped_column(Text, nullable=False)
    decided_on: Mapped[date] = mapped_column(Date, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    ranking: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
