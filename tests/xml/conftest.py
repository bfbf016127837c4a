"""Shared keys, document builders and oracle helpers for the ``ehkit.xml`` tests.

Everything is reached through fixtures (``kit`` and the parties): test modules in
a directory without ``__init__.py`` cannot import each other's conftest reliably,
and ``tests/xml`` must not become a package (it would shadow the stdlib ``xml``).

Keys and certificates are generated once per session (2048-bit RSA, self-signed).
The two independent XMLDSig/XMLEnc implementations used as oracles,
python-xmlsec (libxmlsec1) and signxml, are test-only dependencies.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from ehkit.xml import (
    PrivateKeyCounter,
    TrustSet,
    canonicalize,
    decryption_policy,
    parse_document,
    sign_element,
)
from ehkit.xml.ns import DS, SAML, SAMLP, XENC, XS, XSI

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"

HM_ENTITY = "urn:etoegang:HM:00000003244440010000:entities:9632"
SP_ENTITY = "urn:etoegang:DV:00000003519026720000:entities:9009"
MR_ENTITY = "urn:etoegang:MR:00000003244440010000:entities:9133"
NAMEID_VALUE = "14D0E8DF5F3466D583CBB592F60F6C45B2EA457A4AC1C3BE1EE37A66CD4B1FF9@9162F54B3B07284AC4E147A849DEAEE4"

NSMAP_DECLS = (
    f'xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" xmlns:xs="{XS}" xmlns:xsi="{XSI}" '
    'xmlns:xacml-saml="urn:oasis:xacml:2.0:saml:assertion:schema:os"'
)


# ------------------------------------------------------------------ parties


@dataclass(frozen=True)
class Party:
    """A key pair with a self-signed certificate, as a broker or SP would hold."""

    label: str
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def public(self) -> rsa.RSAPublicKey:
        return self.key.public_key()

    @cached_property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @cached_property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @cached_property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def key_name(self) -> str:
        """The SHA-256 certificate fingerprint, the KeyName form eToegang brokers use."""
        return hashlib.sha256(self.cert_der).hexdigest()

    @cached_property
    def trust(self) -> TrustSet:
        return TrustSet.from_certificates([self.cert], label=self.label)

    def policy(self, **kw):
        """A DecryptionPolicy for this party as the reader."""
        kw.setdefault("entity_id", None)
        return decryption_policy([(self.key, [self.key_name])], **kw)


def make_party(label: str, bits: int = 2048) -> Party:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, label)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return Party(label, key, cert)


@pytest.fixture(scope="session")
def hm() -> Party:
    """The broker (HM) that signs responses and assertions."""
    return make_party("test HM signing")


@pytest.fixture(scope="session")
def ad() -> Party:
    """Another legitimate network participant (an AD), not trusted for HM messages."""
    return make_party("test AD signing")


@pytest.fixture(scope="session")
def attacker() -> Party:
    return make_party("attacker")


@pytest.fixture(scope="session")
def sp() -> Party:
    """Us: the service provider that decrypts identifiers."""
    return make_party("test SP encryption")


@pytest.fixture(scope="session")
def mr() -> Party:
    """Another reader of the same encrypted identifier (the MR)."""
    return make_party("test MR encryption")


# ------------------------------------------------------------------ documents


def new_id() -> str:
    return "_" + uuid.uuid4().hex


def assertion_xml(aid: str, nameid: str = NAMEID_VALUE, *, declare_ns: bool = False, issuer: str = HM_ENTITY) -> str:
    """An eHerkenning-shaped Assertion. ``xsi:type="xs:string"`` uses a prefix
    declared on the Response only, as brokers do (hence InclusiveNamespaces)."""
    decls = (" " + NSMAP_DECLS) if declare_ns else ""
    return (
        f'<saml:Assertion{decls} ID="{aid}" IssueInstant="2024-05-01T10:00:00Z" Version="2.0">'
        f"<saml:Issuer>{issuer}</saml:Issuer>"
        "<saml:Subject>"
        f'<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{nameid}</saml:NameID>'
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml:SubjectConfirmationData InResponseTo="_req1" NotOnOrAfter="2024-05-01T10:05:00Z" Recipient="https://sp.example/acs"/>'
        "</saml:SubjectConfirmation>"
        "</saml:Subject>"
        '<saml:Conditions NotBefore="2024-05-01T10:00:00Z" NotOnOrAfter="2024-05-01T10:05:00Z">'
        f"<saml:AudienceRestriction><saml:Audience>{SP_ENTITY}</saml:Audience></saml:AudienceRestriction>"
        "</saml:Conditions>"
        "<saml:AttributeStatement>"
        '<saml:Attribute Name="urn:etoegang:core:ServiceID">'
        '<saml:AttributeValue xsi:type="xs:string">urn:etoegang:DV:00000003519026720000:services:9009</saml:AttributeValue>'
        "</saml:Attribute>"
        '<saml:Attribute Name="urn:etoegang:1.9:EntityConcernedID:KvKnr">'
        '<saml:AttributeValue xsi:type="xs:string">24444001</saml:AttributeValue>'
        "</saml:Attribute>"
        "</saml:AttributeStatement>"
        "</saml:Assertion>"
    )


def response_xml(rid: str, inner: str) -> str:
    return (
        f'<samlp:Response {NSMAP_DECLS} Destination="https://sp.example/acs" ID="{rid}" '
        'InResponseTo="_req1" IssueInstant="2024-05-01T10:00:00Z" Version="2.0">\n'
        f"  <saml:Issuer>{HM_ENTITY}</saml:Issuer>\n"
        '  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>\n'
        f"  {inner}\n"
        "</samlp:Response>"
    )


def parse(data: bytes | str) -> etree._Element:
    """Parse with ehkit's hardened parser (the way every input enters ehkit)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return parse_document(data).root


def ser(el: etree._Element) -> bytes:
    """Serialize the whole document ``el`` belongs to."""
    return etree.tostring(el.getroottree())


def by_id(root: etree._Element, value: str) -> etree._Element:
    found = root.xpath("//*[@ID=$v]", v=value)
    assert len(found) == 1, f"expected one element with ID {value}"
    return found[0]


def sig_of(el: etree._Element) -> etree._Element:
    sig = el.find(f"{{{DS}}}Signature")
    assert sig is not None
    return sig


def ds(el: etree._Element, path: str) -> etree._Element:
    """Find below ``el`` with ``ds:`` paths, e.g. ``ds(sig, 'ds:SignedInfo/ds:Reference')``."""
    found = el.find(path, namespaces={"ds": DS, "ec": "http://www.w3.org/2001/10/xml-exc-c14n#"})
    assert found is not None, path
    return found


def signed_content_c14n(el: etree._Element) -> tuple[bytes, bytes]:
    """What an enveloped signature covers: (c14n of the element without its
    Signature, c14n of SignedInfo). Used to state what "unchanged" means."""
    # Work on a copy of the whole document: a deep copy of just the element would
    # drop in-scope namespace declarations that the PrefixList brings into the c14n.
    steps = []
    node = el
    while node.getparent() is not None:
        steps.append(node.getparent().index(node))
        node = node.getparent()
    clone = copy.deepcopy(el.getroottree()).getroot()
    for i in reversed(steps):
        clone = clone[i]
    sig = clone.find(f"{{{DS}}}Signature")
    prefixes = None
    si = b""
    if sig is not None:
        t2 = sig.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}Transforms/{{{DS}}}Transform[2]")
        inc = t2.find("{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces") if t2 is not None else None
        prefixes = inc.get("PrefixList", "").split() if inc is not None else None
        si = canonicalize(sig.find(f"{{{DS}}}SignedInfo"))
        # enveloped transform: drop the node, keep its tail text in place
        prev, parent, tail = sig.getprevious(), sig.getparent(), sig.tail
        if tail:
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        parent.remove(sig)
    return canonicalize(clone, prefixes), si


def redigest(el: etree._Element) -> None:
    """Recompute the DigestValue of ``el``'s own Signature for its current content
    (enveloped + exc-c14n with the Signature's PrefixList, SHA-256)."""
    import hashlib

    sig = el.find(f"{{{DS}}}Signature")
    content, _ = signed_content_c14n(el)
    sig.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}DigestValue").text = base64.b64encode(
        hashlib.sha256(content).digest()
    ).decode()


def resign(sig: etree._Element, key: rsa.RSAPrivateKey, prefixes=None) -> None:
    """Recompute SignatureValue (RSA PKCS#1 v1.5, SHA-256) over SignedInfo as it now is,
    so a test isolates the profile rule it targets from the cryptographic check."""
    from cryptography.hazmat.primitives.asymmetric import padding

    si = sig.find(f"{{{DS}}}SignedInfo")
    value = key.sign(canonicalize(si, prefixes), padding.PKCS1v15(), hashes.SHA256())
    sig.find(f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()


class Kit:
    """Builders that need the session parties."""

    def __init__(self, hm: Party) -> None:
        self.hm = hm

    def response(
        self,
        *,
        signer: Party | None = None,
        sign_response: bool = True,
        sign_assertion: bool = True,
        prefixes: tuple[str, ...] = ("xs",),
        key_name: bool = True,
        certificate: bool = False,
        nameid: str = NAMEID_VALUE,
        rid: str | None = None,
        aid: str | None = None,
    ) -> tuple[bytes, str, str]:
        """A signed Response holding a signed Assertion. Returns (bytes, response ID, assertion ID).

        Signed where it will be sent: the Assertion in place inside the Response, inner first.
        """
        signer = signer or self.hm
        rid, aid = rid or new_id(), aid or new_id()
        root = parse(response_xml(rid, assertion_xml(aid, nameid)))
        kw = {
            "key_name": signer.key_name if key_name else None,
            "certificate": signer.cert if certificate else None,
            "inclusive_prefixes": prefixes,
        }
        if sign_assertion:
            sign_element(by_id(root, aid), signer.key, **kw)
        if sign_response:
            sign_element(root, signer.key, **kw)
        return ser(root), rid, aid

    def signed_assertion(self, *, signer: Party | None = None, **kw) -> tuple[bytes, str]:
        """A standalone signed Assertion (declares its own namespaces)."""
        signer = signer or self.hm
        aid = new_id()
        root = parse(assertion_xml(aid, declare_ns=True))
        sign_element(root, signer.key, key_name=signer.key_name, **kw)
        return ser(root), aid


@pytest.fixture(scope="session")
def kit(hm: Party) -> Kit:
    return Kit(hm)


# ------------------------------------------------------------------ oracles


class Oracles:
    """python-xmlsec and signxml, configured to verify exactly one enveloped signature.

    What works (found while writing these tests):
    - xmlsec verify: register ``ID`` with ``xmlsec.tree.add_ids``; a key set on the
      context (``ctx.key`` from the PEM certificate) is used whatever KeyInfo says.
    - xmlsec decrypt: a ``KeysManager`` holding the reader's private key; it finds the
      EncryptedKey inside EncryptedData/KeyInfo and follows a RetrievalMethod to a
      sibling EncryptedKey (register ``Id``). It does not resolve CarriedKeyName.
    - xmlsec encrypt: template + ``encrypt_xml``; xmlenc11 rsa-oaep has no constant in
      the binding, setting the Algorithm URI (plus DigestMethod and MGF) works.
    - signxml 5.2 verify: ``location="./"`` (its default ``.//`` takes the first
      Signature anywhere), ``x509_cert`` given; the element is serialized on its own.
      Its schema check refuses InclusiveNamespaces under SignedInfo's
      CanonicalizationMethod, and it checks certificate validity dates.
    - signxml 5.2 sign: a reference PrefixList is used for the digest but not written
      into an enveloped signature's Transform, so only signing without it is usable.
    """

    @staticmethod
    def xmlsec_verify(doc: bytes, element_id: str, cert_pem: bytes) -> None:
        """Verify the signature that is a direct child of the element with ``ID=element_id``.
        Raises ``xmlsec.Error`` when it does not verify."""
        import xmlsec

        root = etree.fromstring(doc)
        xmlsec.tree.add_ids(root, ["ID"])
        el = root if root.get("ID") == element_id else root.xpath("//*[@ID=$v]", v=element_id)[0]
        sig = el.find(f"{{{DS}}}Signature")
        if sig is None:
            raise xmlsec.Error(-1, "no signature")
        ctx = xmlsec.SignatureContext()
        ctx.key = xmlsec.Key.from_memory(cert_pem, xmlsec.constants.KeyDataFormatCertPem)
        ctx.verify(sig)

    @staticmethod
    def signxml_verify(doc: bytes, element_id: str, cert: x509.Certificate) -> etree._Element:
        """Verify with signxml, looking only at the direct-child Signature of the
        element (serialized on its own, which carries the in-scope namespaces).
        Returns signxml's ``signed_xml``."""
        from signxml import SignatureConfiguration, XMLVerifier

        root = etree.fromstring(doc)
        el = root if root.get("ID") == element_id else root.xpath("//*[@ID=$v]", v=element_id)[0]
        standalone = etree.tostring(el)
        result = XMLVerifier().verify(
            standalone,
            x509_cert=cert,
            expect_config=SignatureConfiguration(location="./", expect_references=1),
        )
        return result.signed_xml

    @staticmethod
    def xmlsec_sign(
        el: etree._Element,
        party: Party,
        *,
        key_name: bool = True,
        sha1: bool = False,
        prefixes: str | None = None,
        tail: str | None = None,
    ) -> etree._Element:
        """Sign ``el`` in place with libxmlsec1 (enveloped, exc-c14n, rsa-sha256),
        Signature right after a saml:Issuer first child; ``prefixes`` becomes the
        reference's InclusiveNamespaces PrefixList."""
        import xmlsec

        c = xmlsec.constants
        sig = xmlsec.template.create(
            el, c.TransformExclC14N, c.TransformRsaSha1 if sha1 else c.TransformRsaSha256, ns="ds"
        )
        ref = xmlsec.template.add_reference(sig, c.TransformSha1 if sha1 else c.TransformSha256, uri="#" + el.get("ID"))
        xmlsec.template.add_transform(ref, c.TransformEnveloped)
        transform = xmlsec.template.add_transform(ref, c.TransformExclC14N)
        if prefixes is not None:
            xmlsec.template.transform_add_c14n_inclusive_namespaces(transform, prefixes)
        if key_name:
            ki = xmlsec.template.ensure_key_info(sig)
            xmlsec.template.add_key_name(ki, party.key_name)
        kids = [k for k in el if isinstance(k.tag, str)]
        if kids and kids[0].tag == f"{{{SAML}}}Issuer":
            kids[0].addnext(sig)
        else:
            el.insert(0, sig)
        sig.tail = tail
        xmlsec.tree.add_ids(el.getroottree().getroot(), ["ID"])
        ctx = xmlsec.SignatureContext()
        ctx.key = xmlsec.Key.from_memory(party.key_pem, c.KeyDataFormatPem)
        ctx.sign(sig)
        return sig

    @staticmethod
    def signxml_sign(doc: bytes, party: Party) -> bytes:
        """Sign the root of ``doc`` with signxml (enveloped, exc-c14n, rsa-sha256),
        using a placeholder so the Signature lands in its schema slot.

        No InclusiveNamespaces: signxml 5.2 digests with a reference PrefixList but
        does not write it into an enveloped signature's Transform (its output then
        verifies nowhere), so that variant is no usable oracle."""
        from signxml import SignatureReference, XMLSigner

        root = etree.fromstring(doc)
        placeholder = etree.Element(f"{{{DS}}}Signature", nsmap={"ds": DS})
        placeholder.set("Id", "placeholder")
        kids = [k for k in root if isinstance(k.tag, str)]
        if kids and kids[0].tag == f"{{{SAML}}}Issuer":
            kids[0].addnext(placeholder)
        else:
            root.insert(0, placeholder)
        signer = XMLSigner(
            signature_algorithm="rsa-sha256",
            digest_algorithm="sha256",
            c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
        )
        signer.namespaces = {"ds": DS}
        ref = SignatureReference(URI="#" + root.get("ID"))
        signed = signer.sign(root, key=party.key, reference_uri=[ref], key_name=party.key_name, id_attribute="ID")
        return etree.tostring(signed)

    # -------------------------------------------------------------- encryption

    @staticmethod
    def xmlsec_decrypt(container: bytes, party: Party) -> etree._Element:
        """Decrypt the first EncryptedData in ``container`` with libxmlsec1, the
        reader's private key in a KeysManager (found through the EncryptedKey in
        KeyInfo, or a RetrievalMethod to a sibling EncryptedKey)."""
        import xmlsec

        root = etree.fromstring(container)
        xmlsec.tree.add_ids(root, ["Id"])
        data = root.find(f".//{{{XENC}}}EncryptedData")
        manager = xmlsec.KeysManager()
        manager.add_key(xmlsec.Key.from_memory(party.key_pem, xmlsec.constants.KeyDataFormatPem))
        return xmlsec.EncryptionContext(manager).decrypt(data)

    @staticmethod
    def xmlsec_encrypt(
        root: etree._Element,
        node: etree._Element,
        party: Party,
        *,
        data_algorithm: str = "aes256-cbc",
        key_transport: str = "rsa-oaep-mgf1p",
    ) -> etree._Element:
        """Replace ``node`` (inside ``root``) by an EncryptedData made by libxmlsec1
        from a template, the EncryptedKey in its KeyInfo. ``key_transport`` is
        ``rsa-oaep-mgf1p`` (SHA-1) or ``rsa-oaep`` (xmlenc11, SHA-256 + MGF1-SHA-256;
        the binding has no constant for it, libxmlsec1 resolves the URI)."""
        import xmlsec

        c = xmlsec.constants
        transform, bits = {
            "aes256-cbc": (c.TransformAes256Cbc, 256),
            "aes128-gcm": (c.TransformAes128Gcm, 128),
            "aes256-gcm": (c.TransformAes256Gcm, 256),
        }[data_algorithm]
        data = xmlsec.template.encrypted_data_create(root, transform, type=c.TypeEncElement, ns="xenc")
        xmlsec.template.encrypted_data_ensure_cipher_value(data)
        key_info = xmlsec.template.encrypted_data_ensure_key_info(data, ns="ds")
        ek = xmlsec.template.add_encrypted_key(key_info, c.TransformRsaOaep)
        xmlsec.template.encrypted_data_ensure_cipher_value(ek)
        if key_transport == "rsa-oaep":
            method = ek.find(f"{{{XENC}}}EncryptionMethod")
            method.set("Algorithm", "http://www.w3.org/2009/xmlenc11#rsa-oaep")
            etree.SubElement(method, f"{{{DS}}}DigestMethod").set("Algorithm", XENC + "sha256")
            etree.SubElement(method, "{http://www.w3.org/2009/xmlenc11#}MGF").set(
                "Algorithm", "http://www.w3.org/2009/xmlenc11#mgf1sha256"
            )
        manager = xmlsec.KeysManager()
        manager.add_key(xmlsec.Key.from_memory(party.cert_pem, c.KeyDataFormatCertPem))
        ctx = xmlsec.EncryptionContext(manager)
        ctx.key = xmlsec.Key.generate(c.KeyDataAes, bits, c.KeyDataTypeSession)
        return ctx.encrypt_xml(data, node)


@pytest.fixture(scope="session")
def oracles() -> type[Oracles]:
    return Oracles


@pytest.fixture
def rsa_ops():
    """Measure RSA private-key operations done by ehkit's decryptor during a test."""

    class Counter:
        def __init__(self) -> None:
            self.start = PrivateKeyCounter.count

        @property
        def used(self) -> int:
            return PrivateKeyCounter.count - self.start

    return Counter()


# Tag helpers exposed for the tests through the ``T`` fixture.
class T:
    DS = DS
    SAML = SAML
    SAMLP = SAMLP
    XENC = XENC
    parse = staticmethod(parse)
    ser = staticmethod(ser)
    by_id = staticmethod(by_id)
    sig_of = staticmethod(sig_of)
    ds = staticmethod(ds)
    new_id = staticmethod(new_id)
    assertion_xml = staticmethod(assertion_xml)
    response_xml = staticmethod(response_xml)
    signed_content_c14n = staticmethod(signed_content_c14n)
    redigest = staticmethod(redigest)
    make_party = staticmethod(make_party)
    resign = staticmethod(resign)
    b64 = staticmethod(lambda b: base64.b64encode(b).decode("ascii"))
    NAMEID_VALUE = NAMEID_VALUE
    HM_ENTITY = HM_ENTITY
    SP_ENTITY = SP_ENTITY
    MR_ENTITY = MR_ENTITY
    REFERENCE = REFERENCE


@pytest.fixture(scope="session")
def t() -> type[T]:
    return T
