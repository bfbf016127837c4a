"""Workspace errors: typed, with stable reason codes (registered in ehkit.reasons).

Services raise these; the web layer maps them to 404 / 403 / 409 / a form
with messages, and the CLI to one line and exit code 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from ehkit.errors import EhkitError


class WorkspaceError(EhkitError):
    reason = "workspace_error"


class NotFound(WorkspaceError):
    """No such record *in this project*: the same answer whether it exists elsewhere or not."""

    reason = "workspace_not_found"


class Forbidden(WorkspaceError):
    """The user's role in the project does not allow this."""

    reason = "workspace_forbidden"


class Conflict(WorkspaceError):
    """Someone else saved the record since it was opened; nothing was overwritten."""

    reason = "workspace_conflict"


class AuthFailed(WorkspaceError):
    reason = "workspace_auth_failed"


@dataclass(frozen=True)
class Problem:
    """One wrong field: ``field`` is a dotted path, ``key`` a translation key, ``params`` fill it in."""

    field: str
    key: str
    params: dict[str, Any] = dc_field(default_factory=dict)


class InvalidInput(WorkspaceError):
    """A form or an import file does not validate; ``problems`` names every wrong field."""

    reason = "workspace_invalid_input"

    def __init__(self, problems: Sequence[Problem], *, source: str = "input") -> None:
        self.problems = tuple(problems)
        self.source = source
        super().__init__(f"{source}: " + "; ".join(f"{p.field}: {p.key}" for p in self.problems))
