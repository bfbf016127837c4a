"""ehkit itself.

With ``ehkit.sp`` present the full SP path is measured:
``ServiceProvider.process_response(xml, request_id=..., now=...)`` with its
whole policy (hardened parse, both signatures, positions, issuer, status,
destination, times, audience, subject confirmation, service, level, identifier
formats, and the three decryptions last). Until then the row falls back to the
XML core the SP is built on (parse_document, verify_element x2,
decrypt_element x3) and says so.

The state store: a pending request is put before every call (as start_login
would) and taken by process_response, exactly as in production. Only the
replay cache answers "first time" every time, because the benchmark sends the
same bytes again and again.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from bench import fixture as F
from bench.fixture import Fixture, ResponseSpec
from bench.stacks.common import version_of
from bench.stacks.xmlsec_stack import _authn_request
from ehkit.xml import PrivateKeyCounter, TrustSet, decrypt_element, decryption_policy, parse_document, verify_element
from ehkit.xml.ns import SAML

SERVICE_KEY = "bench"


def sp_available() -> tuple[bool, str]:
    try:
        from ehkit.sp.provider import ServiceProvider  # noqa: F401
    except ImportError as exc:
        return False, f"ehkit.sp.provider is not available yet ({exc})"
    return True, ""


class EhkitStack:
    name = "ehkit"
    label = "ehkit"

    def __init__(self, fx: Fixture) -> None:
        self.fx = fx
        self.version = version_of("ehkit")
        self.spec = ResponseSpec(request_id=fx.request_id)
        self.variant_note = ""
        p = fx.parties
        self.trust = TrustSet.from_certificates([p.hm.cert], label="bench HM")
        self.policy = decryption_policy([(p.dv_enc.key, [p.dv_enc.key_name])], entity_id=F.DV_ENTITY)
        ok, why = sp_available()
        self.sp = None
        self.mode = "xml-core"
        self.mode_note = why
        if ok:
            self._build_sp()

    # ------------------------------------------------------------------ the SP
    def _build_sp(self) -> None:
        from bench.ehkit_sp import build_service_provider, quiet_audit_log

        quiet_audit_log()
        self.sp, self.store, self.pending = build_service_provider(self.fx)
        # start_login gets its own SP: the thousands of pending requests it leaves behind
        # would otherwise make the validation's store slower (MemoryStore purges by scanning).
        self.login_sp, _, _ = build_service_provider(self.fx)
        self.mode = "sp"
        self.mode_note = ""

    def process(self, xml: bytes):
        self.store.put_pending(self.pending, now=self.fx.now)
        return self.sp.process_response(xml, binding="post", request_id=self.fx.request_id, now=self.fx.now)

    # ------------------------------------------------------------------ rows
    @property
    def validate_case(self) -> str:
        if self.mode == "sp":
            return "ServiceProvider.process_response (full policy, 2 signatures + 3 decryptions)"
        return "XML core: parse_document + verify_element x2 + decrypt_element x3 (ServiceProvider not available yet)"

    def validate(self, xml: bytes) -> dict[str, str]:
        if self.mode == "sp":
            r = self.process(xml)
            out = {F.A_LEGAL: str(r.legal_subject.value), F.A_ACTING: str(r.acting_subject.value)}
            if r.intermediary is not None:
                out[F.A_INTERMEDIATE] = str(r.intermediary.kvk)
            return out
        return self._core(xml)

    def _core(self, xml: bytes) -> dict[str, str]:
        doc = parse_document(xml)
        root = doc.root
        verify_element(root, self.trust)
        kids = [c for c in root if c.tag == "{%s}Assertion" % SAML]
        if len(kids) != 1:
            raise ValueError("one Assertion expected")
        a = kids[0]
        verify_element(a, self.trust)
        out = {}
        for at in a.iterfind("{%s}AttributeStatement/{%s}Attribute" % (SAML, SAML)):
            if at.get("Name") in F.EXPECTED_IDS:
                eid = at.find("{%s}AttributeValue/{%s}EncryptedID" % (SAML, SAML))
                out[at.get("Name")] = "".join(decrypt_element(eid, self.policy).itertext())
        return out

    def verify_only(self, xml: bytes) -> etree._Element:
        """Two signatures: hardened parse, the Response and the Assertion."""
        doc = parse_document(xml)
        verify_element(doc.root, self.trust)
        a = doc.root.find("{%s}Assertion" % SAML)
        return verify_element(a, self.trust).element

    def verify_message(self, xml: bytes):
        """The SAML layer's authenticity step (verify_message), no policy, no decryption."""
        from ehkit.saml.response import verify_message

        doc = parse_document(xml)
        return verify_message(doc, binding="post", broker_entity_id=F.HM_ENTITY, trust=self.trust)

    def sign_authn_request(self) -> bytes:
        p = self.fx.parties.dv_sign
        return _authn_request(self.fx).to_signed_xml(p.key, p.key_name)

    def start_login(self):
        return self.login_sp.start_login(SERVICE_KEY, now=dt.datetime.now(dt.UTC))

    # ------------------------------------------------------------------ hostile input
    def reject(self, xml: bytes) -> str:
        """Process hostile bytes; return the rejection reason (raises if accepted)."""
        from ehkit.errors import EhkitError

        try:
            if self.mode == "sp":
                self.process(xml)
            else:
                self._core(xml)
        except EhkitError as exc:
            return exc.reason
        raise AssertionError("hostile input was accepted")

    @staticmethod
    def private_ops() -> int:
        return PrivateKeyCounter.count
