"""Typed errors with stable reason codes.

Every rejection of hostile or wrong input is one of these. The ``reason`` is a
stable, machine-readable code (logged, asserted in tests, documented); the
message explains to a developer what is wrong and how to fix it. Web layers
show users one generic message and log the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotation only: errors.py imports nothing at run time
    from ehkit.saml.response import Status


class EhkitError(Exception):
    """Base of all ehkit errors."""

    reason: str = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reason={self.reason!r}, message={self.message!r})"


class ValidationError(EhkitError, ValueError):
    """A value (identifier, level, configuration field) has the wrong form."""

    reason = "invalid_value"


class ConfigError(EhkitError):
    """The configuration cannot be used; the message names the field."""

    reason = "config"


class XmlSecurityError(EhkitError):
    """Base of XML parsing, signature and encryption failures."""

    reason = "xml"


class XmlParseError(XmlSecurityError):
    reason = "xml_malformed"


class XmlLimitError(XmlSecurityError):
    reason = "xml_limit"


class SignatureError(XmlSecurityError):
    reason = "signature_invalid"


class DecryptionError(XmlSecurityError):
    """One error for every decryption failure, so no oracle leaks which step failed."""

    reason = "decryption_failed"


class LoginRejected(EhkitError):
    """The SP refuses a login. ``reason`` says why: see ``ehkit.reasons`` (the Reason codes page of the docs)."""

    reason = "login_rejected"

    # Context the ServiceProvider attaches once it knows the pending request, for
    # the web layer (where to send the user after a cancel); None before that point.
    request_id: str | None = None
    service: str | None = None
    relay_target: str | None = None
    #: The broker's StatusCode, sub-code and StatusMessage (LoginCancelled, LoginFailed).
    status: Status | None = None


class LoginCancelled(LoginRejected):
    """The user cancelled at the broker (Responder + AuthnFailed)."""

    reason = "cancelled"


class LoginFailed(LoginRejected):
    """The broker reported a failure other than a cancel."""

    reason = "login_failed"
