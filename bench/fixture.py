"""Benchmark material, built with ehkit's own XML functions.

One realistic eHerkenning 1.13 Response, shaped like the real 2020/2023
messages in tests/data/reference:

  samlp:Response (signed by the HM; KeyName only, exc-c14n + InclusiveNamespaces)
    saml:Issuer, ds:Signature, samlp:Status
    saml:Assertion (signed by the HM)
      Subject: transient NameID + bearer SubjectConfirmation
      Conditions + AudienceRestriction (the DV)
      Advice
        AD assertion (signed by the AD): AuthnStatement, attributes, and an
          ActingSubjectID encrypted for the MR (not for us)
        MR assertion (signed by the MR): XACML authorisation decision statement
      AttributeStatement: ActingSubjectID, LegalSubjectID and
        IntermediateEntityID (chain authorisation) as EncryptedIDs for the DV,
        plus Vestigingsnr, ServiceID, ServiceUUID in plain text
      AuthnStatement (loa3)

The three DV EncryptedIDs use the eToegang multi-recipient layout
(EncryptedData + sibling EncryptedKey with Recipient, KeyName, ReferenceList,
found through RetrievalMethod), aes256-cbc + rsa-oaep-mgf1p (the algorithms
observed in real messages). Reading everything costs 3 RSA-2048 private-key
operations. Keys are RSA-2048, generated once per run (all rows of one run use
the same keys and bytes).

Variants exist only because some anchor libraries cannot read the real shape
(``ResponseSpec``); ``describe_variant`` says what differs.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass, field, replace
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from ehkit.xml import EncryptionRecipient, encrypt_element, sign_element
from ehkit.xml.ns import DS, SAML, SAMLP, XACML_CONTEXT, XACML_SAML, XENC, XS, XSI

# ------------------------------------------------------------------ names

HM_ENTITY = "urn:etoegang:HM:00000003244440010000:entities:9632"
AD_ENTITY = "urn:etoegang:AD:00000003244440010000:entities:9133"
MR_ENTITY = "urn:etoegang:MR:00000003244440010000:entities:9134"
DV_ENTITY = "urn:etoegang:DV:00000003519026720000:entities:9009"
SERVICE_ID = "urn:etoegang:DV:00000003519026720000:services:9009"
SERVICE_UUID = "b2ba62a6-419c-4331-8fbb-40c7b589978d"
ACS_URL = "https://dv.example.nl/saml/acs"
SSO_URL = "https://hm.example.nl/broker/sso/1.13"
ARS_URL = "https://hm.example.nl/broker/ars/1.13"
LOA3 = "urn:etoegang:core:assurance-class:loa3"

ACTING_SUBJECT = "14d0e8df5f3466d583cbb592f60f6c45b2ea457a4ac1c3be1ee37a66cd4b1ff9@9162f54b3b07284ac4e147a849deaee4"
LEGAL_SUBJECT_KVK = "24444001"
INTERMEDIARY_KVK = "69599084"
VESTIGINGSNR = "000012345678"

Q_PSEUDO = "urn:etoegang:1.13:EntityConcernedID:Pseudo"
Q_KVK = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NAMEID_TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"

A_ACTING = "urn:etoegang:core:ActingSubjectID"
A_LEGAL = "urn:etoegang:core:LegalSubjectID"
A_INTERMEDIATE = "urn:etoegang:1.9:IntermediateEntityID:KvKnr"

#: the three identifiers every stack must read, by attribute name
EXPECTED_IDS = {
    A_ACTING: ACTING_SUBJECT,
    A_LEGAL: LEGAL_SUBJECT_KVK,
    A_INTERMEDIATE: INTERMEDIARY_KVK,
}
ENCRYPTED_ATTRIBUTES = (
    (A_ACTING, ACTING_SUBJECT, Q_PSEUDO),
    (A_LEGAL, LEGAL_SUBJECT_KVK, Q_KVK),
    (A_INTERMEDIATE, INTERMEDIARY_KVK, Q_KVK),
)
INCLUSIVE_PREFIXES = ("xacml-saml", "xs")
ROOT_NSMAP = {"samlp": SAMLP, "saml": SAML, "xs": XS, "xsi": XSI, "xacml-saml": XACML_SAML}


# ------------------------------------------------------------------ parties


@dataclass(frozen=True)
class Party:
    label: str
    entity_id: str
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @cached_property
    def public(self) -> rsa.RSAPublicKey:
        return self.key.public_key()

    @cached_property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @cached_property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @cached_property
    def cert_b64(self) -> str:
        return base64.b64encode(self.cert_der).decode("ascii")

    @cached_property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @cached_property
    def key_pem_traditional(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )

    @property
    def key_name(self) -> str:
        """Lowercase hex SHA-256 of the DER certificate, the KeyName brokers publish."""
        return hashlib.sha256(self.cert_der).hexdigest()


def make_party(label: str, entity_id: str, bits: int = 2048) -> Party:
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
    return Party(label, entity_id, key, cert)


@dataclass(frozen=True)
class Parties:
    hm: Party  # broker: signs Response and Assertion
    ad: Party  # authentication service: signs the AD assertion in Advice
    mr: Party  # authorisation register: signs the MR assertion, reads the AD's ActingSubjectID
    dv_sign: Party  # us: signs AuthnRequests
    dv_enc: Party  # us: decrypts the identifiers
    attacker: Party  # anyone else

    @classmethod
    def generate(cls) -> Parties:
        return cls(
            hm=make_party("bench HM", HM_ENTITY),
            ad=make_party("bench AD", AD_ENTITY),
            mr=make_party("bench MR", MR_ENTITY),
            dv_sign=make_party("bench DV signing", DV_ENTITY),
            dv_enc=make_party("bench DV encryption", DV_ENTITY),
            attacker=make_party("attacker", HM_ENTITY),
        )


# ------------------------------------------------------------------ building


def new_id() -> str:
    return "_" + secrets.token_hex(16)


def instant(t: dt.datetime) -> str:
    t = t.astimezone(dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _sub(parent: etree._Element, ns: str, local: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, "{%s}%s" % (ns, local))
    for k, v in attrs.items():
        el.set(k, v)
    if text is not None:
        el.text = text
    return el


def _nameid(value: str, qualifier: str, fmt: str = NAMEID_PERSISTENT) -> etree._Element:
    el = etree.Element("{%s}NameID" % SAML, nsmap={"saml": SAML})
    el.set("Format", fmt)
    el.set("NameQualifier", qualifier)
    el.text = value
    return el


@dataclass(frozen=True)
class ResponseSpec:
    """What to build. The default is the realistic message all rows use."""

    advice: bool = True
    mr_in_advice: bool = True  # the MR's XACML decision assertion next to the AD assertion
    layout: str = "sibling"  # "sibling" (eToegang multi-recipient) | "keyinfo" (EncryptedKey in KeyInfo)
    data_algorithm: str = "aes256-cbc"
    key_transport: str = "rsa-oaep-mgf1p"
    dv_key_name: bool = True  # KeyName of the DV key in each EncryptedKey
    other_recipient: bool = False  # also an EncryptedKey for the MR next to ours (multi-recipient)
    extra_encrypted_keys: int = 0  # hostile: this many extra EncryptedKeys per EncryptedID
    sign_response: bool = True
    sign_assertion: bool = True
    signer: str = "hm"  # "hm" | "attacker"
    x509_in_signature: bool = False  # add X509Data to the HM signatures (some anchors want it)
    request_id: str = "_bench-request-00000000000000000000000001"
    pretty: bool = True
    # Real assertions live 2-5 minutes. python3-saml and pysaml2 read the system clock
    # (ehkit takes ``now`` as a parameter), and a full run takes several minutes, so the
    # benchmark message stays valid for an hour. The window does not change any cost.
    validity: dt.timedelta = dt.timedelta(minutes=60)


def describe_variant(spec: ResponseSpec) -> str:
    base = ResponseSpec()
    diffs = []
    if spec.advice != base.advice:
        diffs.append("no Advice (AD/MR assertions left out)" if not spec.advice else "with Advice")
    if spec.advice and spec.mr_in_advice != base.mr_in_advice:
        diffs.append("Advice holds only the AD assertion (the MR's XACML decision assertion left out)")
    if spec.layout != base.layout:
        diffs.append(
            "EncryptedKey inside EncryptedData/KeyInfo instead of the multi-recipient sibling layout"
            if spec.layout == "keyinfo"
            else "sibling EncryptedKey layout"
        )
    if spec.dv_key_name != base.dv_key_name:
        diffs.append("no KeyName in the EncryptedKeys")
    if spec.x509_in_signature != base.x509_in_signature:
        diffs.append("X509Data in the signatures")
    if spec.data_algorithm != base.data_algorithm:
        diffs.append(spec.data_algorithm)
    return "; ".join(diffs) or "the realistic response"


@dataclass
class Fixture:
    parties: Parties
    now: dt.datetime
    response: bytes  # the realistic response (all stacks that can read it)
    request_id: str
    variants: dict[ResponseSpec, bytes] = field(default_factory=dict)

    @property
    def response_b64(self) -> str:
        return base64.b64encode(self.response).decode("ascii")

    def variant(self, spec: ResponseSpec) -> bytes:
        if spec == ResponseSpec(request_id=self.request_id):
            return self.response
        if spec not in self.variants:
            self.variants[spec] = build_response(self.parties, spec, now=self.now)
        return self.variants[spec]

    def tampered(self, xml: bytes | None = None) -> bytes:
        """One plain attribute value in the HM assertion changed: the digest no longer matches."""
        xml = self.response if xml is None else xml
        out = xml.replace(VESTIGINGSNR.encode(), b"000099999999")
        assert out != xml
        return out


def build_fixture(parties: Parties | None = None, now: dt.datetime | None = None) -> Fixture:
    parties = parties or Parties.generate()
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    spec = ResponseSpec()
    return Fixture(parties, now, build_response(parties, spec, now=now), spec.request_id)


def _encrypted_id(
    parent: etree._Element, value: str, qualifier: str, readers: list[tuple[Party, bool]], spec: ResponseSpec
) -> etree._Element:
    """saml:EncryptedID holding ``value``; ``readers``: (party, with KeyName)."""
    container = _sub(parent, SAML, "EncryptedID")
    recipients = [
        EncryptionRecipient(p.public, entity_id=p.entity_id, key_name=p.key_name if named else None)
        for p, named in readers
    ]
    parts = encrypt_element(
        _nameid(value, qualifier),
        recipients,
        data_algorithm=spec.data_algorithm,
        key_transport=spec.key_transport,
        layout=spec.layout,
    )
    for part in parts:
        container.append(part)
    if spec.extra_encrypted_keys:
        template = next((p for p in parts if p.tag == "{%s}EncryptedKey" % XENC), None)
        if template is None:  # keyinfo layout: put the copies next to EncryptedData
            template = parts[0].find("{%s}KeyInfo/{%s}EncryptedKey" % (DS, XENC))
        for i in range(spec.extra_encrypted_keys):
            ek = copy.deepcopy(template)
            ek.set("Id", f"_extra{i}_" + secrets.token_hex(4))
            ek.set("Recipient", DV_ENTITY)
            container.append(ek)
    return container


def _attribute(
    parent: etree._Element, name: str, value: str | None = None, xsi_type: str | None = "xs:string"
) -> etree._Element:
    at = _sub(parent, SAML, "Attribute", Name=name)
    if value is not None:
        av = _sub(at, SAML, "AttributeValue", value)
        if xsi_type:
            av.set("{%s}type" % XSI, xsi_type)
    return at


def _ad_assertion(advice: etree._Element, p: Parties, now: dt.datetime, spec: ResponseSpec) -> etree._Element:
    a = _sub(advice, SAML, "Assertion", ID=new_id(), IssueInstant=instant(now - dt.timedelta(seconds=8)), Version="2.0")
    _sub(a, SAML, "Issuer", AD_ENTITY)
    subject = _sub(a, SAML, "Subject")
    _sub(subject, SAML, "NameID", secrets.token_hex(30).upper(), Format=NAMEID_TRANSIENT)
    sc = _sub(subject, SAML, "SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    _sub(
        sc,
        SAML,
        "SubjectConfirmationData",
        InResponseTo=new_id(),
        NotOnOrAfter=instant(now + spec.validity),
        Recipient="https://hm.example.nl/broker/acs/1.13",
    )
    cond = _sub(
        a,
        SAML,
        "Conditions",
        NotBefore=instant(now - dt.timedelta(minutes=1)),
        NotOnOrAfter=instant(now + spec.validity),
    )
    ar = _sub(cond, SAML, "AudienceRestriction")
    for aud in (HM_ENTITY, MR_ENTITY, DV_ENTITY):
        _sub(ar, SAML, "Audience", aud)
    st = _sub(a, SAML, "AuthnStatement", AuthnInstant=instant(now - dt.timedelta(seconds=9)))
    ctx = _sub(st, SAML, "AuthnContext")
    _sub(ctx, SAML, "AuthnContextClassRef", LOA3)
    _sub(ctx, SAML, "AuthenticatingAuthority", "00000003244440010000")
    ast = _sub(a, SAML, "AttributeStatement")
    _attribute(ast, "urn:etoegang:core:Representation", "true", "xs:boolean")
    _attribute(ast, "urn:etoegang:core:ServiceUUID", SERVICE_UUID)
    _attribute(ast, "urn:etoegang:core:AuthorizationRegistryID", MR_ENTITY)
    at = _attribute(ast, A_ACTING)
    _encrypted_id(
        _sub(at, SAML, "AttributeValue"),
        secrets.token_hex(30).upper(),
        Q_PSEUDO,
        [(p.mr, True)],
        replace(spec, extra_encrypted_keys=0),
    )
    return a


def _mr_assertion(
    advice: etree._Element, p: Parties, now: dt.datetime, ad_id: str, spec: ResponseSpec
) -> etree._Element:
    a = _sub(advice, SAML, "Assertion", ID=new_id(), IssueInstant=instant(now - dt.timedelta(seconds=2)), Version="2.0")
    _sub(a, SAML, "Issuer", MR_ENTITY)
    subject = _sub(a, SAML, "Subject")
    _sub(subject, SAML, "NameID", secrets.token_hex(30).upper(), Format=NAMEID_TRANSIENT, NameQualifier=MR_ENTITY)
    _sub(
        a,
        SAML,
        "Conditions",
        NotBefore=instant(now - dt.timedelta(minutes=1)),
        NotOnOrAfter=instant(now + spec.validity),
    )
    _sub(_sub(a, SAML, "Advice"), SAML, "AssertionIDRef", ad_id)
    st = _sub(a, SAML, "Statement")
    st.set("{%s}type" % XSI, "xacml-saml:XACMLAuthzDecisionStatementType")
    X = XACML_CONTEXT
    resp = etree.SubElement(st, "{%s}Response" % X, nsmap={"xacml-context": X})
    result = _sub(resp, X, "Result")
    _sub(result, X, "Decision", "Permit")
    _sub(_sub(result, X, "Status"), X, "StatusCode", Value="urn:oasis:names:tc:xacml:1.0:status:ok")
    req = etree.SubElement(st, "{%s}Request" % X, nsmap={"xacml-context": X})

    def xattr(
        parent: etree._Element, attr_id: str, value: str, dtype: str = "http://www.w3.org/2001/XMLSchema#string"
    ) -> None:
        at = _sub(parent, X, "Attribute", AttributeId=attr_id, DataType=dtype, Issuer=MR_ENTITY)
        _sub(at, X, "AttributeValue", value)

    subj = _sub(req, X, "Subject", SubjectCategory="urn:oasis:names:tc:xacml:1.0:subject-category:access-subject")
    xattr(subj, "urn:etoegang:core:ActingEntityID", secrets.token_hex(30).upper())
    xattr(
        subj,
        "urn:etoegang:core:LinkedDeclarationSignatureValue",
        base64.b64encode(os.urandom(256)).decode(),
        "http://www.w3.org/2001/XMLSchema#base64Binary",
    )
    res = _sub(req, X, "Resource")
    xattr(res, "urn:etoegang:core:ServiceID", SERVICE_ID)
    xattr(res, "urn:etoegang:core:ServiceUUID", SERVICE_UUID)
    xattr(res, "urn:etoegang:core:LevelOfAssurance", LOA3)
    xattr(res, "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr", VESTIGINGSNR)
    xattr(res, "urn:etoegang:1.9:EntityConcernedID:KvKnr", LEGAL_SUBJECT_KVK)
    xattr(res, "urn:etoegang:core:LevelOfAssuranceUsed", LOA3)
    act = _sub(req, X, "Action")
    xattr(act, "urn:oasis:names:tc:xacml:1.0:action:action-id", "Authenticate")
    _sub(req, X, "Environment")
    return a


def build_response(p: Parties, spec: ResponseSpec, *, now: dt.datetime) -> bytes:
    """Build, encrypt and sign one Response; signatures are made in place, inner first."""
    signer = p.hm if spec.signer == "hm" else p.attacker
    not_after = instant(now + spec.validity)
    r = etree.Element("{%s}Response" % SAMLP, nsmap=ROOT_NSMAP)
    for k, v in (
        ("ID", new_id()),
        ("InResponseTo", spec.request_id),
        ("IssueInstant", instant(now)),
        ("Destination", ACS_URL),
        ("Version", "2.0"),
    ):
        r.set(k, v)
    _sub(r, SAML, "Issuer", HM_ENTITY)
    _sub(_sub(r, SAMLP, "Status"), SAMLP, "StatusCode", Value="urn:oasis:names:tc:SAML:2.0:status:Success")
    a = _sub(r, SAML, "Assertion", ID=new_id(), IssueInstant=instant(now), Version="2.0")
    _sub(a, SAML, "Issuer", HM_ENTITY)
    subject = _sub(a, SAML, "Subject")
    _sub(subject, SAML, "NameID", secrets.token_hex(18), Format=NAMEID_TRANSIENT, NameQualifier=AD_ENTITY)
    sc = _sub(subject, SAML, "SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    _sub(sc, SAML, "SubjectConfirmationData", InResponseTo=spec.request_id, NotOnOrAfter=not_after, Recipient=ACS_URL)
    cond = _sub(a, SAML, "Conditions", NotBefore=instant(now - dt.timedelta(seconds=5)), NotOnOrAfter=not_after)
    _sub(_sub(cond, SAML, "AudienceRestriction"), SAML, "Audience", DV_ENTITY)
    advice_assertions: list[tuple[etree._Element, Party]] = []
    if spec.advice:
        advice = _sub(a, SAML, "Advice")
        ad = _ad_assertion(advice, p, now, spec)
        advice_assertions = [(ad, p.ad)]
        if spec.mr_in_advice:
            advice_assertions.append((_mr_assertion(advice, p, now, ad.get("ID"), spec), p.mr))
    ast = _sub(a, SAML, "AttributeStatement")
    readers = [(p.dv_enc, spec.dv_key_name)]
    if spec.other_recipient:
        readers = [(p.mr, True), *readers]
    for name, value, qualifier in ENCRYPTED_ATTRIBUTES:
        at = _attribute(ast, name)
        _encrypted_id(_sub(at, SAML, "AttributeValue"), value, qualifier, readers, spec)
    _attribute(ast, "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr", VESTIGINGSNR)
    _attribute(ast, "urn:etoegang:core:ServiceID", SERVICE_ID)
    _attribute(ast, "urn:etoegang:core:ServiceUUID", SERVICE_UUID)
    st = _sub(a, SAML, "AuthnStatement", AuthnInstant=instant(now), SessionIndex=secrets.token_hex(16))
    ctx = _sub(st, SAML, "AuthnContext")
    _sub(ctx, SAML, "AuthnContextClassRef", LOA3)
    _sub(ctx, SAML, "AuthenticatingAuthority", AD_ENTITY)

    if spec.pretty:
        etree.indent(r, space="  ")
    # Sign a parsed copy, not the tree built in memory: lxml's exclusive c14n of an
    # element built through the API can leave out InclusiveNamespaces prefixes that
    # are declared on an ancestor (seen with lxml 6.1.3 / libxml2 2.14.6), and the
    # receiver, who canonicalises the parsed bytes, then computes another digest.
    r = etree.fromstring(etree.tostring(r))
    by_id = {el.get("ID"): el for el in r.iter("{%s}Assertion" % SAML)}
    a = by_id[a.get("ID")]
    cert = signer.cert if spec.x509_in_signature else None
    for el, party in advice_assertions:
        sign_element(by_id[el.get("ID")], party.key, key_name=party.key_name, inclusive_prefixes=INCLUSIVE_PREFIXES)
    if spec.sign_assertion:
        sign_element(a, signer.key, key_name=signer.key_name, certificate=cert, inclusive_prefixes=INCLUSIVE_PREFIXES)
    if spec.sign_response:
        sign_element(r, signer.key, key_name=signer.key_name, certificate=cert, inclusive_prefixes=INCLUSIVE_PREFIXES)
    return etree.tostring(r, xml_declaration=True, encoding="UTF-8")


# ------------------------------------------------------------------ hostile input


def hostile_inputs(fx: Fixture) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, what it is). None of these may cost an RSA private-key operation."""
    p = fx.parties
    rid = fx.request_id
    unsigned = build_response(p, ResponseSpec(request_id=rid, sign_response=False, sign_assertion=False), now=fx.now)
    attacker = build_response(p, ResponseSpec(request_id=rid, signer="attacker"), now=fx.now)
    many_keys_attacker = build_response(
        p, ResponseSpec(request_id=rid, signer="attacker", extra_encrypted_keys=12), now=fx.now
    )
    many_keys_unsigned = build_response(
        p, ResponseSpec(request_id=rid, sign_response=False, sign_assertion=False, extra_encrypted_keys=12), now=fx.now
    )
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10) for i in range(10))
        + b']>\n<samlp:Response xmlns:samlp="'
        + SAMLP.encode()
        + b'">&lol9;</samlp:Response>'
    )
    garbage = os.urandom(12 * 1024)
    oversized = fx.response.replace(b"</samlp:Response>", b"<!--" + b"x" * (1024 * 1024) + b"--></samlp:Response>")
    return {
        "unsigned": (unsigned, "the realistic response without any signature"),
        "garbage": (garbage, "12 KiB of random bytes"),
        "oversized": (oversized, f"the response padded to {len(oversized) // 1024} KiB (limit 256 KiB)"),
        "dtd": (laughs, "billion-laughs DOCTYPE (entity expansion)"),
        "attacker-signed": (attacker, "same shape, Response and Assertion signed by an untrusted key"),
        "many-encryptedkeys-attacker": (
            many_keys_attacker,
            "13 EncryptedKeys per EncryptedID (cap 8), attacker-signed",
        ),
        "many-encryptedkeys-unsigned": (many_keys_unsigned, "13 EncryptedKeys per EncryptedID (cap 8), unsigned"),
    }


def informational_inputs(fx: Fixture) -> dict[str, tuple[bytes, str]]:
    """Inputs that show a bound rather than a hostile case of the target list."""
    p = fx.parties
    rid = fx.request_id
    unsigned = build_response(p, ResponseSpec(request_id=rid, sign_response=False, sign_assertion=False), now=fx.now)
    pad = 256 * 1024 - len(unsigned) - 64
    at_limit = unsigned.replace(b"</samlp:Response>", b"<!--" + b"x" * pad + b"--></samlp:Response>")
    trusted = build_response(p, ResponseSpec(request_id=rid, extra_encrypted_keys=12), now=fx.now)
    return {
        "size-limit-unsigned": (
            at_limit,
            f"unsigned, padded to {len(at_limit) // 1024} KiB, just under the "
            "256 KiB limit: the most parsing an anonymous sender can cause",
        ),
        "many-encryptedkeys-trusted": (
            trusted,
            "13 EncryptedKeys per EncryptedID, validly signed by the trusted HM "
            "(not attacker input: shows the cap applies before any decryption)",
        ),
    }
