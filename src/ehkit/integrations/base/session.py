"""The login as it lives in a framework's session: a JSON-safe dict, versioned, sealed.

Sessions are JSON in every framework ehkit supports (Django's default
serializer, Flask's tagged JSON, Starlette's cookie); nothing is pickled, so
reading a session never runs code. The dict carries ``"v"``: a login stored
by an older or newer ehkit is not guessed at, it simply counts as no login
and the user logs in again.

The dict is then *sealed* (AES-256-GCM under a key derived from the
deployment secret of ``ehkit.toml``): Flask's and Starlette's sessions are
signed cookies that anyone holding them can read, and a sole trader's
identifier is a BSN. Sealing keeps identifiers unreadable in every session
backend and makes tampering fail closed even where the session itself is not
signed.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType
from ehkit.sp.result import Identifier, Intermediary, LoginResult

log = logging.getLogger("ehkit.integrations")

#: The session key every integration stores the sealed login under.
SESSION_KEY = "ehkit.login"
FORMAT_VERSION = 1
_AAD = b"ehkit.login v1"
#: A sealed login larger than this is refused rather than pushed into a 4 KiB cookie.
MAX_SEALED_CHARS = 3500


class SessionDataError(ValueError):
    """The stored login cannot be read (other version, tampered, malformed): treat as logged out."""


@dataclass(frozen=True)
class StoredLogin:
    """A login plus the session's own clock: when it began and when it stops counting."""

    result: LoginResult
    logged_in_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _parse_instant(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise SessionDataError(f"{what} is not an instant")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SessionDataError(f"{what} is not an instant") from None
    if moment.tzinfo is None:
        raise SessionDataError(f"{what} has no time zone")
    return moment


def _identifier(ident: Identifier) -> dict[str, str]:
    return {"type": ident.type.name, "value": str(ident.value), "urn": ident.urn}


def _read_identifier(data: Any, what: str) -> Identifier:
    if not isinstance(data, dict):
        raise SessionDataError(f"{what} is not an identifier")
    try:
        kind = IdentifierType[data["type"]]
    except (KeyError, TypeError):
        raise SessionDataError(f"{what} has an unknown identifier type") from None
    value, urn = data.get("value"), data.get("urn")
    if not isinstance(value, str) or not isinstance(urn, str):
        raise SessionDataError(f"{what} is incomplete")
    return Identifier(kind, value, urn)


def _text(data: Mapping[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise SessionDataError(f"{key} is missing or not text")
    return value


def login_to_dict(stored: StoredLogin) -> dict[str, Any]:
    """The JSON-safe form: plain strings, lists and one version number."""
    r = stored.result
    return {
        "v": FORMAT_VERSION,
        "logged_in_at": _instant(stored.logged_in_at),
        "expires_at": _instant(stored.expires_at),
        "request_id": r.request_id,
        "service": r.service,
        "service_id": r.service_id,
        "service_uuid": r.service_uuid,
        "legal_subject": _identifier(r.legal_subject),
        "acting_subject": _identifier(r.acting_subject),
        "loa": r.loa.label,
        "loa_required": r.loa_required.label,
        "loa_requested": r.loa_requested.label if r.loa_requested else None,
        "authn_instant": _instant(r.authn_instant),
        "session_index": r.session_index,
        "broker": r.broker,
        "authenticating_authority": r.authenticating_authority,
        "authorization_registry": r.authorization_registry,
        "response_id": r.response_id,
        "assertion_id": r.assertion_id,
        "binding": r.binding,
        "vestigingsnummer": r.vestigingsnummer,
        "subdossiernummer": r.subdossiernummer,
        "intermediary": (
            {"kvk": r.intermediary.kvk, "urn": r.intermediary.urn, "company_name": r.intermediary.company_name}
            if r.intermediary
            else None
        ),
        "additional_identifiers": [_identifier(i) for i in r.additional_identifiers],
        "attributes": {k: list(v) for k, v in r.attributes.items()},
        "relay_state": r.relay_state,
        "session_not_on_or_after": _instant(r.session_not_on_or_after),
        "name_id": list(r.name_id) if r.name_id else None,
    }


def login_from_dict(data: Any) -> StoredLogin:
    """Back to typed values; anything unexpected raises :class:`SessionDataError`."""
    if not isinstance(data, dict):
        raise SessionDataError("the stored login is not an object")
    if data.get("v") != FORMAT_VERSION:
        raise SessionDataError(f"stored login has format version {data.get('v')!r}, expected {FORMAT_VERSION}")
    try:
        loa = LevelOfAssurance.parse(data["loa"])
        loa_required = LevelOfAssurance.parse(data["loa_required"])
        loa_requested = LevelOfAssurance.parse(data["loa_requested"]) if data.get("loa_requested") else None
    except (KeyError, ValueError):
        raise SessionDataError("the stored login has no valid level of assurance") from None
    inter = data.get("intermediary")
    intermediary = None
    if inter is not None:
        if (
            not isinstance(inter, dict)
            or not isinstance(inter.get("kvk"), str)
            or not isinstance(inter.get("urn"), str)
        ):
            raise SessionDataError("the stored intermediary is malformed")
        name = inter.get("company_name")
        intermediary = Intermediary(inter["kvk"], inter["urn"], name if isinstance(name, str) else None)
    attrs = data.get("attributes") or {}
    extra = data.get("additional_identifiers") or []
    if not isinstance(attrs, dict) or not isinstance(extra, list):
        raise SessionDataError("the stored attributes are malformed")
    attributes: dict[str, tuple[str, ...]] = {}
    for key, values in attrs.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise SessionDataError(f"attribute {key!r} is malformed")
        attributes[str(key)] = tuple(values)
    not_after = data.get("session_not_on_or_after")
    raw_name_id = data.get("name_id")
    name_id: tuple[str, str | None, str | None] | None = None
    if raw_name_id is not None:  # the login's NameID, for the LogoutRequest (absent in older sessions)
        if (
            not isinstance(raw_name_id, list)
            or len(raw_name_id) != 3
            or not isinstance(raw_name_id[0], str)
            or not all(v is None or isinstance(v, str) for v in raw_name_id[1:])
        ):
            raise SessionDataError("the stored NameID is malformed")
        name_id = (raw_name_id[0], raw_name_id[1], raw_name_id[2])
    result = LoginResult(
        request_id=_text(data, "request_id") or "",
        service=_text(data, "service") or "",
        service_id=_text(data, "service_id") or "",
        service_uuid=_text(data, "service_uuid") or "",
        legal_subject=_read_identifier(data.get("legal_subject"), "legal_subject"),
        acting_subject=_read_identifier(data.get("acting_subject"), "acting_subject"),
        loa=loa,
        loa_required=loa_required,
        loa_requested=loa_requested,
        authn_instant=_parse_instant(data.get("authn_instant"), "authn_instant"),
        session_index=_text(data, "session_index", optional=True),
        broker=_text(data, "broker") or "",
        authenticating_authority=_text(data, "authenticating_authority", optional=True),
        authorization_registry=_text(data, "authorization_registry", optional=True),
        response_id=_text(data, "response_id") or "",
        assertion_id=_text(data, "assertion_id") or "",
        binding=_text(data, "binding") or "",
        vestigingsnummer=_text(data, "vestigingsnummer", optional=True),
        subdossiernummer=_text(data, "subdossiernummer", optional=True),
        intermediary=intermediary,
        additional_identifiers=tuple(_read_identifier(i, "additional identifier") for i in extra),
        attributes=MappingProxyType(attributes),
        relay_state=_text(data, "relay_state", optional=True),
        session_not_on_or_after=_parse_instant(not_after, "session_not_on_or_after") if not_after else None,
        name_id=name_id,
    )
    return StoredLogin(
        result,
        _parse_instant(data.get("logged_in_at"), "logged_in_at"),
        _parse_instant(data.get("expires_at"), "expires_at"),
    )


class SessionSeal:
    """AES-256-GCM over the JSON form. The key is derived (HKDF) from the deployment
    secret, so it differs from the RelayState and audit keys made from the same secret."""

    def __init__(self, secret: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ehkit session seal v1").derive(secret)
        self._aead = AESGCM(key)

    def seal(self, stored: StoredLogin) -> str:
        plain = json.dumps(login_to_dict(stored), separators=(",", ":"), sort_keys=True).encode()
        nonce = os.urandom(12)
        token = base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, plain, _AAD)).decode("ascii")
        if len(token) > MAX_SEALED_CHARS:
            raise SessionDataError(
                f"the login is {len(token)} characters sealed, too large for a cookie session "
                f"(at most {MAX_SEALED_CHARS}); request fewer attributes or use a server-side session"
            )
        return token

    def open(self, token: Any) -> StoredLogin:
        if not isinstance(token, str) or not token or len(token) > MAX_SEALED_CHARS:
            raise SessionDataError("no sealed login")
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise SessionDataError("the sealed login is not base64") from None
        if len(raw) < 12 + 16:
            raise SessionDataError("the sealed login is too short")
        try:
            plain = self._aead.decrypt(raw[:12], raw[12:], _AAD)
        except InvalidTag:
            raise SessionDataError("the sealed login does not open with this deployment's key") from None
        try:
            data = json.loads(plain)
        except ValueError:
            raise SessionDataError("the sealed login is not JSON") from None
        return login_from_dict(data)

    def read(self, token: Any, now: datetime) -> StoredLogin | None:
        """The login if the session holds a valid, unexpired one; otherwise None (logged)."""
        if token is None:
            return None
        try:
            stored = self.open(token)
        except SessionDataError as exc:
            log.info("ignoring the eHerkenning login in this session: %s", exc)
            return None
        if stored.expired(now):
            return None
        return stored
