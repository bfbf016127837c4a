"""The xmlsec binding (libxmlsec1) used directly, as a careful toolkit would.

Keys are loaded once; every call parses with a hardened lxml parser, checks
that each signature references its own parent and that the Response holds one
Assertion, verifies with ``SignatureContext``, picks the EncryptedKey addressed
to us (libxmlsec1 has no Recipient selection), unwraps it with
``EncryptionContext.decrypt`` and decrypts the EncryptedData with the session key.
"""

from __future__ import annotations

from lxml import etree

from bench import fixture as F
from bench.fixture import Fixture, ResponseSpec
from bench.stacks.common import (
    check_reference,
    dv_encrypted_ids,
    parse,
    select_encrypted_key,
    top_assertion,
    version_of,
)
from ehkit.saml.authn_request import AuthnRequest
from ehkit.xml.ns import SAML


class XmlsecStack:
    name = "xmlsec"
    label = "xmlsec binding, direct"

    def __init__(self, fx: Fixture) -> None:
        import xmlsec

        self.x = xmlsec
        self.fx = fx
        p = fx.parties
        self.version = f"{version_of('xmlsec')} (libxmlsec1 {'.'.join(map(str, xmlsec.get_libxmlsec_version()))})"
        self.spec = ResponseSpec(request_id=fx.request_id)
        self.variant_note = ""
        self.verify_key = xmlsec.Key.from_memory(p.hm.cert_pem, xmlsec.KeyFormat.CERT_PEM, None)
        self.rsa_key = xmlsec.Key.from_memory(p.dv_enc.key_pem, xmlsec.KeyFormat.PEM, None)
        self.sign_key = xmlsec.Key.from_memory(p.dv_sign.key_pem, xmlsec.KeyFormat.PEM, None)
        self.sign_key.name = p.dv_sign.key_name

    # -- validation
    def _verify(self, el: etree._Element) -> None:
        sig = check_reference(el)
        ctx = self.x.SignatureContext()
        ctx.key = self.verify_key
        ctx.verify(sig)

    def verify_only(self, xml: bytes) -> etree._Element:
        root = parse(xml)
        a = top_assertion(root)
        self.x.tree.add_ids(root, ["ID"])
        self._verify(root)
        self._verify(a)
        return a

    def validate(self, xml: bytes) -> dict[str, str]:
        a = self.verify_only(xml)
        x = self.x
        out = {}
        for name, eid in dv_encrypted_ids(a):
            data, ek = select_encrypted_key(eid, F.DV_ENTITY)
            kctx = x.EncryptionContext()
            kctx.key = self.rsa_key
            session = kctx.decrypt(ek)
            dctx = x.EncryptionContext()
            dctx.key = x.Key.from_binary_data(x.KeyData.AES, session)
            nameid = dctx.decrypt(data)
            out[name] = nameid.text
        return out

    # -- signing
    def sign_authn_request(self) -> bytes:
        x = self.x
        el = _authn_request(self.fx).to_element()
        sig = x.template.create(el, x.Transform.EXCL_C14N, x.Transform.RSA_SHA256, ns="ds")
        el.find("{%s}Issuer" % SAML).addnext(sig)
        ref = x.template.add_reference(sig, x.Transform.SHA256, uri="#" + el.get("ID"))
        x.template.add_transform(ref, x.Transform.ENVELOPED)
        x.template.add_transform(ref, x.Transform.EXCL_C14N)
        x.template.add_key_name(x.template.ensure_key_info(sig), self.fx.parties.dv_sign.key_name)
        x.tree.add_ids(el, ["ID"])
        ctx = x.SignatureContext()
        ctx.key = self.sign_key
        ctx.sign(sig)
        return etree.tostring(el, encoding="utf-8")


def _authn_request(fx: Fixture) -> AuthnRequest:
    """The same AuthnRequest content for every stack that signs an ehkit-built element."""
    import datetime as dt

    from ehkit.domain.loa import LevelOfAssurance
    from ehkit.saml.ids import new_id

    return AuthnRequest(
        id=new_id(),
        issue_instant=dt.datetime.now(dt.UTC),
        destination=F.SSO_URL,
        issuer=F.DV_ENTITY,
        attribute_consuming_service_index=9009,
        requested_loa=LevelOfAssurance.EH3,
        assertion_consumer_service_index=1,
    )
