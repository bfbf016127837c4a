"""SAML artifacts of type 0x0004 and their resolution messages."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from lxml import etree

from ehkit.errors import LoginRejected
from ehkit.saml import soap
from ehkit.saml.artifact import Artifact, source_id
from ehkit.saml.artifact_resolution import (
    build_artifact_resolve,
    build_artifact_response,
    parse_artifact_resolve,
    parse_artifact_response,
)
from ehkit.xml.parse import parse_document
from ehkit.xml.trust import TrustSet
from support import network as n

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_round_trip_and_source_id():
    art = Artifact.new(n.HM_ENTITY, endpoint_index=1)
    text = art.encode()
    raw = base64.b64decode(text)
    assert raw[:2] == b"\x00\x04" and raw[2:4] == b"\x00\x01" and len(raw) == 44
    assert raw[4:24] == hashlib.sha1(n.HM_ENTITY.encode()).digest()
    back = Artifact.decode(text)
    assert back == art and back.is_from(n.HM_ENTITY) and not back.is_from(n.DV_ENTITY)
    assert source_id(n.HM_ENTITY) == art.source_id


@pytest.mark.parametrize(
    "text,reason",
    [
        ("", "artifact_malformed"),
        ("A" * 201, "artifact_malformed"),
        ("not base64!", "artifact_malformed"),
        (base64.b64encode(b"\x00\x04" + b"\x00" * 41).decode(), "artifact_malformed"),
        (base64.b64encode(b"\x00\x01" + b"\x00" * 42).decode(), "artifact_type"),
    ],
)
def test_bad_artifacts(text, reason):
    with pytest.raises(LoginRejected) as info:
        Artifact.decode(text)
    assert info.value.reason == reason


def _dv_trust(net):
    return TrustSet.from_certificates([net.dv.certificate])


def test_artifact_resolve_round_trip(net):
    art = Artifact.new(n.HM_ENTITY).encode()
    el = build_artifact_resolve(
        art, issuer=n.DV_ENTITY, destination=n.ARS_URL, now=NOW, key=net.dv.private_key, key_name=net.dv.key_name
    )
    payload, _ = soap.unwrap(soap.wrap(el))
    parsed = parse_artifact_resolve(payload, lambda issuer: _dv_trust(net) if issuer == n.DV_ENTITY else None)
    assert (parsed.artifact, parsed.issuer, parsed.destination, parsed.issue_instant) == (
        art,
        n.DV_ENTITY,
        n.ARS_URL,
        NOW,
    )


def test_artifact_resolve_from_an_unknown_party(net):
    el = build_artifact_resolve(
        "x", issuer=n.DV_ENTITY, destination=n.ARS_URL, now=NOW, key=net.dv.private_key, key_name=None
    )
    with pytest.raises(LoginRejected) as info:
        parse_artifact_resolve(el, lambda issuer: None)
    assert info.value.reason == "issuer_unknown"


def test_artifact_response_wraps_a_signed_message_verbatim(net):
    inner = etree.fromstring(
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0"/>'
    )
    el = build_artifact_response(
        etree.tostring(inner),
        in_response_to="_req",
        issuer=n.HM_ENTITY,
        now=NOW,
        key=net.hm.private_key,
        key_name=net.hm.key_name,
    )
    doc = parse_document(etree.tostring(el))
    msg = parse_artifact_response(doc.root, doc, TrustSet.from_certificates([net.hm.certificate]))
    assert msg.in_response_to == "_req" and msg.issuer == n.HM_ENTITY and msg.message.get("ID") == "_r"


def test_artifact_response_not_success(net):
    el = build_artifact_response(None, in_response_to="_req", issuer=n.HM_ENTITY, now=NOW, key=None, key_name=None)
    el.find("{urn:oasis:names:tc:SAML:2.0:protocol}Status/{urn:oasis:names:tc:SAML:2.0:protocol}StatusCode").set(
        "Value", "urn:oasis:names:tc:SAML:2.0:status:Requester"
    )
    from ehkit.xml.signature import sign_element

    sign_element(el, net.hm.private_key, key_name=net.hm.key_name)
    doc = parse_document(etree.tostring(el))
    with pytest.raises(LoginRejected) as info:
        parse_artifact_response(doc.root, doc, TrustSet.from_certificates([net.hm.certificate]))
    assert info.value.reason == "artifact_not_resolved"
