"""Scenarios: what the simulated broker does wrong on purpose, and what a DV must then do.

One catalogue, used by the browser pages (a select box), the JSON API, the
docs table and the tests. Each entry says in a sentence what changes, and
which reason code the ehkit SP (``LoginRejected.reason``) gives when it
refuses the result; ``expected_reason=None`` marks positive controls that a
correct DV must accept. Other SAML stacks will use other words, but the
refusal itself is what a conformance run checks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from ehkit.broker.grant import Grant
from ehkit.broker.messages.context import Tamper
from ehkit.domain.identifiers import ServiceID
from ehkit.domain.loa import LevelOfAssurance
from ehkit.saml.ids import new_id

_OTHER_UUID_NS = uuid.UUID("6f1c2b7e-4d8a-4c3e-9b0f-1a2d3c4e5f60")

#: "twice_spent_artifact": the same artifact handed out twice but resolvable once, as when a browser
#: goes back or a form is submitted twice; the second resolution gets an empty ArtifactResponse.
Delivery = Literal["once", "twice_same_artifact", "twice_new_artifact", "twice_spent_artifact"]
Resolution = Literal["normal", "slow", "http_500"]

LOA1_URN = "urn:etoegang:core:assurance-class:loa1"
#: Another DV's EntityID for the wrong-audience scenario (index 9999 of a made-up OIN).
OTHER_DV = "urn:etoegang:DV:00000009999999990000:entities:9999"
OTHER_ACS = "https://elders.example/saml/acs"


@dataclass(frozen=True)
class Scenario:
    id: str
    title_nl: str
    title_en: str
    description: str
    #: The ehkit SP reason code for the refusal; None: the DV must accept the login.
    expected_reason: str | None
    category: Literal["control", "time", "binding", "signature", "wrapping", "replay", "resolution", "content"]
    tamper: Callable[[Grant], Tamper] = field(default=lambda grant: Tamper(), repr=False)
    delivery: Delivery = "once"
    resolution: Resolution = "normal"

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_nl

    def summary(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title_nl": self.title_nl,
            "title_en": self.title_en,
            "description": self.description,
            "expected_reason": self.expected_reason,
            "category": self.category,
            "delivery": self.delivery,
            "resolution": self.resolution,
        }


def _lower_loa(grant: Grant) -> Tamper:
    """One step below what the service requires (EH2 services get the abolished loa1)."""
    required = grant.service.loa
    lower = [level for level in LevelOfAssurance if level < required]
    return Tamper(loa_urn=lower[-1].urn if lower else LOA1_URN)


def _other_service(grant: Grant) -> Tamper:
    index = grant.service.index
    other = index + 100 if index + 100 <= 9999 else index - 1
    return Tamper(service_id=str(ServiceID.build(grant.dv.oin, other)))


def _other_service_uuid(grant: Grant) -> Tamper:
    """A UUID derived from the real one, so it is stable per service and never equal to it."""
    return Tamper(service_uuid=str(uuid.uuid5(_OTHER_UUID_NS, grant.service.uuid)))


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "none",
        "Normale inlog",
        "Normal login",
        "A correct response, exactly as a real broker sends it.",
        None,
        "control",
    ),
    Scenario(
        "unsigned_inner_response",
        "Binnenste Response ongetekend",
        "Inner Response unsigned",
        "The Response inside the signed ArtifactResponse carries no signature of its own, which the "
        "afsprakenstelsel allows; the assertion is signed as always. A DV must accept it (artifact binding only).",
        None,
        "control",
        tamper=lambda g: Tamper(sign_response=False),
    ),
    Scenario(
        "expired_assertion",
        "Verlopen assertion",
        "Expired assertion",
        "The HM assertion's Conditions and SubjectConfirmationData ended an hour ago (its IssueInstant is current).",
        "time_expired",
        "time",
        tamper=lambda g: Tamper(validity_shift=-timedelta(hours=1)),
    ),
    Scenario(
        "not_yet_valid",
        "Assertion nog niet geldig",
        "Assertion not yet valid",
        "The HM assertion's Conditions start an hour from now (its IssueInstant is current).",
        "time_not_yet_valid",
        "time",
        tamper=lambda g: Tamper(validity_shift=timedelta(hours=1)),
    ),
    Scenario(
        "wrong_audience",
        "Verkeerde audience",
        "Wrong audience",
        "The assertion is addressed (AudienceRestriction) to another DV.",
        "audience_mismatch",
        "binding",
        tamper=lambda g: Tamper(audience=OTHER_DV),
    ),
    Scenario(
        "wrong_recipient",
        "Verkeerde recipient",
        "Wrong recipient",
        "SubjectConfirmationData/@Recipient names another ACS URL.",
        "recipient_mismatch",
        "binding",
        tamper=lambda g: Tamper(recipient=OTHER_ACS),
    ),
    Scenario(
        "wrong_destination",
        "Verkeerde destination",
        "Wrong destination",
        "The Response's Destination names another ACS URL.",
        "destination_mismatch",
        "binding",
        tamper=lambda g: Tamper(destination=OTHER_ACS),
    ),
    Scenario(
        "wrong_in_response_to",
        "Verkeerde InResponseTo",
        "Wrong InResponseTo",
        "The assertion's SubjectConfirmationData answers a request the DV never sent (the Response's InResponseTo is right).",
        "in_response_to_mismatch",
        "binding",
        tamper=lambda g: Tamper(confirmation_in_response_to=new_id()),
    ),
    Scenario(
        "unsigned_assertion",
        "Ongetekende assertion",
        "Unsigned assertion",
        "The HM assertion has no signature (the Response and ArtifactResponse are signed).",
        "signature_missing",
        "signature",
        tamper=lambda g: Tamper(sign_assertion=False),
    ),
    Scenario(
        "unknown_key",
        "Handtekening met onbekende sleutel",
        "Signature by an unknown key",
        "The HM assertion is signed by a key from another CA that is in no metadata.",
        "signature_untrusted",
        "signature",
        tamper=lambda g: Tamper(assertion_key="rogue"),
    ),
    Scenario(
        "tampered_assertion",
        "Assertion gewijzigd na ondertekening",
        "Assertion changed after signing",
        "The HM assertion's Subject was changed after it was signed, so its signature no longer matches; "
        "the Response and ArtifactResponse are signed over the changed assertion.",
        "signature_digest",
        "signature",
        tamper=lambda g: Tamper(corrupt_assertion=True),
    ),
    Scenario(
        "xsw3",
        "XSW3: kwaadaardige assertion ervoor",
        "XSW3: evil assertion first",
        "An unsigned assertion claiming another company is inserted before the signed one.",
        "assertion_count",
        "wrapping",
        tamper=lambda g: Tamper(wrapping="xsw3"),
    ),
    Scenario(
        "xsw_advice",
        "XSW in Advice",
        "XSW in Advice",
        "The signed assertion is hidden in the Advice of an unsigned one that claims another company.",
        "signature_missing",
        "wrapping",
        tamper=lambda g: Tamper(wrapping="xsw_advice"),
    ),
    Scenario(
        "duplicate_id",
        "Dubbele ID's",
        "Duplicate IDs",
        "An unsigned assertion with the same ID as the signed one is placed before it.",
        "duplicate_id",
        "wrapping",
        tamper=lambda g: Tamper(wrapping="duplicate_id"),
    ),
    Scenario(
        "replayed_artifact",
        "Artifact opnieuw gebruikt",
        "Replayed artifact",
        "The broker lets the artifact be resolved twice; the browser brings it to the DV a second time.",
        "replay",
        "replay",
        delivery="twice_same_artifact",
    ),
    Scenario(
        "replayed_assertion",
        "Assertion opnieuw aangeboden",
        "Replayed assertion",
        "The same Response (same IDs, same signatures) is delivered a second time under a new artifact.",
        "replay",
        "replay",
        delivery="twice_new_artifact",
    ),
    Scenario(
        "spent_artifact",
        "Artifact twee keer aangeboden",
        "Artifact offered twice",
        "The browser brings the same artifact a second time (back button, double submit); the broker resolves "
        "it once, so the second resolution gets an ArtifactResponse without a message.",
        "artifact_response_empty",
        "replay",
        delivery="twice_spent_artifact",
    ),
    Scenario(
        "slow_resolution",
        "Trage artifact resolution",
        "Slow artifact resolution",
        "The artifact resolution service waits slow_resolution_seconds (default 15 s, longer than the ehkit SP's default 10 s read timeout) before it answers.",
        "artifact_resolution_timeout",
        "resolution",
        resolution="slow",
    ),
    Scenario(
        "http_500",
        "HTTP 500 bij resolution",
        "HTTP 500 on resolution",
        "The artifact resolution service answers HTTP 500 without a SOAP body.",
        "artifact_resolution_http",
        "resolution",
        resolution="http_500",
    ),
    Scenario(
        "loa_too_low",
        "Te laag betrouwbaarheidsniveau",
        "Level of assurance too low",
        "The assertion claims one level below the service's level (for an EH2 service the abolished loa1, "
        "which the ehkit SP refuses as loa_eh1_refused).",
        "loa_too_low",
        "content",
        tamper=_lower_loa,
    ),
    Scenario(
        "wrong_service_id",
        "Verkeerde ServiceID",
        "Wrong ServiceID",
        "The ServiceID attribute names another service of the same DV.",
        "service_id_mismatch",
        "content",
        tamper=_other_service,
    ),
    Scenario(
        "wrong_service_uuid",
        "Verkeerde ServiceUUID",
        "Wrong ServiceUUID",
        "The ServiceUUID attribute names a service that is not the one requested (the ServiceID is right).",
        "service_uuid_mismatch",
        "content",
        tamper=_other_service_uuid,
    ),
    Scenario(
        "plaintext_identifiers",
        "Identificerende gegevens onversleuteld",
        "Identifiers in plaintext",
        "ActingSubjectID and LegalSubjectID (also in the MR statement) are plain NameIDs instead of EncryptedIDs, "
        "as brokers that 'decrypt at the broker' send them. The ehkit SP refuses this by default "
        "(end-to-end encryption); broker.require_encrypted_identifiers = false accepts it.",
        "identifier_not_encrypted",
        "content",
        tamper=lambda g: Tamper(plaintext_identifiers=True),
    ),
)

_BY_ID = {s.id: s for s in SCENARIOS}
DEFAULT = _BY_ID["none"]


def get_scenario(scenario_id: str | None) -> Scenario:
    """The scenario with this id; ``None`` or "" is the normal login."""
    if not scenario_id:
        return DEFAULT
    try:
        return _BY_ID[scenario_id]
    except KeyError:
        raise KeyError(f"unknown scenario {scenario_id!r} (known: {', '.join(_BY_ID)})") from None


def catalogue() -> list[dict[str, object]]:
    return [s.summary() for s in SCENARIOS]
