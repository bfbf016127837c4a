"""The real broker messages, re-signed and re-encrypted for the test network,
yield exactly the LoginResult their content implies."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType
from ehkit.errors import LoginRejected
from ehkit.xml.encryption import PrivateKeyCounter
from support import network as n
from support.reference_messages import (
    REAL_AD,
    REAL_KVK,
    REAL_MR,
    REAL_PSEUDONYM,
    REAL_SESSION_INDEX,
    REAL_VESTIGING,
    RESPONSE_2020,
    ReferenceMessages,
)
from support.scenario import VALID_KVK, VALID_VESTIGING, Scenario


def test_real_2023_artifact_response_yields_its_login(net, messages, t0):
    s = Scenario(net, messages, t0, real_formats=True)
    built = s.build()
    before = PrivateKeyCounter.count
    result = s.submit(built)

    assert PrivateKeyCounter.count - before == 2  # ActingSubjectID and LegalSubjectID, one RSA op each
    assert result.request_id == s.start.request_id
    assert result.service == n.SERVICE_KEY
    assert result.service_id == n.SERVICE_ID
    assert result.service_uuid == n.SERVICE_UUID
    assert result.legal_subject.type is IdentifierType.KVK
    assert result.legal_subject.value == REAL_KVK
    assert result.legal_subject.urn == "urn:etoegang:1.9:EntityConcernedID:KvKnr"
    assert result.acting_subject.type is IdentifierType.PSEUDO
    assert result.acting_subject.value == REAL_PSEUDONYM
    assert result.acting_subject.urn == "urn:etoegang:1.13:EntityConcernedID:Pseudo"
    assert result.vestigingsnummer == REAL_VESTIGING
    assert result.subdossiernummer is None  # only in the MR's Advice, which is never read for identity
    assert result.intermediary is None
    assert result.loa is LevelOfAssurance.EH3
    assert result.loa_required is LevelOfAssurance.EH3
    assert result.loa_requested is None
    assert result.session_index == REAL_SESSION_INDEX
    # The real message authenticated 42 ms after the Response was issued.
    assert result.authn_instant == built.issued_at + timedelta(milliseconds=42)
    assert result.broker == n.HM_ENTITY
    assert result.authenticating_authority == REAL_AD
    assert result.authorization_registry == REAL_MR
    assert result.response_id == built.response_id
    assert result.assertion_id == built.assertion_id
    assert result.binding == "artifact"
    assert result.relay_state == "/aanvraag/42"
    assert dict(result.attributes) == {}


def test_real_2023_in_its_soap_envelope(net, messages, t0):
    s = Scenario(net, messages, t0, real_formats=True)
    result = s.submit(s.build(soap=True))
    assert result.legal_subject.value == REAL_KVK


def test_real_2023_plain_nameids_as_delivered_by_decrypt_at_broker(net, messages, t0):
    """The file as published (identifiers shown decrypted) is also what a broker
    with "decrypt at broker" sends: plain NameIDs are accepted when the DV says
    so, nothing decrypted. By default they are refused (end-to-end encryption)."""
    strict = Scenario(net, messages, t0, real_formats=True)
    assert strict.reject(strict.build(encrypt=False)).reason == "identifier_not_encrypted"
    s = Scenario(net, messages, t0, real_formats=True, require_encrypted_identifiers=False)
    before = PrivateKeyCounter.count
    result = s.submit(s.build(encrypt=False))
    assert PrivateKeyCounter.count == before
    assert result.legal_subject.value == REAL_KVK
    assert result.acting_subject.value == REAL_PSEUDONYM


def test_real_identifier_formats_fail_validation_by_default(net, messages, t0):
    """Catalogue case 54: the sanitised 10-digit KvK number is not a KvK number."""
    s = Scenario(net, messages, t0, real_formats=True, validate_identifier_formats=True)
    assert s.reject().reason == "kvk_invalid"


def test_valid_formats_are_returned_as_domain_values(net, messages, t0):
    from ehkit.domain.identifiers import KvKNumber, Vestigingsnummer

    s = Scenario(net, messages, t0)
    result = s.submit()
    assert result.legal_subject.value == VALID_KVK
    assert isinstance(result.legal_subject.value, KvKNumber)
    assert isinstance(result.vestigingsnummer, Vestigingsnummer)
    assert result.vestigingsnummer == VALID_VESTIGING


def test_real_2020_post_response_with_broker_plaintext_identifiers(net, t0):
    """The 2020 broker form: no LegalSubjectID at the top level but a plain
    EntityConcernedID:KvKnr attribute, and the acting person as the persistent
    Subject NameID. Its LegalSubjectID/ActingSubjectID exist only inside Advice,
    encrypted to the real DV; they are never touched."""
    messages_2020 = ReferenceMessages(net, RESPONSE_2020)
    s = Scenario(
        net, messages_2020, t0, service="melding", response_binding="post", require_encrypted_identifiers=False
    )
    before = PrivateKeyCounter.count
    built = s.build(encrypt=False, resolve_id=None, service_id=n.OTHER_SERVICE_ID, service_uuid=n.OTHER_SERVICE_UUID)
    result = s.submit(built, binding="post")
    assert PrivateKeyCounter.count == before
    assert result.binding == "post"
    assert result.legal_subject.type is IdentifierType.KVK
    assert result.legal_subject.value == "24444001"
    assert result.acting_subject.type is IdentifierType.PSEUDO
    assert result.acting_subject.value.startswith("14D0E8DF5F3466D583CBB592F60F6C45")
    assert result.loa is LevelOfAssurance.EH2_PLUS
    assert result.service == "melding"
    assert result.authorization_registry == "urn:etoegang:MR:00000003244440010000:entities:9133"
    assert result.authenticating_authority == "urn:etoegang:AD:00000003244440010000:entities:9133"
    assert result.session_index is None


def test_2020_message_for_an_eh3_service_is_too_weak(net, t0):
    """The 2020 login was at EH2+; the "vergunning" test service requires EH3."""
    messages_2020 = ReferenceMessages(net, RESPONSE_2020)
    s = Scenario(net, messages_2020, t0, response_binding="post")
    assert s.reject(s.build(encrypt=False, resolve_id=None), binding="post").reason == "loa_too_low"


def test_bsn_never_in_repr(net, messages, t0):
    from ehkit.domain import urns
    from ehkit.xml.ns import SAML, q
    from support.reference_messages import attribute

    def bsn(root):
        nid = attribute(root, urns.LEGAL_SUBJECT_ID).find(f"{q(SAML, 'AttributeValue')}/{q(SAML, 'NameID')}")
        nid.set("NameQualifier", "urn:etoegang:1.9:EntityConcernedID:BSN")
        nid.text = "111222333"

    from dataclasses import replace

    services = tuple(
        replace(svc, identifier_types=frozenset({IdentifierType.BSN})) if svc.key == n.SERVICE_KEY else svc
        for svc in net.services()
    )
    s = Scenario(net, messages, t0, services=services)
    result = s.submit(edit_plain=bsn)
    assert result.legal_subject.type is IdentifierType.BSN
    assert result.legal_subject.value == "111222333"
    assert "111222333" not in repr(result)
    assert "111222333" not in str(result.legal_subject)


def test_audit_event_has_no_identifiers_in_clear(net, messages, t0, caplog):
    s = Scenario(net, messages, t0)
    with caplog.at_level(logging.INFO, logger="ehkit.audit"):
        result = s.submit()
    events = [r for r in caplog.records if r.name == "ehkit.audit"]
    assert len(events) == 1
    event = events[0].ehkit_event
    assert event["outcome"] == "success"
    assert event["request_id"] == result.request_id
    assert event["service"] == n.SERVICE_KEY
    assert event["loa"] == "EH3"
    assert event["broker"] == n.HM_ENTITY
    assert isinstance(event["duration_ms"], float)
    assert len(event["legal_subject_hash"]) == 32
    text = events[0].getMessage()
    assert VALID_KVK not in text and REAL_PSEUDONYM not in text


def test_audit_event_on_rejection_carries_reason(net, messages, t0, caplog):
    s = Scenario(net, messages, t0)
    with caplog.at_level(logging.INFO, logger="ehkit.audit"), pytest.raises(LoginRejected):
        s.submit(sign=("response", "artifact"))
    events = [r.ehkit_event for r in caplog.records if r.name == "ehkit.audit"]
    assert [(e["outcome"], e["reason"]) for e in events] == [("rejected", "signature_missing")]
