"""A small DV written without ``ehkit.sp``, with switchable weaknesses, to show the suite finds each one.

It is a Starlette app with its own SAML logic: it builds the AuthnRequest,
resolves the artifact over SOAP, checks the answer field by field and decrypts
the identifiers. XML security comes from a pluggable backend:

* ``EhkitCrypto``: ehkit's lower layers (``ehkit.xml`` signatures and
  encryption, ``ehkit.saml`` message builders);
* ``Pysaml2Crypto``: pysaml2 builds and signs the requests and xmlsec1 (through
  pysaml2's ``sigver``) verifies signatures and decrypts. pysaml2's own
  response processing (``correctly_signed_response``, ``parse_authn_request_response``)
  refuses every eHerkenning response (see tests/broker/test_pysaml2_oracle.py),
  so the message checks are this module's own, as any DV on pysaml2 has to write.

With no weakness switched on the DV is correct and must pass every protocol
check; each weakness removes or breaks exactly one safeguard.
"""

from __future__ import annotations

import secrets
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import INTERMEDIATE_KVK, LEGAL_SUBJECT_ID, SERVICE_ID, SERVICE_UUID, VESTIGINGSNR
from ehkit.errors import EhkitError
from ehkit.pki import KeyPair, key_names
from ehkit.saml import constants as c
from ehkit.saml.metadata import IdpMetadata, parse_idp_metadata
from ehkit.xml.ns import DS, SAML, SAMLP, SOAP11, q
from ehkit.xml.trust import TrustSet

#: Every weakness a test can switch on, with what it breaks.
WEAKNESSES = {
    "no_level_check": "accepts any AuthnContextClassRef",
    "no_replay_record": "keeps no record of seen IDs and accepts any InResponseTo it ever issued, in any session",
    "first_signature": "verifies the first signature it finds in the Response and reads the first Assertion",
    "crash_on_spent_artifact": "assumes the ArtifactResponse always carries a Response",
    "long_relay_state": "sends its return URL as RelayState (over 80 bytes)",
    "no_cache_control": "sends no Cache-Control header",
    "no_audience_check": "does not look at the AudienceRestriction",
    "no_time_check": "does not look at NotBefore / NotOnOrAfter",
    "no_client_cert": "resolves artifacts without a TLS client certificate",
    "soap12_content_type": "posts the ArtifactResolve as application/soap+xml",
    "no_force_authn": 'sends ForceAuthn="false"',
    # Faults the broker itself refuses, so every login fails with them (as at a real broker):
    "unsigned_request": "sends its AuthnRequest unsigned",
    "loa_above_catalogue": "asks for EH4 in RequestedAuthnContext, above the catalogue's level",
}
#: The weaknesses a broker refuses outright: no login works, so they cannot be isolated to one check.
REFUSED_BY_BROKER = frozenset({"unsigned_request", "loa_above_catalogue"})

NO_CACHE = {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}
SKEW = timedelta(minutes=2)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
SOAP_ACTION = '"http://www.oasis-open.org/committees/security"'


class Refused(Exception):
    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Service:
    key: str
    index: int
    service_id: str
    uuid: str
    loa: LevelOfAssurance


@dataclass
class Identity:
    entity_id: str
    keys: KeyPair
    acs_url: str
    services: dict[str, Service]
    hm_entity_id: str
    hm_metadata_url: str
    hm_certificate: x509.Certificate
    tls_ca: Path | None = None


class Crypto(Protocol):
    name: str

    def redirect_url(self, sso_url: str, request: dict[str, Any], relay_state: str) -> str: ...

    def post_form(self, sso_url: str, request: dict[str, Any], relay_state: str) -> str: ...

    def artifact_resolve(self, artifact: str, destination: str, request_id: str, now: datetime) -> bytes: ...

    def verify(self, element: etree._Element) -> None: ...

    def decrypt(self, encrypted_id: etree._Element) -> etree._Element: ...


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EhkitCrypto:
    """Signing, verification and decryption with ehkit's XML layer (no ehkit.sp)."""

    name = "ehkit lower layers"

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.trust = TrustSet.from_certificates([identity.hm_certificate])

    def _request(self, sso_url: str, request: dict[str, Any]) -> Any:
        from ehkit.saml.authn_request import AuthnRequest

        return AuthnRequest(
            id=request["id"],
            issue_instant=request["now"],
            destination=sso_url,
            issuer=self.identity.entity_id,
            attribute_consuming_service_index=request["index"],
            force_authn=request["force_authn"],
            requested_loa=request.get("loa"),
        )

    def redirect_url(self, sso_url: str, request: dict[str, Any], relay_state: str) -> str:
        from ehkit.saml.bindings import redirect_url

        key = None if request.get("unsigned") else self.identity.keys.private_key
        return redirect_url(sso_url, self._request(sso_url, request).to_xml(), relay_state=relay_state, private_key=key)

    def post_form(self, sso_url: str, request: dict[str, Any], relay_state: str) -> str:
        from ehkit.saml.bindings import b64encode, post_form

        authn = self._request(sso_url, request)
        keys = self.identity.keys
        xml = authn.to_xml() if request.get("unsigned") else authn.to_signed_xml(keys.private_key, keys.key_name)
        return post_form(sso_url, {"SAMLRequest": b64encode(xml), "RelayState": relay_state})

    def artifact_resolve(self, artifact: str, destination: str, request_id: str, now: datetime) -> bytes:
        from ehkit.saml.artifact_resolution import build_artifact_resolve
        from ehkit.saml.soap import wrap

        el = build_artifact_resolve(
            artifact,
            issuer=self.identity.entity_id,
            destination=destination,
            now=now,
            key=self.identity.keys.private_key,
            key_name=self.identity.keys.key_name,
            request_id=request_id,
        )
        return wrap(el)

    def verify(self, element: etree._Element) -> None:
        from ehkit.xml.signature import verify_element

        try:
            verify_element(element, self.trust)
        except EhkitError as exc:
            raise Refused(exc.reason) from None

    def decrypt(self, encrypted_id: etree._Element) -> etree._Element:
        from ehkit.xml.encryption import decrypt_element, decryption_policy

        keys = self.identity.keys
        policy = decryption_policy([(keys.private_key, key_names(keys.certificate))], entity_id=self.identity.entity_id)
        try:
            return decrypt_element(encrypted_id, policy)
        except EhkitError as exc:
            raise Refused(exc.reason) from None


class Pysaml2Crypto:
    """pysaml2 builds and signs the requests; xmlsec1 verifies and decrypts."""

    name = "pysaml2 + xmlsec1"

    def __init__(self, identity: Identity, xmlsec1: str) -> None:
        from saml2 import sigver

        self.identity = identity
        self._dir = tempfile.TemporaryDirectory(prefix="weak-dv-pysaml2-")
        base = Path(self._dir.name)
        self.key_file = base / "dv.key"
        self.key_file.write_bytes(identity.keys.private_pem())
        self.hm_file = base / "hm.pem"
        self.hm_file.write_bytes(identity.hm_certificate.public_bytes(serialization.Encoding.PEM))
        self.crypto = sigver.CryptoBackendXmlSec1(xmlsec1)
        self.security = sigver.SecurityContext(self.crypto, key_file=str(self.key_file))

    def redirect_url(self, sso_url: str, request: dict[str, Any], relay_state: str) -> str:
        from saml2 import BINDING_HTTP_ARTIFACT, saml, samlp
        from saml2.pack import http_redirect_message
        from saml2.sigver import RSACrypto
        from saml2.xmldsig import SIG_RSA_SHA256

        authn = samlp.AuthnRequest(
            id=request["id"],
            version="2.0",
            issue_instant=_instant(request["now"]),
            destination=sso_url,
            force_authn="true" if request["force_authn"] else "false",
            protocol_binding=BINDING_HTTP_ARTIFACT,
            attribute_consuming_service_index=str(request["index"]),
            issuer=saml.Issuer(text=self.identity.entity_id),
        )
        info = http_redirect_message(
            str(authn),
            sso_url,
            relay_state,
            "SAMLRequest",
            sigalg=SIG_RSA_SHA256,
            sign=True,
            backend=RSACrypto(self.identity.keys.private_key),
        )
        return str(dict(info["headers"])["Location"])

    def post_form(self, sso_url: str, request: dict[str, Any], relay_state: str) -> str:
        raise NotImplementedError("the pysaml2 variant uses the Redirect binding")

    def artifact_resolve(self, artifact: str, destination: str, request_id: str, now: datetime) -> bytes:
        from saml2 import class_name, saml, samlp
        from saml2.sigver import pre_signature_part
        from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

        resolve = samlp.ArtifactResolve(
            id=request_id,
            version="2.0",
            issue_instant=_instant(now),
            destination=destination,
            issuer=saml.Issuer(text=self.identity.entity_id),
            artifact=samlp.Artifact(text=artifact),
        )
        resolve.signature = pre_signature_part(request_id, digest_alg=DIGEST_SHA256, sign_alg=SIG_RSA_SHA256)
        signed = self.security.sign_statement(str(resolve), class_name(resolve), node_id=request_id)
        body = signed if isinstance(signed, str) else signed.decode()
        if body.startswith("<?xml"):
            body = body[body.index("?>") + 2 :]
        return (
            f'<soap11:Envelope xmlns:soap11="{SOAP11}"><soap11:Body>{body}</soap11:Body></soap11:Envelope>'
        ).encode()

    def verify(self, element: etree._Element) -> None:
        from saml2 import sigver

        node = f"{etree.QName(element).namespace}:{etree.QName(element).localname}"
        xml = etree.tostring(element).decode()
        try:
            ok = self.security.verify_signature(
                xml, cert_file=str(self.hm_file), node_name=node, node_id=element.get("ID")
            )
        except sigver.SignatureError:
            ok = False
        if not ok:
            raise Refused("signature_invalid")

    def decrypt(self, encrypted_id: etree._Element) -> etree._Element:
        try:
            plain = self.crypto.decrypt(etree.tostring(encrypted_id).decode(), str(self.key_file))
        except Exception:  # noqa: BLE001 - xmlsec1 reports every failure its own way
            raise Refused("decryption_failed") from None
        root = etree.fromstring(plain.encode() if isinstance(plain, str) else plain, _PARSER)
        name_id = root if root.tag == q(SAML, "NameID") else root.find(f".//{q(SAML, 'NameID')}")
        if name_id is None:
            raise Refused("decryption_failed")
        return name_id


@dataclass
class _Session:
    pending: dict[str, str] = field(default_factory=dict)  # request id -> service key
    logins: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class WeakDv:
    """The app and its state; ``reset(weaknesses)`` between conformance runs."""

    identity: Identity
    crypto_factory: Callable[[Identity], Crypto]
    weaknesses: frozenset[str] = frozenset()
    #: How the AuthnRequest travels: "redirect" (query signature) or "post" (enveloped signature, self-posting form).
    request_binding: str = "redirect"
    sessions: dict[str, _Session] = field(default_factory=dict)
    issued: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _metadata: IdpMetadata | None = None

    def __post_init__(self) -> None:
        unknown = set(self.weaknesses) - set(WEAKNESSES)
        if unknown:
            raise ValueError(f"unknown weaknesses {unknown}")
        self.crypto = self.crypto_factory(self.identity)

    def reset(self, weaknesses: frozenset[str] = frozenset(), *, request_binding: str = "redirect") -> None:
        unknown = set(weaknesses) - set(WEAKNESSES)
        if unknown:
            raise ValueError(f"unknown weaknesses {unknown}")
        with self.lock:
            self.weaknesses = weaknesses
            self.request_binding = request_binding
            self.sessions.clear()
            self.issued.clear()
            self.seen.clear()
            self._metadata = None

    def weak(self, name: str) -> bool:
        return name in self.weaknesses

    # -- infrastructure

    def _tls(self) -> ssl.SSLContext | bool:
        if self.identity.tls_ca is None:
            return True
        ctx = ssl.create_default_context(cafile=str(self.identity.tls_ca))
        if not self.weak("no_client_cert"):
            with tempfile.TemporaryDirectory() as tmp:
                key, cert = Path(tmp) / "k.pem", Path(tmp) / "c.pem"
                key.write_bytes(self.identity.keys.private_pem())
                cert.write_bytes(self.identity.keys.certificate_pem())
                ctx.load_cert_chain(str(cert), str(key))
        return ctx

    def metadata(self) -> IdpMetadata:
        if self._metadata is None:
            with httpx.Client(verify=self._tls(), timeout=10, trust_env=False) as client:
                xml = client.get(self.identity.hm_metadata_url).content
            self._metadata = parse_idp_metadata(
                xml,
                trust=TrustSet.from_certificates([self.identity.hm_certificate]),
                now=datetime.now(UTC),
                entity_id=self.identity.hm_entity_id,
            )
        return self._metadata

    def session(self, request: Request) -> tuple[str, _Session]:
        sid = request.cookies.get("weak_session", "")
        with self.lock:
            if sid not in self.sessions:
                sid = secrets.token_urlsafe(16)
                self.sessions[sid] = _Session()
            return sid, self.sessions[sid]

    def headers(self) -> dict[str, str]:
        return {} if self.weak("no_cache_control") else dict(NO_CACHE)

    def page(self, sid: str, text: str, status: int = 200) -> Response:
        response = HTMLResponse(f"<!doctype html><title>Weak DV</title><p>{text}</p>", status, headers=self.headers())
        response.set_cookie("weak_session", sid, httponly=True, samesite="lax")
        return response

    # -- routes

    async def login(self, request: Request) -> Response:
        sid, session = self.session(request)
        service = self.identity.services.get(request.path_params["service"])
        if service is None:
            return self.page(sid, "unknown service", 404)
        request_id = "_" + secrets.token_hex(20)
        relay = (
            f"/dienst/{service.key}?" + "terug=" + "x" * 90
            if self.weak("long_relay_state")
            else secrets.token_urlsafe(12)
        )
        details: dict[str, Any] = {
            "id": request_id,
            "now": datetime.now(UTC),
            "index": service.index,
            "force_authn": not self.weak("no_force_authn"),
            "unsigned": self.weak("unsigned_request"),
            "loa": LevelOfAssurance.EH4 if self.weak("loa_above_catalogue") else None,
        }
        with self.lock:
            session.pending[request_id] = service.key
            self.issued.add(request_id)
        response: Response
        if self.request_binding == "post":
            html = self.crypto.post_form(self.metadata().sso_url(c.BINDING_POST), details, relay)
            response = HTMLResponse(html, headers=self.headers())
        else:
            url = self.crypto.redirect_url(self.metadata().sso_url(c.BINDING_REDIRECT), details, relay)
            response = RedirectResponse(url, 303, headers=self.headers())
        response.set_cookie("weak_session", sid, httponly=True, samesite="lax")
        return response

    async def acs(self, request: Request) -> Response:
        sid, session = self.session(request)
        params = dict(request.query_params)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.form()).items()})
        artifact = params.get("SAMLart")
        if not artifact:
            return self.page(sid, "Inloggen mislukt (no artifact)", 400)
        try:
            response = self._resolve(artifact)
        except Refused as exc:
            return self.page(sid, f"eHerkenning is niet bereikbaar ({exc.reason})", exc.status)
        if response is None:
            return self.page(sid, "Inloggen mislukt (artifact already used)", 400)
        try:
            key, identity = self._check(response, session)
        except Refused as exc:
            text = "Inloggen afgebroken" if exc.reason == "cancelled" else f"Inloggen mislukt ({exc.reason})"
            return self.page(sid, text, 200 if exc.reason == "cancelled" else exc.status)
        with self.lock:
            session.logins[key] = identity
        redirect = RedirectResponse(f"/dienst/{key}", 303, headers=self.headers())
        redirect.set_cookie("weak_session", sid, httponly=True, samesite="lax")
        return redirect

    async def dienst(self, request: Request) -> Response:
        sid, session = self.session(request)
        login = session.logins.get(request.path_params["service"])
        if login is None:
            return self.page(sid, "Niet ingelogd", 401)
        rows = "".join(f"<li>{k}: {v}</li>" for k, v in sorted(login.items()))
        return self.page(sid, f"Ingelogd<ul>{rows}</ul>")

    # -- the SAML work

    def _resolve(self, artifact: str) -> etree._Element | None:
        metadata = self.metadata()
        ars = metadata.artifact_resolution_url()
        resolve_id = "_" + secrets.token_hex(20)
        envelope = self.crypto.artifact_resolve(artifact, ars, resolve_id, datetime.now(UTC))
        content_type = (
            "application/soap+xml; charset=utf-8" if self.weak("soap12_content_type") else "text/xml; charset=utf-8"
        )
        try:
            with httpx.Client(verify=self._tls(), timeout=httpx.Timeout(5, connect=3), trust_env=False) as client:
                answer = client.post(
                    ars, content=envelope, headers={"Content-Type": content_type, "SOAPAction": SOAP_ACTION}
                )
        except httpx.HTTPError as exc:
            raise Refused(f"artifact resolution failed: {type(exc).__name__}", 503) from None
        if answer.status_code != 200:
            raise Refused(f"artifact resolution answered HTTP {answer.status_code}", 503)
        try:
            envelope_el = etree.fromstring(answer.content, _PARSER)
        except etree.XMLSyntaxError:
            raise Refused("artifact_response_malformed") from None
        body = envelope_el.find(q(SOAP11, "Body"))
        artifact_response = body[0] if body is not None and len(body) else None
        if artifact_response is None or artifact_response.tag != q(SAMLP, "ArtifactResponse"):
            raise Refused("artifact_response_malformed")
        self.crypto.verify(artifact_response)
        if artifact_response.get("InResponseTo") != resolve_id:
            raise Refused("artifact_response_mismatch")
        message = artifact_response.find(q(SAMLP, "Response"))
        if self.weak("crash_on_spent_artifact"):
            message.tag  # noqa: B018 - the weakness: an empty ArtifactResponse raises here (HTTP 500)
        return message

    def _check(self, response: etree._Element, session: _Session) -> tuple[str, dict[str, str]]:
        now = datetime.now(UTC)
        if not self.weak("first_signature"):
            _no_duplicate_ids(response)
        issuer = (response.findtext(q(SAML, "Issuer")) or "").strip()
        if issuer != self.identity.hm_entity_id:
            raise Refused("issuer_mismatch")
        status = response.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}")
        top = status.get("Value") if status is not None else None
        if top != c.STATUS_SUCCESS:
            second = status.find(q(SAMLP, "StatusCode")) if status is not None else None
            if second is not None and second.get("Value") == c.STATUS_AUTHN_FAILED:
                raise Refused("cancelled")
            raise Refused("login_failed")
        if response.get("Destination") != self.identity.acs_url:
            raise Refused("destination_mismatch")
        if self.weak("first_signature"):
            first = next(response.iter(q(DS, "Signature")), None)
            if first is None:
                raise Refused("signature_missing")
            self.crypto.verify(first.getparent())
            assertion = next(response.iter(q(SAML, "Assertion")))
        else:
            if response.find(q(DS, "Signature")) is not None:
                self.crypto.verify(response)
            assertions = response.findall(q(SAML, "Assertion"))
            if len(assertions) != 1:
                raise Refused("assertion_count")
            assertion = assertions[0]
            if assertion.find(q(DS, "Signature")) is None:
                raise Refused("signature_missing")
            self.crypto.verify(assertion)
        if (assertion.findtext(q(SAML, "Issuer")) or "").strip() != self.identity.hm_entity_id:
            raise Refused("issuer_mismatch")
        # -- the request this answers
        confirmation = assertion.find(
            f"{q(SAML, 'Subject')}/{q(SAML, 'SubjectConfirmation')}/{q(SAML, 'SubjectConfirmationData')}"
        )
        if confirmation is None:
            raise Refused("subject_confirmation_invalid")
        request_id = response.get("InResponseTo")
        if confirmation.get("InResponseTo") != request_id:
            raise Refused("in_response_to_mismatch")
        if confirmation.get("Recipient") != self.identity.acs_url:
            raise Refused("recipient_mismatch")
        with self.lock:
            if self.weak("no_replay_record"):
                if request_id not in self.issued:
                    raise Refused("in_response_to_unknown")
                key = next(iter(s.pending[request_id] for s in self.sessions.values() if request_id in s.pending))
            else:
                key = session.pending.pop(request_id or "", None)  # consumed once
                if key is None:
                    raise Refused("in_response_to_unknown")
                ids = {response.get("ID") or "", assertion.get("ID") or ""}
                if ids & self.seen:
                    raise Refused("replay")
                self.seen |= ids
        service = self.identity.services[key]
        # -- conditions
        conditions = assertion.find(q(SAML, "Conditions"))
        if conditions is None:
            raise Refused("conditions_missing")
        if not self.weak("no_time_check"):
            not_before = _parse(conditions.get("NotBefore"))
            not_after = _parse(conditions.get("NotOnOrAfter"))
            confirmation_until = _parse(confirmation.get("NotOnOrAfter"))
            if not_before is not None and now + SKEW < not_before:
                raise Refused("time_not_yet_valid")
            if (
                not_after is None
                or now - SKEW >= not_after
                or confirmation_until is None
                or now - SKEW >= confirmation_until
            ):
                raise Refused("time_expired")
        if not self.weak("no_audience_check"):
            audiences = [(a.text or "").strip() for a in conditions.iter(q(SAML, "Audience"))]
            if self.identity.entity_id not in audiences:
                raise Refused("audience_mismatch")
        # -- level and service
        ref = assertion.findtext(
            f"{q(SAML, 'AuthnStatement')}/{q(SAML, 'AuthnContext')}/{q(SAML, 'AuthnContextClassRef')}"
        )
        if not self.weak("no_level_check"):
            try:
                level = LevelOfAssurance.from_urn((ref or "").strip())
            except EhkitError:
                raise Refused("loa_invalid") from None
            if level < service.loa:
                raise Refused("loa_too_low", 403)
        attributes = _attributes(assertion)
        if _text_of(attributes.get(SERVICE_ID)) != service.service_id:
            raise Refused("service_id_mismatch")
        if _text_of(attributes.get(SERVICE_UUID)).lower() != service.uuid.lower():
            raise Refused("service_uuid_mismatch")
        legal = attributes.get(LEGAL_SUBJECT_ID)
        if legal is None:
            raise Refused("legal_subject_missing")
        identity = {"legal_subject": self._identifier(legal), "service": service.service_id}
        if VESTIGINGSNR in attributes:
            identity["vestiging"] = _text_of(attributes[VESTIGINGSNR])
        if INTERMEDIATE_KVK in attributes:
            identity["intermediary"] = self._identifier(attributes[INTERMEDIATE_KVK])
        return key, identity

    def _identifier(self, value: etree._Element) -> str:
        encrypted = value.find(q(SAML, "EncryptedID"))
        name_id = self.crypto.decrypt(encrypted) if encrypted is not None else value.find(q(SAML, "NameID"))
        if name_id is None:
            raise Refused("nameid_invalid")
        return (name_id.text or "").strip()

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/login/{service}", self.login),
                Route("/acs", self.acs, methods=["GET", "POST"]),
                Route("/dienst/{service}", self.dienst),
            ]
        )


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Refused("time_malformed") from None


def _no_duplicate_ids(root: etree._Element) -> None:
    seen: set[str] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        value = el.get("ID")
        if value is None:
            continue
        if value in seen:
            raise Refused("duplicate_id")
        seen.add(value)


def _attributes(assertion: etree._Element) -> dict[str, etree._Element]:
    out: dict[str, etree._Element] = {}
    for statement in assertion.findall(q(SAML, "AttributeStatement")):
        for attribute in statement.findall(q(SAML, "Attribute")):
            name = attribute.get("Name", "")
            if name in out:
                raise Refused("attribute_duplicate")
            value = attribute.find(q(SAML, "AttributeValue"))
            if value is not None:
                out[name] = value
    return out


def _text_of(value: etree._Element | None) -> str:
    return "".join(value.itertext()).strip() if value is not None else ""
