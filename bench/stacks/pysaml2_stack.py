"""pysaml2 (IdentityPython) through ``Saml2Client.parse_authn_request_response``.

pysaml2 runs the ``xmlsec1`` command-line program for every signature check
and decryption (plus a ``--version`` probe per operation). Without the binary
the row is skipped with install instructions. The child processes inherit the
benchmark's CPU pinning.
"""

from __future__ import annotations

import base64
import logging
import shutil
import tempfile
from pathlib import Path

from lxml import etree

from bench import fixture as F
from bench.fixture import Fixture, ResponseSpec
from bench.stacks import Unavailable
from bench.stacks.common import dv_encrypted_ids, parse, top_assertion, version_of
from ehkit.xml.ns import XENC

INSTALL_HINT = (
    "pysaml2 needs the xmlsec1 program: install it with `sudo apt-get install -y xmlsec1` "
    "(Debian/Ubuntu), `dnf install xmlsec1-openssl` (Fedora) or `brew install libxmlsec1` (macOS)"
)

NS_MD = "urn:oasis:names:tc:SAML:2.0:metadata"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


def xmlsec1_path() -> str | None:
    return shutil.which("xmlsec1")


def _idp_metadata(fx: Fixture) -> bytes:
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="{NS_MD}" xmlns:ds="{NS_DS}" entityID="{F.HM_ENTITY}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="true">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{fx.parties.hm.cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="{POST}" Location="{F.SSO_URL}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
""".encode()


class PySaml2Stack:
    name = "pysaml2"
    label = "pysaml2 + xmlsec1"

    def __init__(self, fx: Fixture) -> None:
        binary = xmlsec1_path()
        if binary is None:
            raise Unavailable(INSTALL_HINT)
        from saml2.client import Saml2Client
        from saml2.config import SPConfig

        logging.getLogger("saml2").setLevel(logging.CRITICAL)  # the tamper check makes it log errors
        self.fx = fx
        self.version = f"{version_of('pysaml2')} ({_xmlsec1_version(binary)})"
        # pysaml2 hands only the EncryptedData to xmlsec1, so the sibling EncryptedKey of the
        # multi-recipient layout is out of reach; its XSD check (xmlschema) does not know the
        # XACML statement type of the MR assertion. An Advice with the AD assertion is fine.
        self.spec = ResponseSpec(request_id=fx.request_id, layout="keyinfo", mr_in_advice=False)
        self.variant_note = (
            "variant: EncryptedKey inside EncryptedData/KeyInfo (it passes only EncryptedData "
            "to xmlsec1, so a sibling EncryptedKey is not found); Advice holds only the AD "
            "assertion (its schema check refuses the MR's XACMLAuthzDecisionStatementType)"
        )
        self.workdir = Path(tempfile.mkdtemp(prefix="ehkit-bench-pysaml2-"))
        p = fx.parties
        files = {
            "dv_enc.key": p.dv_enc.key_pem_traditional,
            "dv_enc.crt": p.dv_enc.cert_pem,
            "dv_sign.key": p.dv_sign.key_pem_traditional,
            "dv_sign.crt": p.dv_sign.cert_pem,
            "idp.xml": _idp_metadata(fx),
        }
        for fname, data in files.items():
            (self.workdir / fname).write_bytes(data)
        w = self.workdir
        conf = {
            "entityid": F.DV_ENTITY,
            "xmlsec_binary": binary,
            "key_file": str(w / "dv_sign.key"),
            "cert_file": str(w / "dv_sign.crt"),
            "encryption_keypairs": [{"key_file": str(w / "dv_enc.key"), "cert_file": str(w / "dv_enc.crt")}],
            "metadata": {"local": [str(w / "idp.xml")]},
            "allow_unknown_attributes": True,
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(F.ACS_URL, POST)]},
                    "want_response_signed": True,
                    "want_assertions_signed": True,
                    "authn_requests_signed": True,
                    "allow_unsolicited": False,
                    "name_id_format": F.NAMEID_TRANSIENT,
                }
            },
        }
        c = SPConfig()
        c.load(conf)
        self.client = Saml2Client(config=c)
        self.dv_key_pem = p.dv_enc.key_pem_traditional.decode()

    def validate(self, xml: bytes) -> dict[str, str]:
        b64 = base64.b64encode(xml).decode("ascii")
        ar = self.client.parse_authn_request_response(b64, POST, outstanding={self.fx.request_id: "/"})
        if ar is None:
            raise ValueError("pysaml2 returned no response")
        ar.get_identity()
        # pysaml2 does not decrypt an EncryptedID inside an AttributeValue: hand each
        # EncryptedData of the response it just verified to its decrypt helper.
        a = top_assertion(parse(xml))
        out = {}
        for name, eid in dv_encrypted_ids(a):
            ed = eid.find("{%s}EncryptedData" % XENC)
            plain = self.client.sec.decrypt_keys(etree.tostring(ed).decode(), keys=[self.dv_key_pem])
            out[name] = parse(plain.encode() if isinstance(plain, str) else plain).text
        return out

    def sign_authn_request(self) -> bytes:
        from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

        _id, req = self.client.create_authn_request(
            F.SSO_URL, binding=POST, sign=True, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256
        )
        return str(req).encode()

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def _xmlsec1_version(binary: str) -> str:
    import subprocess

    try:
        return subprocess.run(
            [binary, "--version"], check=False, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except OSError:
        return "xmlsec1 ?"
