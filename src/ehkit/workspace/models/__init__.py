"""The workspace's SQLAlchemy 2 models; the schema itself is owned by the Alembic migrations.

Designed for what comes next without rewriting these tables: step 4 adds
``broker_quotes`` (per project), ``quote_criteria`` (name, weight),
``quote_scores`` (quote x criterion) and ``broker_decisions`` (one per project,
pointing at a quote; the decision fills ``project_settings.broker_*``); step 6
adds ``communication_milestones`` (date, audience, channel, optional service),
``key_messages`` (mandatory or optional, nl/en text, optionally answering a
``communication_questions`` row) and uses ``actions`` with ``step = 6`` as its
tasks; the dossier adds ``dossiers`` (generated at, by, format, SHA-256). All of
them hang off ``projects.id``, ``services.id`` and ``group_members.id``, the
audit trail is generic over tables, and step statuses already cover all six
steps, so those migrations only add.
"""

from ehkit.workspace.models.accounts import ROLES, Invitation, Membership, User, WebSession
from ehkit.workspace.models.audit import AuditEvent
from ehkit.workspace.models.base import Base, utcnow
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
    "INTERMEDIATION",
    "QUESTION_STATUSES",
    "RACI_LETTERS",
    "ROLES",
    "STATUSES",
    "STEPS",
    "Action",
    "AuditEvent",
    "Base",
    "ChecklistMark",
    "CommunicationQuestion",
    "ConformanceReport",
    "ConformanceTarget",
    "GroupMember",
    "Invitation",
    "Membership",
    "Project",
    "ProjectSettings",
    "RaciEntry",
    "Service",
    "SoftwareChange",
    "StepOverride",
    "TestRun",
    "User",
    "WebSession",
    "utcnow",
]
