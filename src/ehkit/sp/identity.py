"""Who logged in, read from the verified top-level assertion only.

Identifiers come in three forms, all accepted:

* ``saml:EncryptedID`` in an AttributeValue, encrypted to us (the normal,
  end-to-end encrypted case): decrypted here, once every check passed, and
  only when an EncryptedKey is addressed to us;
* a plain ``saml:NameID`` in an AttributeValue (brokers offering "decrypt at
  broker", as in the real 2023 message): the NameQualifier gives the type;
* the 2020 broker form: no LegalSubjectID, but a plain-text attribute named
  by the identifier type (``urn:etoegang:1.9:EntityConcernedID:KvKnr``), and
  the acting person as the persistent Subject NameID.

Nothing is read from Advice for identity; Advice only yields the MR's
EntityID for the audit trail (informational).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from ehkit.domain import urns
from ehkit.domain.identifiers import BSN, RSIN, ActingSubjectPseudonym, EntityID, KvKNumber, Vestigingsnummer
from ehkit.domain.urns import IdentifierType, identifier_type
from ehkit.errors import EhkitError, LoginRejected, ValidationError
from ehkit.saml import constants as c
from ehkit.saml.response import SAML_NAMEID, AssertionContent, Attribute, AttributeValue, NameID, read_name_id
from ehkit.sp.result import Identifier, Intermediary
from ehkit.sp.settings import ServiceSettings

Decryptor = Callable[[etree._Element], etree._Element]

_INTERMEDIATE = "intermediate-kvk"
_CORE_INFORMATIONAL = frozenset(
    {
        urns.SERVICE_ID,
        urns.SERVICE_UUID,
        urns.REPRESENTATION,
        urns.AUTHORIZATION_REGISTRY_ID,
        urns.ACTING_ENTITY_ID,
        urns.LINKED_DECLARATION_SIGNATURE_VALUE,
        urns.LEVEL_OF_ASSURANCE,
        urns.LEVEL_OF_ASSURANCE_USED,
    }
)
_ACTING_TYPES = frozenset({IdentifierType.PSEUDO, IdentifierType.PSEUDO_ID, IdentifierType.BSN})
_EIDAS_RE = re.compile(r"^[A-Z]{2}/[A-Z]{2}/[\x21-\x7e]{1,256}$")
_SUBDOSSIER_RE = re.compile(r"^[0-9]{4}$")
_MAX_PLAIN = 1024


def _reject(message: str, reason: str) -> LoginRejected:
    return LoginRejected(message, reason=reason)


def canonical_attribute_name(name: str) -> str:
    """One key per attribute, whatever alias a broker used, so aliases count as duplicates."""
    if name in urns.INTERMEDIATE_KVK_ALIASES:
        return _INTERMEDIATE
    kind = identifier_type(name)
    if kind is not None:
        return "type:" + kind.name
    return name


@dataclass(frozen=True)
class Identity:
    legal_subject: Identifier
    acting_subject: Identifier
    vestigingsnummer: str | None
    subdossiernummer: str | None
    intermediary: Intermediary | None
    additional_identifiers: tuple[Identifier, ...]
    attributes: dict[str, tuple[str, ...]]
    authorization_registry: str | None
    authenticating_authority: str | None


# ------------------------------------------------------------------ values


def _plain_ok(value: str, what: str) -> str:
    if not value or len(value) > _MAX_PLAIN or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise _reject(f"{what} is empty, too long or holds control characters", "identifier_invalid")
    return value


def _base64_blob(value: str, reason: str, what: str) -> str:
    if len(value) > 8192:
        raise _reject(f"{what} is too long", reason)
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _reject(f"{what} is not base64 (a BSNk encrypted identity)", reason) from None
    return value


def validate_identifier(kind: IdentifierType, urn: str, value: str) -> str:
    """The value as the domain class of its type, or a rejection with the type's reason.

    BSN and PseudoID of scheme 1.12 are BSNk polymorphic blobs (base64), not
    digits: only their form is checked. The old 1.9 BSN is 9 digits with the
    11-check.
    """
    try:
        if kind is IdentifierType.KVK:
            return KvKNumber(value)
        if kind is IdentifierType.RSIN:
            return RSIN(value)
        if kind is IdentifierType.PSEUDO:
            return ActingSubjectPseudonym(value)
        if kind is IdentifierType.BSN:
            if urn == "urn:etoegang:1.9:EntityConcernedID:BSN":
                return BSN(value)
            return _base64_blob(value, "bsn_invalid", "BSN")
        if kind is IdentifierType.PSEUDO_ID:
            return _base64_blob(value, "pseudoid_invalid", "PseudoID")
        if kind is IdentifierType.EIDAS_LEGAL:
            if not _EIDAS_RE.match(value):
                raise _reject("eIDAS legal identifier must look like XX/YY/identifier", "eidas_identifier_invalid")
            return value
    except ValidationError as exc:
        raise _reject(exc.message, exc.reason) from None
    raise _reject(f"unsupported identifier type {kind.name}", "identifier_type_unknown")  # pragma: no cover


class IdentityReader:
    """Reads identity from one assertion; decrypts through ``decrypt`` on demand."""

    def __init__(self, *, decrypt: Decryptor, validate_formats: bool, require_encrypted: bool = True) -> None:
        self._decrypt = decrypt
        self._validate = validate_formats
        self._require_encrypted = require_encrypted

    def _plaintext(self, what: str) -> None:
        if self._require_encrypted:
            raise _reject(
                f"{what} arrived in plain text; identifiers must be encrypted for the DV "
                "(set broker.require_encrypted_identifiers = false only for a 'decrypt at broker' contract)",
                "identifier_not_encrypted",
            )

    # -- primitives

    def _decrypted_name_id(self, value: AttributeValue, what: str) -> NameID:
        if value.element is None:
            raise _reject(f"{what}: the encrypted value holds no EncryptedID", "attribute_value_invalid")
        try:
            plain = self._decrypt(value.element)
        except EhkitError as exc:
            raise _reject(f"{what}: {exc.message}", exc.reason) from None
        if plain.tag != SAML_NAMEID:
            raise _reject(f"{what}: the encrypted content is not a saml:NameID", "nameid_invalid")
        return read_name_id(plain)

    def name_id(self, attr: Attribute, what: str) -> NameID | None:
        """The single NameID of an identifier attribute (decrypting if needed); None for plain text."""
        if len(attr.values) != 1:
            raise _reject(f"{what} must have exactly one value", "attribute_multivalued")
        value = attr.values[0]
        if value.kind == "nameid":
            self._plaintext(what)
            return value.name_id
        if value.kind == "encrypted":
            return self._decrypted_name_id(value, what)
        return None

    def identifier(self, name_id: NameID, what: str, *, allowed: frozenset[IdentifierType] | None = None) -> Identifier:
        urn = name_id.name_qualifier or ""
        kind = identifier_type(urn)
        if kind is None:
            raise _reject(f"{what} has an unknown identifier type {urn[:100]!r}", "identifier_type_unknown")
        if name_id.format not in (None, c.NAMEID_PERSISTENT):
            raise _reject(f"{what} must use the persistent NameID format", "nameid_invalid")
        if allowed and kind not in allowed:
            raise _reject(f"{what} of type {kind.name} is not allowed for this service", "identifier_type_not_allowed")
        return Identifier(kind, self.check(kind, urn, name_id.value, what), urn)

    def check(self, kind: IdentifierType, urn: str, value: str, what: str) -> str:
        if self._validate:
            return validate_identifier(kind, urn, value)
        return _plain_ok(value, what)

    # -- the whole identity

    def read(self, assertion: AssertionContent, attributes: dict[str, Attribute], service: ServiceSettings) -> Identity:
        legal_attr = attributes.get(urns.LEGAL_SUBJECT_ID)
        typed_plain = [a for k, a in attributes.items() if k.startswith("type:")]
        additional: list[Identifier] = []
        for attr in typed_plain:
            kind = identifier_type(attr.name)
            if kind is None:  # an attribute literally named "type:..." shares the key space
                raise _reject(f"attribute {attr.name[:120]!r} is not an identifier type", "attribute_value_invalid")
            if len(attr.values) != 1 or attr.values[0].kind != "text":
                raise _reject(f"attribute {attr.name} must hold one plain value", "attribute_value_invalid")
            raw = attr.values[0].text or ""
            additional.append(Identifier(kind, self.check(kind, attr.name, raw, attr.name), attr.name))

        allowed = service.identifier_types or None
        if legal_attr is not None:
            nid = self.name_id(legal_attr, "LegalSubjectID")
            if nid is None:
                raise _reject("LegalSubjectID must be a NameID or an EncryptedID", "attribute_value_invalid")
            legal = self.identifier(nid, "LegalSubjectID", allowed=allowed)
        elif len(additional) == 1:
            self._plaintext("the legal subject")
            legal = additional.pop()
            if allowed and legal.type not in allowed:
                raise _reject(
                    f"legal subject of type {legal.type.name} is not allowed for this service",
                    "identifier_type_not_allowed",
                )
        elif additional:
            raise _reject("no LegalSubjectID and several identifier attributes: ambiguous", "legal_subject_missing")
        else:
            raise _reject("the assertion names no legal subject (LegalSubjectID)", "legal_subject_missing")
        for extra in additional:
            if extra.type is legal.type and extra.value != legal.value:
                raise _reject(
                    "a second identifier of the legal subject's type disagrees with it", "legal_subject_conflict"
                )
        additional = [x for x in additional if not (x.type is legal.type and x.value == legal.value)]

        acting_attr = attributes.get(urns.ACTING_SUBJECT_ID)
        if acting_attr is not None:
            nid = self.name_id(acting_attr, "ActingSubjectID")
            if nid is None:
                raise _reject("ActingSubjectID must be a NameID or an EncryptedID", "attribute_value_invalid")
            acting = self.identifier(nid, "ActingSubjectID", allowed=_ACTING_TYPES)
        else:
            acting = self._acting_from_subject(assertion)

        vestiging = self._restriction(attributes.get(urns.VESTIGINGSNR), "Vestigingsnr")
        subdossier = self._restriction(attributes.get(urns.SUBDOSSIERNR), "SubdossierNr")
        intermediary = self._intermediary(attributes)
        extra_attrs = self._other_attributes(attributes)
        return Identity(
            legal_subject=legal,
            acting_subject=acting,
            vestigingsnummer=vestiging,
            subdossiernummer=subdossier,
            intermediary=intermediary,
            additional_identifiers=tuple(additional),
            attributes=extra_attrs,
            authorization_registry=_registry(assertion, attributes),
            authenticating_authority=_authority(assertion),
        )

    def _acting_from_subject(self, assertion: AssertionContent) -> Identifier:
        """The 2020 form: the acting person's pseudonym as persistent Subject NameID."""
        nid = assertion.subject_name_id
        if nid is None or nid.format != c.NAMEID_PERSISTENT:
            raise _reject("the assertion names no acting subject (ActingSubjectID)", "acting_subject_missing")
        self._plaintext("the acting subject (Subject NameID)")
        kind = IdentifierType.PSEUDO
        return Identifier(kind, self.check(kind, kind.urn, nid.value, "Subject NameID"), kind.urn)

    def _restriction(self, attr: Attribute | None, what: str) -> str | None:
        if attr is None:
            return None
        if len(attr.values) != 1 or attr.values[0].kind != "text":
            raise _reject(f"{what} must hold one plain value", "attribute_value_invalid")
        value = attr.values[0].text or ""
        if not self._validate:
            return _plain_ok(value, what)
        if what == "Vestigingsnr":
            try:
                return Vestigingsnummer(value)
            except ValidationError as exc:
                raise _reject(exc.message, exc.reason) from None
        if not _SUBDOSSIER_RE.match(value):
            raise _reject("SubdossierNr must be 4 digits", "subdossiernummer_invalid")
        return value

    def _intermediary(self, attributes: dict[str, Attribute]) -> Intermediary | None:
        attr = attributes.get(_INTERMEDIATE)
        if attr is None:
            return None
        nid = self.name_id(attr, "IntermediateEntityID")
        if nid is None:
            value = attr.values[0].text or ""
        else:
            if nid.name_qualifier and identifier_type(nid.name_qualifier) is not IdentifierType.KVK:
                raise _reject("the intermediary must be identified by a KvK number", "identifier_type_not_allowed")
            value = nid.value
        kvk = self.check(IdentifierType.KVK, IdentifierType.KVK.urn, value, "intermediary KvK number")
        name_attr = attributes.get(urns.INTERMEDIATE_COMPANY_NAME)
        company = None
        if name_attr is not None and len(name_attr.values) == 1 and name_attr.values[0].kind == "text":
            company = (name_attr.values[0].text or "").strip() or None
        return Intermediary(kvk=kvk, urn=attr.name, company_name=company)

    def _other_attributes(self, attributes: dict[str, Attribute]) -> dict[str, tuple[str, ...]]:
        """Requested attributes (names for eIDAS, company name, ...) as text.

        An encrypted value not addressed to us is skipped, never decrypted.
        """
        skip = _CORE_INFORMATIONAL | {
            urns.LEGAL_SUBJECT_ID,
            urns.ACTING_SUBJECT_ID,
            urns.VESTIGINGSNR,
            urns.SUBDOSSIERNR,
            _INTERMEDIATE,
            urns.INTERMEDIATE_COMPANY_NAME,
        }
        out: dict[str, tuple[str, ...]] = {}
        for key, attr in attributes.items():
            if key in skip or key.startswith("type:"):
                continue
            values: list[str] = []
            for v in attr.values:
                if v.kind == "text":
                    values.append(v.text or "")
                elif v.kind == "nameid" and v.name_id is not None:
                    values.append(v.name_id.value)
                else:
                    try:
                        values.append(self._decrypted_name_id(v, attr.name).value)
                    except LoginRejected as exc:
                        if exc.reason != "encryption_no_key_for_us":
                            raise
            out[attr.name] = tuple(values)
        return out


def _registry(assertion: AssertionContent, attributes: dict[str, Attribute]) -> str | None:
    """The MR's EntityID, informational: the Issuer of the MR's decision in
    Advice, else AuthorizationRegistryID, else an MR NameQualifier on the Subject."""
    for adv in assertion.advice:
        if adv.is_authorization_decision and adv.issuer:
            return adv.issuer
    attr = attributes.get(urns.AUTHORIZATION_REGISTRY_ID)
    if attr is not None and len(attr.values) == 1 and attr.values[0].kind == "text":
        return (attr.values[0].text or "").strip() or None
    nid = assertion.subject_name_id
    if (
        nid is not None
        and nid.name_qualifier
        and EntityID.is_valid(nid.name_qualifier)
        and EntityID(nid.name_qualifier).role == "MR"
    ):
        return nid.name_qualifier
    return None


def _authority(assertion: AssertionContent) -> str | None:
    """The AD's EntityID from AuthenticatingAuthority (an EntityID with role AD preferred)."""
    authorities = assertion.authn.authenticating_authorities
    for a in authorities:
        if EntityID.is_valid(a) and EntityID(a).role == "AD":
            return a
    return authorities[0] if authorities else None
