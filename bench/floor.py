"""The physical floor: what the primitives cost on this core, and the cost model.

Measured with ``cryptography`` (OpenSSL) and lxml (libxml2) alone, on the same
keys and bytes as the stacks. The model adds up the unavoidable work:

* signatures only = parse + exc-c14n(Response) + exc-c14n(Assertion)
  + 2 x SHA-256 + 2 x RSA-2048 verify
* full = signatures only + 3 x RSA-2048 OAEP decrypt + 3 x AES-256-CBC decrypt
* signed AuthnRequest = 1 x RSA-2048 sign

It leaves out SignedInfo c14n, Python logic and every policy check, so it is
a lower bound on cost that no implementation reaches.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from lxml import etree

from bench.fixture import Fixture
from bench.harness import Bench, Case
from ehkit.xml.ns import SAML

S = "floor"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def run_floor(b: Bench, fx: Fixture) -> dict[str, float | None]:
    p = fx.parties
    xml = fx.response
    msg = os.urandom(600)  # about a canonical SignedInfo
    sig = p.hm.key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    pub = p.hm.public
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    wrapped = p.dv_enc.public.encrypt(os.urandom(32), oaep)
    aes_key, iv = os.urandom(32), os.urandom(16)
    nameid = (
        b'<saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Format="urn:oasis:names:tc:SAML:2.0:'
        b'nameid-format:persistent" NameQualifier="urn:etoegang:1.13:EntityConcernedID:Pseudo">'
        + b"a" * 97
        + b"</saml:NameID>"
    )
    padded = nameid + bytes([16 - len(nameid) % 16]) * (16 - len(nameid) % 16)
    enc = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    ct = enc.update(padded) + enc.finalize()

    def aes_cbc() -> bytes:
        d = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).decryptor()
        return d.update(ct) + d.finalize()

    root = etree.fromstring(xml, _PARSER)
    assertion = root.find("{%s}Assertion" % SAML)
    b64 = base64.b64encode(xml)
    specs = [
        (
            "rsa_sign",
            "RSA-2048 PKCS#1 v1.5 SHA-256 sign (private op)",
            lambda: p.hm.key.sign(msg, padding.PKCS1v15(), hashes.SHA256()),
            1000,
        ),
        (
            "rsa_verify",
            "RSA-2048 PKCS#1 v1.5 SHA-256 verify (public op)",
            lambda: pub.verify(sig, msg, padding.PKCS1v15(), hashes.SHA256()),
            10000,
        ),
        (
            "oaep",
            "RSA-2048 OAEP (SHA-1/MGF1-SHA-1) decrypt of a 32-byte key (private op)",
            lambda: p.dv_enc.key.decrypt(wrapped, oaep),
            1000,
        ),
        ("aes", f"AES-256-CBC decrypt of a {len(ct)}-byte NameID", aes_cbc, 20000),
        ("sha256", f"SHA-256 over the {len(xml)}-byte response", lambda: hashlib.sha256(xml).digest(), 20000),
        (
            "parse",
            f"lxml parse of the {len(xml)}-byte response (hardened parser)",
            lambda: etree.fromstring(xml, _PARSER),
            3000,
        ),
        (
            "c14n_response",
            "lxml exc-c14n of the whole Response",
            lambda: etree.tostring(root, method="c14n", exclusive=True),
            3000,
        ),
        (
            "c14n_assertion",
            "lxml exc-c14n of the Assertion",
            lambda: etree.tostring(assertion, method="c14n", exclusive=True),
            3000,
        ),
        (
            "b64",
            f"base64 decode of the {len(b64)}-character POST value (not in the model)",
            lambda: base64.b64decode(b64),
            20000,
        ),
    ]
    measured = b.measure_many([Case(S, case, "floor", fn, n, extra={"key": key}) for key, case, fn, n in specs])
    rows = {r.extra["key"]: r for r in measured if "key" in r.extra}
    return cost_model(rows)


def cost_model(rows: dict) -> dict[str, float | None]:
    def cost(k: str) -> float | None:
        r = rows.get(k)
        return 1.0 / r.median if r is not None and r.median else None

    parts = [
        cost(k) for k in ("parse", "c14n_response", "c14n_assertion", "sha256", "rsa_verify", "oaep", "aes", "rsa_sign")
    ]
    if any(x is None for x in parts):
        return {"signatures": None, "full": None, "authn_request": None}
    parse, c_r, c_a, sha, verify, oaep, aes, sign = parts  # type: ignore[misc]
    sig_only = parse + c_r + c_a + 2 * sha + 2 * verify
    full = sig_only + 3 * oaep + 3 * aes
    return {
        "signatures": 1.0 / sig_only,
        "full": 1.0 / full,
        "authn_request": 1.0 / sign,
        "ms_signatures": sig_only * 1000,
        "ms_full": full * 1000,
        "ms_oaep_x3": 3 * oaep * 1000,
    }


class FloorComposite:
    """The cost model executed as one call, so it can run interleaved with the stacks
    (same moment, same noise): the unavoidable work, no checks and no Python logic
    beyond the calls themselves."""

    def __init__(self, fx: Fixture) -> None:
        from ehkit.xml.ns import DS, XENC

        self.xml = fx.response
        p = fx.parties
        self.hm_pub = p.hm.public
        self.sign_key = p.dv_sign.key
        self.dv_key = p.dv_enc.key
        self.oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
        root = etree.fromstring(self.xml, _PARSER)
        a = root.find("{%s}Assertion" % SAML)
        # the real signature values and wrapped keys of the message, so every RSA call is the real one
        self.sigs = []
        for el in (root, a):
            sig = el.find("{%s}Signature" % DS)
            si = etree.tostring(sig.find("{%s}SignedInfo" % DS), method="c14n", exclusive=True)
            self.sigs.append((si, base64.b64decode(sig.findtext("{%s}SignatureValue" % DS))))
        self.wrapped = []
        for at in a.iterfind("{%s}AttributeStatement/{%s}Attribute" % (SAML, SAML)):
            for eid in at.iter("{%s}EncryptedID" % SAML):
                ek = eid.find("{%s}EncryptedKey" % XENC)
                ed = eid.find("{%s}EncryptedData" % XENC)
                cv = "{%s}CipherData/{%s}CipherValue" % (XENC, XENC)
                self.wrapped.append((base64.b64decode(ek.findtext(cv)), base64.b64decode(ed.findtext(cv))))
        self.msg = os.urandom(600)

    def signatures(self) -> None:
        root = etree.fromstring(self.xml, _PARSER)
        a = root.find("{%s}Assertion" % SAML)
        for el, (si, sv) in zip((root, a), self.sigs, strict=True):
            hashlib.sha256(etree.tostring(el, method="c14n", exclusive=True)).digest()
            self.hm_pub.verify(sv, si, padding.PKCS1v15(), hashes.SHA256())

    def full(self) -> None:
        self.signatures()
        for wrapped, blob in self.wrapped:
            key = self.dv_key.decrypt(wrapped, self.oaep)
            d = Cipher(algorithms.AES(key), modes.CBC(blob[:16])).decryptor()
            d.update(blob[16:]) + d.finalize()

    def sign(self) -> None:
        self.sign_key.sign(self.msg, padding.PKCS1v15(), hashes.SHA256())
