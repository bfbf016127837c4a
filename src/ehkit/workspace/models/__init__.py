"""The workspace's SQLAlchemy 2 models; the schema itself is owned by the Alembic migrations.

Migration 0001 holds accounts, projects and steps 1, 2, 3 and 5; 0002 adds
step 4 (``project_brokers``, ``broker_quotes`` with ``quote_sla_options``,
``quote_criteria``, ``quote_scores``, ``broker_comparisons``,
``broker_decisions``), step 6 (``communication_plans``, ``key_messages``, and
``actions.milestone`` for its tasks) and the zelfverklaring
(``self_declarations``). The milestone dates are computed, not stored. All of
them hang off ``projects.id``, ``services.id`` and ``group_members.id``, and
the audit trail is generic over tables. 0003 adds step 5's conformance runs
(``conformance_targets``, ``conformance_reports``; the runs themselves are
``test_runs`` with ``kind = "conformance"``).
"""

from ehkit.workspace.models.accounts import ROLES, Invitation, Membership, User, WebSession
from ehkit.workspace.models.audit import AuditEvent
from ehkit.workspace.models.base import Base, Fixed, utcnow
from ehkit.workspace.models.broker import (
    CRITERION_KINDS,
    DEFAULT_HORIZON_YEARS,
    INTERFACES,
    PERIODS_PER_YEAR,
    PRESET_CRITERIA,
    RECURRING_PERIODS,
    BrokerComparison,
    BrokerDecision,
    BrokerQuote,
    ProjectBroker,
    QuoteCriterion,
    QuoteScore,
    QuoteSlaOption,
)
from ehkit.workspace.models.communication import (
    DECLARATION_ITEMS,
    EXTERNAL_MILESTONES,
    INTERNAL_MILESTONES,
    KEY_MESSAGES,
    MANDATORY_MESSAGES,
    MILESTONES,
    CommunicationPlan,
    KeyMessage,
    SelfDeclaration,
)
from ehkit.workspace.models.conformance import CONFORMANCE_OUTCOMES, ConformanceReport, ConformanceTarget
from ehkit.workspace.models.group import CONNECTION_ROLES, RACI_LETTERS, GroupMember, RaciEntry
from ehkit.workspace.models.inventory import (
    AUDIENCES,
    CHANGE_STATUSES,
    CHANNELS,
    INTERMEDIATION,
    QUESTION_STATUSES,
    CommunicationQuestion,
    Service,
    SoftwareChange,
)
from ehkit.workspace.models.project import (
    CHECKLIST_ITEMS,
    STATUSES,
    STEPS,
    Action,
    ChecklistMark,
    Project,
    ProjectSettings,
    StepOverride,
    TestRun,
)

__all__ = [
    "AUDIENCES",
    "CHANGE_STATUSES",
    "CHANNELS",
    "CHECKLIST_ITEMS",
    "CONFORMANCE_OUTCOMES",
    "CONNECTION_ROLES",
    "CRITERION_KINDS",
    "DECLARATION_ITEMS",
    "DEFAULT_HORIZON_YEARS",
    "EXTERNAL_MILESTONES",
    "INTERFACES",
    "INTERMEDIATION",
    "INTERNAL_MILESTONES",
    "KEY_MESSAGES",
    "MANDATORY_MESSAGES",
    "MILESTONES",
    "PERIODS_PER_YEAR",
    "PRESET_CRITERIA",
    "QUESTION_STATUSES",
    "RACI_LETTERS",
    "RECURRING_PERIODS",
    "ROLES",
    "STATUSES",
    "STEPS",
    "Action",
    "AuditEvent",
    "Base",
    "BrokerComparison",
    "BrokerDecision",
    "BrokerQuote",
    "ChecklistMark",
    "CommunicationPlan",
    "CommunicationQuestion",
    "ConformanceReport",
    "ConformanceTarget",
    "Fixed",
    "GroupMember",
    "Invitation",
    "KeyMessage",
    "Membership",
    "Project",
    "ProjectBroker",
    "ProjectSettings",
    "QuoteCriterion",
    "QuoteScore",
    "QuoteSlaOption",
    "RaciEntry",
    "SelfDeclaration",
    "Service",
    "SoftwareChange",
    "StepOverride",
    "TestRun",
    "User",
    "WebSession",
    "utcnow",
]
