"""The authorization request (code flow with PKCE S256, ``state`` and ``nonce``) and its callback.

``state`` binds the callback to a pending request in the SP's state store,
``nonce`` binds the ID token to it, and the PKCE verifier binds the code to
the party that asked for it (RFC 7636): a code stolen from a browser's
history or a referrer cannot be redeemed without the verifier, which never
leaves the server. All three are fresh 256-bit random values per login.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ehkit.oidc.errors import OidcRejected

__all__ = [
    "PROTECTED_PARAMETERS",
    "AuthorizationResponse",
    "authorization_url",
    "code_challenge",
    "new_secret",
    "parse_callback",
]

#: Parameters ehkit sets itself; configuration or a profile may not override them.
PROTECTED_PARAMETERS = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "request",
        "request_uri",
        "response_mode",
    }
)
_INVALID = "oidc_callback_invalid"
#: RFC 6749 appendix A: error and error_description characters.
_ERROR_RE = re.compile(r"^[\x20\x21\x23-\x5b\x5d-\x7e]{1,256}$")
_CODE_RE = re.compile(r"^[\x21-\x7e]{1,2048}$")
_STATE_RE = re.compile(r"^[A-Za-z0-9_\-]{16,256}$")
_CALLBACK_NAMES = frozenset({"code", "state", "error", "error_description", "error_uri", "iss", "session_state"})


def new_secret() -> str:
    """256 random bits, base64url: a state, nonce or PKCE verifier (43 characters, RFC 7636 4.1)."""
    return secrets.token_urlsafe(32)


def code_challenge(verifier: str) -> str:
    """S256: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(
    endpoint: str,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: Sequence[str],
    state: str,
    nonce: str,
    verifier: str,
    extra: Mapping[str, str] | None = None,
) -> str:
    """The URL to redirect the browser to. ``extra`` (``acr_values``, ``prompt``, ``kc_idp_hint``)
    may not touch :data:`PROTECTED_PARAMETERS`; a query already in the endpoint is kept."""
    params: dict[str, str] = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    for name, value in (extra or {}).items():
        if name in PROTECTED_PARAMETERS:
            raise ValueError(f"the authorize parameter {name!r} is set by ehkit and cannot be configured")
        if value != "":
            params[name] = value
    parts = urlsplit(endpoint)
    existing = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query = urlencode([*existing, *params.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


@dataclass(frozen=True)
class AuthorizationResponse:
    """What the browser brought back to the redirect URI, checked for form only."""

    state: str
    code: str | None
    error: str | None
    error_description: str | None
    iss: str | None


def _pairs(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    if isinstance(params, Mapping):
        return [(str(k), v) for k, v in params.items()]
    return [(str(k), v) for k, v in params]


def parse_callback(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> AuthorizationResponse:
    """Read the callback's query parameters (a mapping, or the raw pairs so duplicates are seen).

    Refuses a parameter given twice (two parsers could pick different ones),
    a missing or malformed ``state``, and anything but exactly one of
    ``code`` and ``error``.
    """
    seen: dict[str, str] = {}
    for name, value in _pairs(params):
        if name not in _CALLBACK_NAMES:
            continue
        if not isinstance(value, str):
            raise OidcRejected(f"the callback parameter {name} is not text", reason=_INVALID)
        if name in seen:
            raise OidcRejected(f"the callback carries {name} twice", reason=_INVALID)
        seen[name] = value
    state = seen.get("state")
    if not state:
        raise OidcRejected("the callback carries no state", reason="oidc_state_unknown")
    if not _STATE_RE.match(state):
        raise OidcRejected("the callback's state is not one ehkit issued", reason="oidc_state_unknown")
    code, error = seen.get("code"), seen.get("error")
    if (code is None) == (error is None):
        raise OidcRejected("the callback must carry exactly one of code and error", reason=_INVALID)
    if code is not None and not _CODE_RE.match(code):
        raise OidcRejected("the authorization code has the wrong form", reason=_INVALID)
    if error is not None and not _ERROR_RE.match(error):
        raise OidcRejected("the callback's error has the wrong form", reason=_INVALID)
    description = seen.get("error_description")
    if description is not None and not _ERROR_RE.match(description[:256] or " "):
        description = None
    iss = seen.get("iss")
    if iss is not None and len(iss) > 2048:
        raise OidcRejected("the callback's iss is too long", reason=_INVALID)
    return AuthorizationResponse(state=state, code=code, error=error, error_description=description, iss=iss)
