"""ehkit.saml.response: verification (authenticity) and reading (form) of the HM's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from ehkit.errors import LoginRejected
from ehkit.saml import constants as c
from ehkit.saml.response import (
    message_element,
    read_assertion,
    read_name_id,
    read_response,
    read_status,
    verify_message,
)
from ehkit.xml.ns import SAML, SAMLP, q
from ehkit.xml.parse import parse_document
from ehkit.xml.trust import TrustSet
from support import network as n
from support.reference_messages import attribute_statement, response_of, top_assertion


def _trust(net):
    return TrustSet.from_certificates([net.hm.certificate])


def _verify(net, built, **kw):
    kw.setdefault("binding", "artifact")
    kw.setdefault("artifact_resolve_id", built.resolve_id)
    return verify_message(parse_document(built.xml), broker_entity_id=n.HM_ENTITY, trust=_trust(net), **kw)


def test_verified_elements_and_values(net, messages, t0):
    built = messages.build(request_id="_req", now=t0)
    v = _verify(net, built)
    assert v.response_id == built.response_id and v.assertion_id == built.assertion_id
    assert v.in_response_to == "_req"
    assert v.status.success
    assert v.assertion.getparent() is v.response
    assert v.response.getparent() is v.artifact_response.element
    assert v.response_signature is not None and v.assertion_signature is not None
    assert v.response_issue_instant == t0


def test_reading(net, messages, t0):
    built = messages.build(request_id="_req", now=t0)
    v = _verify(net, built)
    r = read_response(v)
    assert r.destination == n.ACS_URL and r.in_response_to == "_req"
    a = read_assertion(v)
    assert a.issuer == n.HM_ENTITY
    assert a.subject_name_id.format == c.NAMEID_TRANSIENT
    (sc,) = a.confirmations
    assert (sc.method, sc.recipient, sc.in_response_to) == (c.CM_BEARER, n.ACS_URL, "_req")
    assert sc.not_on_or_after == t0 + timedelta(minutes=2, milliseconds=42)
    assert a.conditions.audience_restrictions == ((n.DV_ENTITY,),)
    assert a.conditions.not_before == t0 - timedelta(seconds=4, milliseconds=958)
    assert a.authn.class_ref == "urn:etoegang:core:assurance-class:loa3"
    assert a.encrypted_id_count == 2
    assert [x.name for x in a.attributes][:2] == [
        "urn:etoegang:core:ActingSubjectID",
        "urn:etoegang:core:LegalSubjectID",
    ]
    assert [(adv.issuer.split(":")[2], adv.is_authorization_decision) for adv in a.advice] == [
        ("AD", False),
        ("MR", True),
    ]


def test_artifact_binding_needs_the_resolve_id(net, messages, t0):
    built = messages.build(request_id="_req", now=t0)
    with pytest.raises(ValueError):
        _verify(net, built, artifact_resolve_id=None)


def test_post_binding_refuses_an_artifact_response(net, messages, t0):
    built = messages.build(request_id="_req", now=t0)
    with pytest.raises(LoginRejected) as info:
        _verify(net, built, binding="post")
    assert info.value.reason == "message_type_unexpected"


def test_soap_payload(net, messages, t0):
    built = messages.build(request_id="_req", now=t0, soap=True)
    doc = parse_document(built.xml)
    assert message_element(doc).tag == q(SAMLP, "ArtifactResponse")
    assert _verify(net, built).assertion is not None


def test_status_reading():
    el = etree.fromstring(
        f'<p:Response xmlns:p="{SAMLP}"><p:Status><p:StatusCode Value="{c.STATUS_RESPONDER}">'
        f'<p:StatusCode Value="{c.STATUS_AUTHN_FAILED}"/></p:StatusCode><p:StatusMessage> Geannuleerd </p:StatusMessage>'
        "</p:Status></p:Response>"
    )
    status = read_status(el)
    assert (status.code, status.sub_code, status.message, status.success) == (
        c.STATUS_RESPONDER,
        c.STATUS_AUTHN_FAILED,
        "Geannuleerd",
        False,
    )


def test_status_twice_is_refused():
    el = etree.fromstring(f'<p:Response xmlns:p="{SAMLP}"><p:Status/><p:Status/></p:Response>')
    with pytest.raises(LoginRejected) as info:
        read_status(el)
    assert info.value.reason == "structure_duplicate"


def test_name_id_text_rules():
    el = etree.fromstring(f'<s:NameID xmlns:s="{SAML}" NameQualifier="q"> 12<!--x-->34 </s:NameID>')
    assert read_name_id(el).value == " 1234 "  # all text, comments ignored, never trimmed
    with pytest.raises(LoginRejected) as info:
        read_name_id(etree.fromstring(f'<s:NameID xmlns:s="{SAML}">1<s:x/></s:NameID>'))
    assert info.value.reason == "nameid_invalid"


@pytest.mark.parametrize(
    "edit,reason",
    [
        (lambda st: st.append(etree.Element(q(SAML, "EncryptedAttribute"))), "encrypted_attribute_unsupported"),
        (lambda st: st.append(etree.Element(q(SAML, "Other"))), "statement_invalid"),
        (lambda st: etree.SubElement(st, q(SAML, "Attribute")), "attribute_value_invalid"),
        (
            lambda st: etree.SubElement(etree.SubElement(st, q(SAML, "Attribute"), Name="x"), q(SAML, "Foo")),
            "attribute_value_invalid",
        ),
    ],
)
def test_attribute_statement_form(net, messages, t0, edit, reason):
    built = messages.build(request_id="_req", now=t0, edit=lambda root: edit(attribute_statement(root)))
    v = _verify(net, built)
    with pytest.raises(LoginRejected) as info:
        read_assertion(v)
    assert info.value.reason == reason


def test_conditions_one_time_use_and_unknown(net, messages, t0):
    def add(root):
        cond = top_assertion(response_of(root)).find(q(SAML, "Conditions"))
        etree.SubElement(cond, q(SAML, "OneTimeUse"))
        etree.SubElement(cond, q(SAML, "ProxyRestriction"))

    a = read_assertion(_verify(net, messages.build(request_id="_req", now=t0, edit=add)))
    assert a.conditions.one_time_use is True
    assert a.conditions.unsupported == ("ProxyRestriction",)


def test_cancel_needs_no_assertion(net, messages, t0):
    def cancel(root):
        resp = response_of(root)
        resp.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}").set("Value", c.STATUS_RESPONDER)
        resp.remove(top_assertion(resp))

    v = _verify(net, messages.build(request_id="_req", now=t0, edit=cancel, encrypt=False))
    assert v.assertion is None and not v.status.success
    with pytest.raises(LoginRejected) as info:
        read_assertion(v)
    assert info.value.reason == "assertion_count"
