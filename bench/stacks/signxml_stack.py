"""signxml for the two signatures, plus strict XML Encryption on ``cryptography``
(signxml has none). The Assertion is verified inside the ``signed_xml`` that
the Response verification returns, so only verified bytes are read."""

from __future__ import annotations

from lxml import etree

from bench import fixture as F
from bench.fixture import Fixture, ResponseSpec
from bench.stacks.common import crypto_decrypt, dv_encrypted_ids, top_assertion, version_of
from bench.stacks.xmlsec_stack import _authn_request
from ehkit.xml.ns import DS, SAML

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


class SignxmlStack:
    name = "signxml"
    label = "signxml + cryptography"

    def __init__(self, fx: Fixture) -> None:
        from signxml import SignatureConfiguration, XMLSigner, XMLVerifier

        self.fx = fx
        self.XMLVerifier = XMLVerifier
        self.version = version_of("signxml")
        self.spec = ResponseSpec(request_id=fx.request_id)
        self.variant_note = ""
        # the signature must be a direct child of the element it signs (signxml 5 searches anywhere by default)
        self.cfg = SignatureConfiguration(location="./", expect_references=1)
        self.signer = XMLSigner(signature_algorithm="rsa-sha256", digest_algorithm="sha256", c14n_algorithm=EXC_C14N)
        self.cert = fx.parties.hm.cert
        self.dv = fx.parties.dv_enc.key

    def verify_only(self, xml: bytes) -> etree._Element:
        resp = self.XMLVerifier().verify(xml, x509_cert=self.cert, expect_config=self.cfg).signed_xml
        a = top_assertion(resp)
        return self.XMLVerifier().verify(a, x509_cert=self.cert, expect_config=self.cfg).signed_xml

    def validate(self, xml: bytes) -> dict[str, str]:
        a = self.verify_only(xml)
        return {name: crypto_decrypt(eid, self.dv, F.DV_ENTITY).text for name, eid in dv_encrypted_ids(a)}

    def sign_authn_request(self) -> bytes:
        el = _authn_request(self.fx).to_element()
        el.find("{%s}Issuer" % SAML).addnext(
            etree.Element("{%s}Signature" % DS, {"Id": "placeholder"}, nsmap={"ds": DS})
        )
        p = self.fx.parties.dv_sign
        signed = self.signer.sign(el, key=p.key, key_name=p.key_name, reference_uri="#" + el.get("ID"))
        return etree.tostring(signed, encoding="utf-8")
