"""Describe a SAML message for a person: what it is, who sent it, whether each
signature holds, and what it says. It reads everything, Advice included, and
labels where each value came from; the SP library is stricter by design."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from ehkit.errors import EhkitError
from ehkit.saml.artifact import Artifact
from ehkit.xml.encryption import DecryptionPolicy, decrypt_element
from ehkit.xml.ns import DS, MD, SAML, SAMLP, XACML_CONTEXT, XENC, q
from ehkit.xml.parse import ParseLimits, parse_document
from ehkit.xml.signature import verify_element
from ehkit.xml.trust import TrustSet

INSPECT_LIMITS = ParseLimits(max_bytes=4 * 1024 * 1024, max_depth=128, max_elements=200_000)


@dataclass
class SignatureCheck:
    element: str
    id: str | None
    key_name: str | None
    status: str  # "valid", "invalid", "unknown-key", "not-checked"
    reason: str | None = None
    detail: str | None = None


@dataclass
class Identifier:
    attribute: str
    qualifier: str | None
    value: str | None
    encrypted: bool
    decrypted: bool
    location: str
    error: str | None = None


@dataclass
class Report:
    message_type: str
    encoding: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    signatures: list[SignatureCheck] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pretty_xml: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and all(s.status in ("valid", "not-checked", "unknown-key") for s in self.signatures)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["ok"] = self.ok
        return d


def _path(el: etree._Element | None) -> str:
    parts = []
    while el is not None:
        parts.append(etree.QName(el).localname)
        el = el.getparent()
    return "/" + "/".join(reversed(parts))


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return "".join(cast("list[str]", el.xpath("text()"))).strip()


def _owner_assertion(el: etree._Element) -> etree._Element | None:
    p = el.getparent()
    while p is not None and p.tag != q(SAML, "Assertion"):
        p = p.getparent()
    return p


def _in_advice(el: etree._Element) -> bool:
    p = el.getparent()
    while p is not None:
        if p.tag == q(SAML, "Advice"):
            return True
        p = p.getparent()
    return False


def analyse(
    xml: bytes | None,
    *,
    encoding: list[str] | None = None,
    artifact: str | None = None,
    relay_state: str | None = None,
    trust: TrustSet | None = None,
    keys: list[tuple[rsa.RSAPrivateKey, frozenset[str]]] | None = None,
    entity_id: str | None = None,
    expected_issuer: str | None = None,
) -> Report:
    if xml is None:
        return _artifact_report(artifact or "", encoding or [], relay_state, expected_issuer)
    try:
        doc = parse_document(xml, INSPECT_LIMITS)
    except EhkitError as exc:
        return Report(message_type="unreadable", encoding=encoding or [], problems=[f"{exc.reason}: {exc}"])
    root = doc.root
    rep = Report(message_type=etree.QName(root).localname, encoding=encoding or [])
    if relay_state is not None:
        rep.summary["RelayState"] = relay_state
    rep.pretty_xml = etree.tostring(_pretty_copy(xml), pretty_print=True, encoding="unicode")
    _summarise(root, rep)
    _check_signatures(root, rep, trust)
    _identifiers(root, rep, keys, entity_id)
    return rep


def _pretty_copy(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(xml, parser)  # noqa: TID251 - only after parse_document accepted the same bytes


def _artifact_report(art: str, encoding: list[str], relay_state: str | None, expected_issuer: str | None) -> Report:
    rep = Report(message_type="SAMLart", encoding=encoding)
    try:
        a = Artifact.decode(art)
    except EhkitError as exc:
        rep.problems.append(f"{exc.reason}: {exc}")
        return rep
    rep.summary.update(
        {
            "type": "0x0004",
            "endpoint_index": a.endpoint_index,
            "source_id": a.source_id.hex(),
            "message_handle": a.message_handle.hex(),
        }
    )
    if relay_state is not None:
        rep.summary["RelayState"] = relay_state
    if expected_issuer:
        matches = a.is_from(expected_issuer)
        rep.summary["source_id_matches"] = {"entity_id": expected_issuer, "match": matches}
        if not matches:
            rep.problems.append(f"SourceID is not SHA-1 of {expected_issuer}: this artifact is not from that broker")
    rep.summary["note"] = (
        "an artifact is a reference; the DV resolves it at the broker's ArtifactResolutionService over SOAP"
    )
    return rep


def _summarise(root: etree._Element, rep: Report) -> None:
    s = rep.summary
    for attr in (
        "ID",
        "InResponseTo",
        "IssueInstant",
        "Destination",
        "Version",
        "entityID",
        "validUntil",
        "cacheDuration",
    ):
        if root.get(attr) is not None:
            s[attr] = root.get(attr)
    iss = root.find(q(SAML, "Issuer"))
    if iss is not None:
        s["Issuer"] = _text(iss)
    if root.tag == q(SAMLP, "AuthnRequest"):
        for attr in (
            "ForceAuthn",
            "IsPassive",
            "ProtocolBinding",
            "AssertionConsumerServiceURL",
            "AssertionConsumerServiceIndex",
            "AttributeConsumingServiceIndex",
            "ProviderName",
        ):
            if root.get(attr) is not None:
                s[attr] = root.get(attr)
        ref = root.find(f"{q(SAMLP, 'RequestedAuthnContext')}/{q(SAML, 'AuthnContextClassRef')}")
        if ref is not None:
            s["RequestedLoA"] = _text(ref)
            requested = ref.getparent()
            s["Comparison"] = requested.get("Comparison", "exact") if requested is not None else "exact"
    statuses = []
    for st in root.iter(q(SAMLP, "Status")):
        codes = [c.get("Value") for c in st.iter(q(SAMLP, "StatusCode"))]
        msg = _text(st.find(q(SAMLP, "StatusMessage")))
        statuses.append({"element": _path(st.getparent()), "codes": codes, "message": msg})
    if statuses:
        s["status"] = statuses
    assertions = []
    for a in root.iter(q(SAML, "Assertion")):
        info: dict[str, Any] = {
            "path": _path(a),
            "ID": a.get("ID"),
            "Issuer": _text(a.find(q(SAML, "Issuer"))),
            "in_advice": _in_advice(a),
        }
        cond = a.find(q(SAML, "Conditions"))
        if cond is not None:
            info["NotBefore"] = cond.get("NotBefore")
            info["NotOnOrAfter"] = cond.get("NotOnOrAfter")
            info["Audiences"] = [_text(x) for x in cond.iter(q(SAML, "Audience"))]
        scd = a.find(f"{q(SAML, 'Subject')}/{q(SAML, 'SubjectConfirmation')}/{q(SAML, 'SubjectConfirmationData')}")
        if scd is not None:
            info["Recipient"] = scd.get("Recipient")
            info["SubjectInResponseTo"] = scd.get("InResponseTo")
        authn = a.find(q(SAML, "AuthnStatement"))
        if authn is not None:
            info["AuthnInstant"] = authn.get("AuthnInstant")
            info["SessionIndex"] = authn.get("SessionIndex")
            info["LoA"] = _text(authn.find(f"{q(SAML, 'AuthnContext')}/{q(SAML, 'AuthnContextClassRef')}"))
            info["AuthenticatingAuthority"] = _text(
                authn.find(f"{q(SAML, 'AuthnContext')}/{q(SAML, 'AuthenticatingAuthority')}")
            )
        assertions.append(info)
        for attribute in a.findall(f"{q(SAML, 'AttributeStatement')}/{q(SAML, 'Attribute')}"):
            values: list[str | None] = []
            for v in attribute.findall(q(SAML, "AttributeValue")):
                if v.find(q(SAML, "EncryptedID")) is not None:
                    values.append("[EncryptedID]")
                elif (name_id := v.find(q(SAML, "NameID"))) is not None:
                    values.append(f"{_text(name_id)} ({name_id.get('NameQualifier')})")
                else:
                    values.append(_text(v))
            rep.attributes.append(
                {"assertion": a.get("ID"), "in_advice": _in_advice(a), "name": attribute.get("Name"), "values": values}
            )
        for xa in a.iter(q(XACML_CONTEXT, "Attribute")):
            if _owner_assertion(xa) is not a:
                continue
            vals = []
            for v in xa.findall(q(XACML_CONTEXT, "AttributeValue")):
                n = v.find(q(SAML, "NameID"))
                vals.append(
                    f"{_text(n)} ({n.get('NameQualifier')})"
                    if n is not None
                    else ("[EncryptedID]" if v.find(q(SAML, "EncryptedID")) is not None else _text(v))
                )
            rep.attributes.append(
                {
                    "assertion": a.get("ID"),
                    "in_advice": _in_advice(a),
                    "name": xa.get("AttributeId"),
                    "values": vals,
                    "xacml": True,
                }
            )
    if assertions:
        s["assertions"] = assertions
    if root.tag in (q(MD, "EntityDescriptor"), q(MD, "EntitiesDescriptor")):
        s["entities"] = [e.get("entityID") for e in root.iter(q(MD, "EntityDescriptor"))]


def _check_signatures(root: etree._Element, rep: Report, trust: TrustSet | None) -> None:
    for sig in root.iter(q(DS, "Signature")):
        parent = sig.getparent()
        kn_el = sig.find(f"{q(DS, 'KeyInfo')}/{q(DS, 'KeyName')}")
        key_name = _text(kn_el)
        if parent is None:  # a bare Signature pasted on its own signs nothing here
            rep.signatures.append(
                SignatureCheck(
                    element="/",
                    id=None,
                    key_name=key_name,
                    status="invalid",
                    reason="signature_position",
                    detail="the Signature is the document element: it has no parent to sign",
                )
            )
            continue
        check = SignatureCheck(element=_path(parent), id=parent.get("ID"), key_name=key_name, status="not-checked")
        if trust:
            known = key_name is None or any(key_name.lower() in k.key_names for k in trust.keys)
            try:
                verify_element(parent, trust)
                check.status = "valid"
            except EhkitError as exc:
                check.reason = exc.reason
                check.detail = str(exc)
                check.status = "unknown-key" if (exc.reason == "signature_untrusted" and not known) else "invalid"
        rep.signatures.append(check)


def _identifiers(
    root: etree._Element,
    rep: Report,
    keys: list[tuple[rsa.RSAPrivateKey, frozenset[str]]] | None,
    entity_id: str | None,
) -> None:
    policy = None
    if keys:
        from ehkit.xml.encryption import DecryptionKey

        policy = DecryptionPolicy(keys=tuple(DecryptionKey(k, names) for k, names in keys), entity_id=entity_id)
    for enc in root.iter(q(SAML, "EncryptedID")):
        value_el = enc.getparent()
        attr = value_el.getparent() if value_el is not None else None
        name = attr.get("Name") or attr.get("AttributeId") if attr is not None else None
        ident = Identifier(
            attribute=name or _path(enc),
            qualifier=None,
            value=None,
            encrypted=True,
            decrypted=False,
            location=_path(enc),
        )
        recipients = [ek.get("Recipient") for ek in enc.iter(q(XENC, "EncryptedKey"))]
        ident.error = None
        if policy is not None:
            try:
                plain = decrypt_element(enc, policy)
                ident.qualifier = plain.get("NameQualifier")
                ident.value = "".join(cast("list[str]", plain.xpath("text()"))).strip()
                ident.decrypted = True
            except EhkitError as exc:
                ident.error = f"{exc.reason}: {exc} (recipients: {', '.join(r or '?' for r in recipients)})"
                if exc.reason == "decryption_failed":
                    rep.problems.append(f"{ident.attribute}: addressed to us but could not be decrypted")
        else:
            ident.error = f"not decrypted (give --key); recipients: {', '.join(r or '?' for r in recipients)}"
        rep.identifiers.append(ident)
    for nid in root.iter(q(SAML, "NameID")):
        value_el = nid.getparent()
        attr = value_el.getparent() if value_el is not None else None
        if (
            value_el is not None
            and attr is not None
            and value_el.tag in (q(SAML, "AttributeValue"), q(XACML_CONTEXT, "AttributeValue"))
        ):
            rep.identifiers.append(
                Identifier(
                    attribute=attr.get("Name") or attr.get("AttributeId") or "",
                    qualifier=nid.get("NameQualifier"),
                    value=_text(nid),
                    encrypted=False,
                    decrypted=False,
                    location=_path(nid),
                )
            )
