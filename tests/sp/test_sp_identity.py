"""Who logged in: identifier types, chain authorisation, requested attributes, the 2020 fallbacks."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from lxml import etree

from ehkit.domain import urns
from ehkit.domain.urns import IdentifierType
from ehkit.errors import LoginRejected
from ehkit.sp.identity import validate_identifier
from ehkit.xml.encryption import EncryptionRecipient
from ehkit.xml.ns import SAML, q
from support import network as n
from support.reference_messages import add_attribute, attribute, encrypted_id, remove
from support.scenario import VALID_KVK, Scenario

KVK_URN = "urn:etoegang:1.9:EntityConcernedID:KvKnr"


def _nameid(qualifier: str, value: str) -> str:
    return f'<saml2:NameID xmlns:saml2="{SAML}" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" NameQualifier="{qualifier}">{value}</saml2:NameID>'


def _legal(root):
    return attribute(root, urns.LEGAL_SUBJECT_ID).find(f"{q(SAML, 'AttributeValue')}/{q(SAML, 'NameID')}")


def _with_types(net, *types):
    return tuple(replace(s, identifier_types=frozenset(types)) if s.key == n.SERVICE_KEY else s for s in net.services())


@pytest.mark.parametrize("form", ["text", "nameid", "encrypted"])
@pytest.mark.parametrize("urn", urns.INTERMEDIATE_KVK_ALIASES)
def test_chain_authorisation_intermediary(net, messages, t0, form, urn):
    def add(root):
        if form == "text":
            add_attribute(root, urn, "12345678")
        else:
            nid = _nameid(KVK_URN, "12345678")
            if form == "encrypted":
                enc = encrypted_id(
                    etree.fromstring(nid), [EncryptionRecipient(net.dv.public_key, n.DV_ENTITY, net.dv.key_name)]
                )
                nid = etree.tostring(enc, encoding="unicode")
            add_attribute(root, urn, nid)
        add_attribute(root, urns.INTERMEDIATE_COMPANY_NAME, "Boekhouders B.V.")

    # A plain NameID is only acceptable under a "decrypt at broker" contract.
    s = Scenario(net, messages, t0, require_encrypted_identifiers=(form != "nameid"))
    result = s.submit(edit=add)
    assert result.intermediary.kvk == "12345678"
    assert result.intermediary.urn == urn
    assert result.intermediary.company_name == "Boekhouders B.V."
    assert result.legal_subject.value == VALID_KVK


def test_intermediary_must_be_a_kvk_number(net, messages, t0):
    s = Scenario(net, messages, t0, require_encrypted_identifiers=False)
    exc = s.reject(
        edit=lambda root: add_attribute(
            root, urns.INTERMEDIATE_KVK, _nameid("urn:etoegang:1.9:EntityConcernedID:RSIN", "123456789")
        )
    )
    assert exc.reason == "identifier_type_not_allowed"


def test_requested_attributes_are_returned(net, messages, t0):
    """eIDAS names and company name, as requested through the catalogue; an encrypted
    value for someone else is skipped, never decrypted."""

    def add(root):
        add_attribute(root, "urn:etoegang:1.9:attribute:FirstName", "Jan")
        add_attribute(root, "urn:etoegang:1.9:attribute:FamilyName", "Jansen")
        enc = encrypted_id(
            etree.fromstring(_nameid("x", "1970-01-01")),
            [EncryptionRecipient(net.other.public_key, n.MR_ENTITY, net.other.key_name)],
        )
        add_attribute(root, "urn:etoegang:1.9:attribute:DateOfBirth", etree.tostring(enc, encoding="unicode"))

    s = Scenario(net, messages, t0)
    result = s.submit(edit=add)
    assert result.attribute("urn:etoegang:1.9:attribute:FirstName") == "Jan"
    assert result.attributes["urn:etoegang:1.9:attribute:FamilyName"] == ("Jansen",)
    assert result.attributes["urn:etoegang:1.9:attribute:DateOfBirth"] == ()
    assert s.private_ops == 2  # only the two identifiers addressed to us


def test_identifier_type_must_be_allowed_for_the_service(net, messages, t0):
    s = Scenario(net, messages, t0, services=_with_types(net, IdentifierType.RSIN))
    assert s.reject().reason == "identifier_type_not_allowed"


def test_unknown_identifier_type(net, messages, t0):
    s = Scenario(net, messages, t0)
    exc = s.reject(
        edit_plain=lambda root: _legal(root).set("NameQualifier", "urn:etoegang:9.9:EntityConcernedID:Other")
    )
    assert exc.reason == "identifier_type_unknown"


def test_transient_identifier_format_refused(net, messages, t0):
    s = Scenario(net, messages, t0)
    exc = s.reject(
        edit_plain=lambda root: _legal(root).set("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:transient")
    )
    assert exc.reason == "nameid_invalid"


def test_rsin_legal_subject(net, messages, t0):
    def rsin(root):
        _legal(root).set("NameQualifier", "urn:etoegang:1.9:EntityConcernedID:RSIN")
        _legal(root).text = "123456789"

    result = Scenario(net, messages, t0).submit(edit_plain=rsin)
    assert result.legal_subject.type is IdentifierType.RSIN and result.legal_subject.value == "123456789"


def test_additional_plain_identifier_and_conflict(net, messages, t0):
    s = Scenario(net, messages, t0)
    result = s.submit(edit=lambda root: add_attribute(root, "urn:etoegang:1.9:EntityConcernedID:RSIN", "123456789"))
    assert [(i.type, i.value) for i in result.additional_identifiers] == [(IdentifierType.RSIN, "123456789")]
    s2 = Scenario(net, messages, t0)
    assert s2.reject(edit=lambda root: add_attribute(root, KVK_URN, "11111111")).reason == "legal_subject_conflict"


def test_legal_subject_missing(net, messages, t0):
    s = Scenario(net, messages, t0)
    assert s.reject(edit=lambda root: remove(attribute(root, urns.LEGAL_SUBJECT_ID))).reason == "legal_subject_missing"


def test_acting_subject_missing(net, messages, t0):
    s = Scenario(net, messages, t0)
    assert (
        s.reject(edit=lambda root: remove(attribute(root, urns.ACTING_SUBJECT_ID))).reason == "acting_subject_missing"
    )


def test_acting_subject_must_be_a_person_type(net, messages, t0):
    def kvk(root):
        nid = attribute(root, urns.ACTING_SUBJECT_ID).find(f"{q(SAML, 'AttributeValue')}/{q(SAML, 'NameID')}")
        nid.set("NameQualifier", KVK_URN)
        nid.text = "12345678"

    assert Scenario(net, messages, t0).reject(edit_plain=kvk).reason == "identifier_type_not_allowed"


def test_plain_text_legal_subject_id_refused(net, messages, t0):
    def text(root):
        value = attribute(root, urns.LEGAL_SUBJECT_ID).find(q(SAML, "AttributeValue"))
        value.remove(value[0])
        value.text = VALID_KVK

    assert Scenario(net, messages, t0).reject(edit_plain=text, encrypt=False).reason == "attribute_value_invalid"


# ------------------------------------------------------------------ formats per type (catalogue case 54)


BSNK_BLOB = base64.b64encode(b"\x30\x82" + b"\x01" * 300).decode()


@pytest.mark.parametrize(
    "kind,urn,value",
    [
        (IdentifierType.KVK, KVK_URN, "12345678"),
        (IdentifierType.RSIN, "urn:etoegang:1.9:EntityConcernedID:RSIN", "123456789"),
        (IdentifierType.BSN, "urn:etoegang:1.9:EntityConcernedID:BSN", "111222333"),
        (IdentifierType.BSN, "urn:etoegang:1.12:EntityConcernedID:BSN", BSNK_BLOB),
        (IdentifierType.PSEUDO_ID, "urn:etoegang:1.12:EntityConcernedID:PseudoID", BSNK_BLOB),
        (IdentifierType.EIDAS_LEGAL, "urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier", "DE/NL/HRB12345"),
        (IdentifierType.PSEUDO, "urn:etoegang:1.13:EntityConcernedID:Pseudo", "a" * 64 + "@" + "B" * 32),
    ],
)
def test_valid_formats(kind, urn, value):
    assert validate_identifier(kind, urn, value) == value


@pytest.mark.parametrize(
    "kind,urn,value,reason",
    [
        (IdentifierType.KVK, KVK_URN, "1234567", "kvk_invalid"),
        (IdentifierType.RSIN, "urn:etoegang:1.9:EntityConcernedID:RSIN", "123456788", "rsin_invalid"),
        (IdentifierType.BSN, "urn:etoegang:1.9:EntityConcernedID:BSN", "123456789", "bsn_invalid"),
        (IdentifierType.BSN, "urn:etoegang:1.12:EntityConcernedID:BSN", "not base64!", "bsn_invalid"),
        (IdentifierType.PSEUDO_ID, "urn:etoegang:1.12:EntityConcernedID:PseudoID", "%%%", "pseudoid_invalid"),
        (
            IdentifierType.EIDAS_LEGAL,
            "urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier",
            "HRB 12345",
            "eidas_identifier_invalid",
        ),
        (IdentifierType.PSEUDO, "urn:etoegang:1.13:EntityConcernedID:Pseudo", "abc@def", "pseudonym_invalid"),
    ],
)
def test_invalid_formats(kind, urn, value, reason):
    with pytest.raises(LoginRejected) as info:
        validate_identifier(kind, urn, value)
    assert info.value.reason == reason
