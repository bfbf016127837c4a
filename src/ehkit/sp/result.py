"""What a successful login gives the application: small, typed, frozen values.

Identifiers arrive end-to-end encrypted from the machtigingenregister and are
decrypted only after every signature and policy check passed. A BSN never
appears in a ``repr`` (so not in a log line or a traceback either).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType

_MASKED_TYPES = (IdentifierType.BSN,)


def _shown(kind: IdentifierType, value: str) -> str:
    if kind in _MASKED_TYPES:
        return "'*********'"
    return repr(value)


@dataclass(frozen=True, repr=False)
class Identifier:
    """A typed identifier: ``type`` from the NameQualifier, ``urn`` exactly as received.

    ``value`` is the validated domain value (``KvKNumber``, ``RSIN``, ...) when
    the policy validates formats, else the text as received.
    """

    type: IdentifierType
    value: str
    urn: str

    def __repr__(self) -> str:
        return f"Identifier({self.type.name}, {_shown(self.type, self.value)})"

    def __str__(self) -> str:
        return "*********" if self.type in _MASKED_TYPES else str(self.value)

    @property
    def is_kvk(self) -> bool:
        return self.type is IdentifierType.KVK


@dataclass(frozen=True)
class Intermediary:
    """The intermediary of a chain authorisation (ketenmachtiging): who acts for the legal subject."""

    kvk: str
    urn: str
    company_name: str | None = None


@dataclass(frozen=True)
class LoginResult:
    """A verified eHerkenning login.

    ``legal_subject`` is the party represented (company, sole trader, foreign
    legal person); ``acting_subject`` the pseudonym of the person who logged
    in. ``vestigingsnummer`` restricts the authorisation to one branch: an
    application must honour it when present. ``loa`` is the delivered level,
    ``loa_required`` the service's, ``loa_requested`` what the AuthnRequest
    asked for (None when it left that to the catalogue). ``broker``,
    ``authenticating_authority`` and ``authorization_registry`` are the HM,
    AD and MR EntityIDs, for the audit trail; the AD and MR ones are
    informational (see docs/sp.md).
    """

    request_id: str
    service: str
    service_id: str
    service_uuid: str
    legal_subject: Identifier
    acting_subject: Identifier
    loa: LevelOfAssurance
    loa_required: LevelOfAssurance
    loa_requested: LevelOfAssurance | None
    authn_instant: datetime
    session_index: str | None
    broker: str
    authenticating_authority: str | None
    authorization_registry: str | None
    response_id: str
    assertion_id: str
    binding: str
    vestigingsnummer: str | None = None
    subdossiernummer: str | None = None
    intermediary: Intermediary | None = None
    additional_identifiers: tuple[Identifier, ...] = ()
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    relay_state: str | None = None
    session_not_on_or_after: datetime | None = None
    #: The assertion's Subject NameID (value, Format, NameQualifier), for the LogoutRequest.
    name_id: tuple[str, str | None, str | None] | None = None

    def attribute(self, urn: str) -> str | None:
        """The single value of a requested attribute, or None when absent."""
        values = self.attributes.get(urn)
        return values[0] if values else None
