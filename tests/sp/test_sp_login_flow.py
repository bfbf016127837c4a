"""start_login and finish_login: the AuthnRequest as the afsprakenstelsel wants
it, and the artifact binding over a mocked SOAP endpoint (httpx.MockTransport)."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from lxml import etree

from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import ConfigError, LoginRejected, ValidationError
from ehkit.saml import constants as c
from ehkit.saml import soap
from ehkit.saml.artifact import Artifact
from ehkit.saml.artifact_resolution import parse_artifact_resolve
from ehkit.saml.authn_request import parse_authn_request
from ehkit.saml.bindings import decode_redirect, verify_redirect_query
from ehkit.sp.artifact_client import ArtifactClient, Timeouts
from ehkit.xml.encryption import PrivateKeyCounter
from ehkit.xml.ns import SAMLP, q
from ehkit.xml.trust import TrustSet
from support import network as n
from support.scenario import VALID_KVK, Scenario


def dv_trust(net) -> TrustSet:
    return TrustSet.from_certificates([net.dv.certificate])


# ------------------------------------------------------------------ start_login


def test_redirect_request_is_signed_and_complete(net, t0):
    sp = net.sp()
    start = sp.start_login("vergunning", relay_state="/aanvraag/42", now=t0)
    assert start.method == "redirect"
    assert start.url.startswith(n.SSO_URL + "?")
    assert start.headers["Cache-Control"] == "no-cache, no-store"
    message = verify_redirect_query(urlsplit(start.url).query, dv_trust(net))
    assert message.relay_state == start.relay_state
    req = parse_authn_request(message.xml, None, require_signature=False).request
    assert req.id == start.request_id
    assert req.destination == n.SSO_URL
    assert req.issuer == n.DV_ENTITY
    assert req.force_authn is True
    assert req.attribute_consuming_service_index == n.SERVICE_INDEX
    assert req.protocol_binding == c.BINDING_ARTIFACT
    assert req.assertion_consumer_service_url == n.ACS_URL
    assert req.requested_loa is None  # the catalogue decides, as the brokers advise
    assert req.issue_instant == t0
    assert start.expires_at == t0 + timedelta(minutes=15)


def test_post_request_carries_an_enveloped_signature(net, t0):
    sp = net.sp(request_binding="post")
    start = sp.start_login("melding", now=t0, provider_name="Gemeente Test")
    assert start.method == "post" and start.url == n.SSO_URL
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', start.form_html))
    parsed = parse_authn_request(base64.b64decode(fields["SAMLRequest"]), dv_trust(net))
    assert parsed.signature is not None
    assert parsed.signature.key_name == net.dv.key_name
    assert parsed.request.attribute_consuming_service_index == 2
    assert parsed.request.provider_name == "Gemeente Test"
    assert fields["RelayState"] == start.relay_state


def test_requested_authn_context_minimum_never_above_catalogue(net, t0):
    sp = net.sp()
    start = sp.start_login("vergunning", now=t0, loa="EH2+")
    xml = decode_redirect(parse_qs(urlsplit(start.url).query)["SAMLRequest"][0])
    rac = etree.fromstring(xml).find(q(SAMLP, "RequestedAuthnContext"))
    assert rac.get("Comparison") == "minimum"
    assert parse_authn_request(xml, None, require_signature=False).request.requested_loa is LevelOfAssurance.EH2_PLUS
    with pytest.raises(ValidationError) as info:
        sp.start_login("vergunning", now=t0, loa="EH4")
    assert info.value.reason == "loa_above_catalogue"


def test_service_group_entity_id_is_the_issuer(net, t0):
    start = net.sp().start_login("eidas", now=t0)
    message = verify_redirect_query(urlsplit(start.url).query, dv_trust(net))
    assert parse_authn_request(message.xml, None, require_signature=False).request.issuer == n.DV_EIDAS_ENTITY


def test_unique_ids_and_short_relay_state(net, t0):
    sp = net.sp()
    starts = [sp.start_login("vergunning", relay_state="/" + "x" * 2000, now=t0) for _ in range(50)]
    assert len({s.request_id for s in starts}) == 50
    assert len({s.relay_state for s in starts}) == 50
    assert all(len(s.relay_state.encode()) <= 80 for s in starts)


def test_unknown_service(net, t0):
    with pytest.raises(ConfigError) as info:
        net.sp().start_login("nope", now=t0)
    assert info.value.reason == "unknown_service"


def test_pending_request_expires(net, messages, t0):
    s = Scenario(net, messages, t0)
    late = t0 + timedelta(minutes=16)
    exc = s.reject(s.build(now=late - timedelta(seconds=1)), now=late)
    assert exc.reason == "request_expired"
    assert s.private_ops == 0


def test_post_response_binding_requested(net, messages, t0):
    s = Scenario(net, messages, t0, response_binding="post")
    message = verify_redirect_query(urlsplit(s.start.url).query, dv_trust(net))
    req = parse_authn_request(message.xml, None, require_signature=False).request
    assert req.protocol_binding == c.BINDING_POST
    assert req.assertion_consumer_service_url == n.POST_ACS_URL
    assert s.submit(binding="post").binding == "post"


def test_answer_by_another_binding_than_requested(net, messages, t0):
    s = Scenario(net, messages, t0)
    assert s.reject(s.build(binding="post"), binding="post").reason == "binding_mismatch"


# ------------------------------------------------------------------ finish_login over a mocked broker


class Broker:
    """The broker's artifact resolution service, answering with the factory's message."""

    def __init__(self, net, messages, scenario: Scenario, **build):
        self.net = net
        self.messages = messages
        self.s = scenario
        self.build = build
        self.requests: list[httpx.Request] = []
        self.artifact = Artifact.new(n.HM_ENTITY, endpoint_index=0)
        self.fail_connects = 0
        self.status = 200
        self.answer: bytes | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail_connects:
            self.fail_connects -= 1
            raise httpx.ConnectError("refused", request=request)
        payload, _doc = soap.unwrap(request.content)
        resolve = parse_artifact_resolve(payload, lambda issuer: TrustSet.from_certificates([self.net.dv.certificate]))
        assert resolve.artifact == self.artifact.encode()
        body = self.answer
        if body is None:
            built = self.s.build(resolve_id=resolve.id, soap=True, **self.build)
            body = built.xml
        return httpx.Response(self.status, content=body, headers={"Content-Type": "text/xml"})


def _flow(net, messages, t0, **build):
    s = Scenario(net, messages, t0)
    broker = Broker(net, messages, s, **build)
    s.sp._artifact_client = ArtifactClient(transport=httpx.MockTransport(broker), timeouts=Timeouts(1, 1))
    return s, broker


def test_finish_login_resolves_the_artifact(net, messages, t0):
    s, broker = _flow(net, messages, t0)
    result = s.sp.finish_login(
        saml_art=broker.artifact.encode(), relay_state=s.start.relay_state, request_id=s.start.request_id, now=s.now
    )
    assert result.legal_subject.value == VALID_KVK
    assert result.relay_state == "/aanvraag/42"
    (req,) = broker.requests
    assert req.method == "POST" and str(req.url) == n.ARS_URL
    assert req.headers["Content-Type"].startswith("text/xml")
    assert req.headers["SOAPAction"] == soap.SOAP_ACTION
    payload, _ = soap.unwrap(req.content)
    assert payload.get("Destination") == n.ARS_URL


def test_artifact_from_another_issuer_opens_no_connection(net, messages, t0):
    s, broker = _flow(net, messages, t0)
    foreign = Artifact.new("urn:etoegang:HM:00000001111111110000:entities:1")
    with pytest.raises(LoginRejected) as info:
        s.sp.finish_login(saml_art=foreign.encode(), relay_state=s.start.relay_state, now=s.now)
    assert info.value.reason == "artifact_source_unknown"
    assert broker.requests == []


@pytest.mark.parametrize(
    "art,reason",
    [
        ("%%%", "artifact_malformed"),
        (base64.b64encode(b"\x00\x02" + b"\x00" * 42).decode(), "artifact_type"),
        ("A" * 500, "artifact_malformed"),
    ],
)
def test_malformed_artifacts(net, messages, t0, art, reason):
    s, broker = _flow(net, messages, t0)
    with pytest.raises(LoginRejected) as info:
        s.sp.finish_login(saml_art=art, now=s.now)
    assert info.value.reason == reason
    assert broker.requests == []


def test_one_retry_on_connection_failure(net, messages, t0):
    s, broker = _flow(net, messages, t0)
    broker.fail_connects = 1
    assert s.sp.finish_login(saml_art=broker.artifact.encode(), relay_state=s.start.relay_state, now=s.now)
    assert len(broker.requests) == 2


def test_no_third_attempt(net, messages, t0):
    s, broker = _flow(net, messages, t0)
    broker.fail_connects = 5
    with pytest.raises(LoginRejected) as info:
        s.sp.finish_login(saml_art=broker.artifact.encode(), relay_state=s.start.relay_state, now=s.now)
    assert info.value.reason == "artifact_resolution_failed"
    assert len(broker.requests) == 2


def test_read_timeout_is_not_retried(net, messages, t0):
    calls = []

    def slow(request):
        calls.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    s = Scenario(net, messages, t0)
    s.sp._artifact_client = ArtifactClient(transport=httpx.MockTransport(slow))
    with pytest.raises(LoginRejected) as info:
        s.sp.finish_login(saml_art=Artifact.new(n.HM_ENTITY).encode(), relay_state=s.start.relay_state, now=s.now)
    assert info.value.reason == "artifact_resolution_timeout"
    assert len(calls) == 1


def test_http_error_status(net, messages, t0):
    s, broker = _flow(net, messages, t0)
    broker.status = 500
    with pytest.raises(LoginRejected) as info:
        s.sp.finish_login(saml_art=broker.artifact.encode(), relay_state=s.start.relay_state, now=s.now)
    assert info.value.reason == "artifact_resolution_http"


def test_oversized_answer(net, messages, t0):
    s, broker = _flow(net, messages, t0)
    broker.answer = b"<x>" + b" " * (600 * 1024) + b"</x>"
    with pytest.raises(LoginRejected) as info:
        s.sp.finish_login(saml_art=broker.artifact.encode(), relay_state=s.start.relay_state, now=s.now)
    assert info.value.reason == "message_too_large"


def test_soap_fault(net, messages, t0):
    s, broker = _flow(net, messages, t0)
    broker.answer = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        b"<faultcode>s:Server</faultcode><faultstring>no</faultstring></s:Fault></s:Body></s:Envelope>"
    )
    with pytest.raises(LoginRejected) as info:
        s.sp.finish_login(saml_art=broker.artifact.encode(), relay_state=s.start.relay_state, now=s.now)
    assert info.value.reason == "soap_fault"


def test_answer_to_another_artifact_resolve(net, messages, t0):
    """An ArtifactResponse captured from another resolution is refused, and nothing is decrypted."""
    s, broker = _flow(net, messages, t0)
    broker.answer = s.build(resolve_id="_someone-elses-resolve", soap=True).xml
    before = PrivateKeyCounter.count
    with pytest.raises(LoginRejected) as info:
        s.sp.finish_login(saml_art=broker.artifact.encode(), relay_state=s.start.relay_state, now=s.now)
    assert info.value.reason == "artifact_response_mismatch"
    assert PrivateKeyCounter.count == before
    assert s.pending_intact()


def test_plain_http_refused_except_loopback():
    client = ArtifactClient(transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"<x/>")))
    with pytest.raises(LoginRejected) as info:
        client.resolve("http://hm.example/ars", b"<x/>")
    assert info.value.reason == "artifact_resolution_endpoint"
    assert client.resolve("http://127.0.0.1:8080/ars", b"<x/>") == b"<x/>"


def test_finish_login_post_binding(net, messages, t0):
    s = Scenario(net, messages, t0, response_binding="post")
    xml = s.build().xml
    result = s.sp.finish_login(saml_response=base64.b64encode(xml).decode(), relay_state=s.start.relay_state, now=s.now)
    assert result.binding == "post"


def test_finish_login_post_binding_not_enabled(net, messages, t0):
    s = Scenario(net, messages, t0, post_acs_url=None)
    with pytest.raises(LoginRejected) as info:
        s.sp.finish_login(saml_response="PHgvPg==", now=s.now)
    assert info.value.reason == "binding_not_enabled"


@pytest.mark.parametrize("kwargs", [{}, {"saml_art": "x", "saml_response": "y"}])
def test_finish_login_needs_exactly_one_message(net, kwargs):
    with pytest.raises(LoginRejected) as info:
        net.sp().finish_login(**kwargs)
    assert info.value.reason == "message_missing"


def test_relay_state_prefix_selects_the_service_group_for_artifact_resolve(net, messages, t0):
    """The ArtifactResolve Issuer must be the EntityID the AuthnRequest came from."""
    sp = net.sp()
    start = sp.start_login("eidas", now=t0)
    seen = []

    def ars(request):
        payload, _ = soap.unwrap(request.content)
        seen.append(payload.find("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer").text)
        return httpx.Response(500)

    sp._artifact_client = ArtifactClient(transport=httpx.MockTransport(ars))
    with pytest.raises(LoginRejected):
        sp.finish_login(saml_art=Artifact.new(n.HM_ENTITY).encode(), relay_state=start.relay_state, now=t0)
    assert seen == [n.DV_EIDAS_ENTITY]


def test_relay_state_kept_when_cancelled(net, messages, t0):
    from ehkit.errors import LoginCancelled
    from ehkit.xml.ns import SAMLP as P
    from support.reference_messages import response_of

    def cancel(root):
        code = response_of(root).find(f"{{{P}}}Status/{{{P}}}StatusCode")
        code.set("Value", c.STATUS_RESPONDER)
        etree.SubElement(code, f"{{{P}}}StatusCode", Value=c.STATUS_AUTHN_FAILED)

    s, broker = _flow(net, messages, t0, edit=cancel)
    with pytest.raises(LoginCancelled) as info:
        s.sp.finish_login(saml_art=broker.artifact.encode(), relay_state=s.start.relay_state, now=s.now)
    assert info.value.relay_target == "/aanvraag/42"
    assert info.value.request_id == s.start.request_id
