"""Valid, signed, encrypted messages for the test network, made from the *real* ones.

``ReferenceMessages(network).build(...)`` takes a real sanitised message from
tests/data/reference and:

1. swaps the broker, DV, service, ACS, message IDs and InResponseTo values for
   the test network's (a plain text replacement, so the Advice assertions stay
   consistent too; their original AD/MR signatures no longer match and are
   never checked: ehkit does not use Advice);
2. shifts every timestamp so the Response is issued at ``now`` while keeping
   the real message's relative timing;
3. encrypts the top-level ActingSubjectID and LegalSubjectID NameIDs to the
   test DV as EncryptedIDs in the eToegang multi-recipient layout (another
   reader's EncryptedKey first, ours second: catalogue case 80);
4. re-signs inner to outer (Assertion, Response, ArtifactResponse) with the
   test broker key.

Pieces are inserted as serialized text and the tree is re-serialized before
signing: lxml may rename prefixes of moved subtrees (research/pitfalls.md).

Hooks, one change each (catalogue §7): ``edit_plain`` runs before encryption
(plaintext identifiers reachable), ``edit`` after encryption and before
signing ("change, then re-sign"), ``after_layer[layer]`` right after one
layer is signed (so the outer layers sign over the change and only the inner
check can catch it), ``after_sign`` on the signed tree and ``after_text`` on
the final text (tampering that no signature survives).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from lxml import etree

from ehkit.domain import urns
from ehkit.pki import KeyPair
from ehkit.saml.ids import new_id
from ehkit.saml.timefmt import format_instant, parse_instant
from ehkit.xml.encryption import EncryptionRecipient, encrypt_element, serialize_standalone
from ehkit.xml.ns import DS, SAML, SAMLP, SOAP11, q
from ehkit.xml.signature import sign_element
from support import network as n

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"

_INSTANT_RE = re.compile(r'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)"')


@dataclass(frozen=True)
class ReferenceSpec:
    """What a real message contains that the test network replaces."""

    file: str
    kind: Literal["artifact", "response"]
    broker: str
    dv: str
    service_id: str
    service_uuid: str
    acs: str
    anchor: str  # the Response IssueInstant: it becomes ``now``
    request_id: str
    ids: tuple[str, ...]  # ArtifactResponse, Response, Assertion IDs to renew
    resolve_id: str | None = None
    other_entities: tuple[tuple[str, str], ...] = ()


ARTIFACT_2023 = ReferenceSpec(
    file="artifactresponse-2023-decrypted.xml",
    kind="artifact",
    broker="urn:etoegang:HM:00000003244440010000:entities:9713",
    dv="urn:etoegang:DV:0000000398765432100000:entities:9009",
    service_id="urn:etoegang:DV:0000000398765432100000:services:9009",
    service_uuid="b2ba62a6-419c-4331-8fbb-40c7b589978d",
    acs="https://test.zaaksysteem.nl/auth/saml/consumer-artifact",
    anchor="2023-06-18T15:02:56.414Z",
    request_id="_d8230c16a9e8386d6ddca7d98867350615e59dc0",
    resolve_id="_d1ae8c932c62aa57471d9ca3b967789d225cdd9b",
    ids=("_219efecacf869301bd82c1f9dd144523", "_3e6519c92c9b4c529706de01b9afa604", "_b54c18c05c904109ba908b08dcd6c5d2"),
)

RESPONSE_2020 = ReferenceSpec(
    file="response-2020-encrypted.xml",
    kind="response",
    broker="urn:etoegang:HM:00000003244440010000:entities:9619",
    dv="urn:etoegang:DV:00000003519026720000:entities:9009",
    service_id="urn:etoegang:DV:00000003519026720000:services:9009",
    service_uuid="b2ba62a6-419c-4331-8fbb-40c7b589978d",
    acs="https://test.zaaksysteem.nl/auth/saml/consumer-post",
    anchor="2020-06-02T11:48:07Z",
    request_id="_55c995f35f92b55857f0c27817cbbfe5dbbece72",
    ids=("_18092d41-6cef-35f7-9b9d-ec8d77fd3913", "_d144ac7b-d9eb-3e6a-af74-239b04407bb6"),
)

# What the 2023 message says, for assertions in tests.
REAL_KVK = "9876543210"
REAL_VESTIGING = "0000123456789"
REAL_PSEUDONYM = "5039c43b8e350bf6fb24382c9670debd878623680421a7b6f39ec749dfc0b4c7@0ae3c84bce4f060b25e89c0290f040d6"
REAL_SESSION_INDEX = "dd222286-41db-4d40-9c97-951e9aab0d92"
REAL_AD = "urn:etoegang:AD:00000001234567890000:entities:9113"
REAL_MR = "urn:etoegang:MR:00000001234567890000:entities:9113"
PREFIXES = ("xacml-saml", "xs", "xsd")

Edit = Callable[[etree._Element], None]


@dataclass
class Built:
    """A built message and the IDs in it."""

    xml: bytes
    request_id: str
    resolve_id: str | None
    response_id: str
    assertion_id: str
    issued_at: datetime


@dataclass
class ReferenceMessages:
    net: n.Network
    spec: ReferenceSpec = ARTIFACT_2023
    _raw: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self._raw = (REFERENCE / self.spec.file).read_text(encoding="utf-8")

    # -- step 1 and 2: text swaps

    def swapped_text(
        self,
        *,
        request_id: str,
        resolve_id: str | None,
        now: datetime,
        ids: tuple[str, ...],
        acs: str,
        service_id: str,
        service_uuid: str,
        dv_entity: str = n.DV_ENTITY,
    ) -> str:
        s = self.spec
        text = self._raw
        pairs = [
            (s.service_id, service_id),  # before the DV EntityID: it shares the OIN part
            (s.dv, dv_entity),
            (s.broker, n.HM_ENTITY),
            (s.service_uuid, service_uuid),
            (s.acs, acs),
            (s.request_id, request_id),
            *zip(s.ids, ids, strict=True),
        ]
        if s.resolve_id is not None and resolve_id is not None:
            pairs.append((s.resolve_id, resolve_id))
        for old, new in pairs:
            text = text.replace(old, new)
        delta = _utc(now) - parse_instant(s.anchor)
        return _INSTANT_RE.sub(lambda m: '"' + format_instant(parse_instant(m.group(1)) + delta) + '"', text)

    # -- the whole pipeline

    def build(
        self,
        *,
        request_id: str,
        now: datetime,
        resolve_id: str | None = "_resolve0123456789",
        binding: Literal["artifact", "post"] | None = None,
        encrypt: bool = True,
        recipients: Iterable[EncryptionRecipient] | None = None,
        encrypt_data_algorithm: str = "aes256-cbc",
        encrypt_key_transport: str = "rsa-oaep-mgf1p",
        sign: Iterable[str] = ("assertion", "response", "artifact"),
        signer: KeyPair | None = None,
        signers: dict[str, KeyPair] | None = None,
        signature_algorithm: str = "rsa-sha256",
        digest_algorithm: str = "sha256",
        key_info_certificate: bool = False,
        acs: str | None = None,
        service_id: str = n.SERVICE_ID,
        service_uuid: str = n.SERVICE_UUID,
        dv_entity: str = n.DV_ENTITY,
        edit_plain: Edit | None = None,
        edit: Edit | None = None,
        after_layer: dict[str, Edit] | None = None,
        after_sign: Edit | None = None,
        after_text: Callable[[str], str] | None = None,
        soap: bool = False,
    ) -> Built:
        binding = binding or ("artifact" if self.spec.kind == "artifact" else "post")
        if acs is None:
            acs = n.ACS_URL if binding == "artifact" else n.POST_ACS_URL
        ids = tuple(new_id() for _ in self.spec.ids)
        text = self.swapped_text(
            request_id=request_id,
            resolve_id=resolve_id,
            now=now,
            ids=ids,
            acs=acs,
            service_id=service_id,
            service_uuid=service_uuid,
            dv_entity=dv_entity,
        )
        root = etree.fromstring(text.encode("utf-8"))
        # The broker's own signatures go (they are remade below); Advice keeps its AD/MR ones.
        signed = [root, response_of(root), top_assertion(response_of(root))]
        for holder in signed:
            if holder is not None:
                for sig in holder.findall(q(DS, "Signature")):
                    _remove(sig)
        if binding == "post" and root.tag == q(SAMLP, "ArtifactResponse"):
            root = etree.fromstring(etree.tostring(response_of(root)))
        if edit_plain is not None:
            edit_plain(root)
        if encrypt:
            if recipients is None:
                recipients = default_recipients(self.net, dv_entity)
            self._encrypt_identifiers(root, recipients, encrypt_data_algorithm, encrypt_key_transport)
        if edit is not None:
            edit(root)
        root = etree.fromstring(etree.tostring(root))  # serialized text in, serialized text out

        sign = set(sign)
        signers = dict(signers or {})
        default_signer = signer or self.net.hm
        response = response_of(root)
        assertion = top_assertion(response)
        for layer, el in (
            ("assertion", assertion),
            ("response", response),
            ("artifact", root if root is not response else None),
        ):
            if el is None or layer not in sign:
                continue
            key = signers.get(layer, default_signer)
            sign_element(
                el,
                key.private_key,
                key_name=key.key_name,
                certificate=key.certificate if key_info_certificate else None,
                inclusive_prefixes=PREFIXES,
                signature_algorithm=signature_algorithm,
                digest_algorithm=digest_algorithm,
            )
            if after_layer and layer in after_layer:
                after_layer[layer](root)
        if after_sign is not None:
            after_sign(root)
        out = etree.tostring(root, encoding="unicode")
        if after_text is not None:
            out = after_text(out)
        if soap:
            out = f'<soap11:Envelope xmlns:soap11="{SOAP11}"><soap11:Body>{out}</soap11:Body></soap11:Envelope>'
        return Built(
            xml=out.encode("utf-8"),
            request_id=request_id,
            resolve_id=resolve_id,
            response_id=ids[1] if len(ids) == 3 else ids[0],
            assertion_id=ids[-1],
            issued_at=now,
        )

    def _encrypt_identifiers(
        self,
        root: etree._Element,
        recipients: Iterable[EncryptionRecipient] | None,
        data_algorithm: str,
        key_transport: str,
    ) -> None:
        if recipients is None:
            recipients = default_recipients(self.net)
        recipients = list(recipients)
        for attr in identity_attributes(root):
            for value in attr.iter(q(SAML, "AttributeValue")):
                name_id = value.find(q(SAML, "NameID"))
                if name_id is None:
                    continue
                value.replace(name_id, encrypted_id(name_id, recipients, data_algorithm, key_transport))


# ------------------------------------------------------------------ helpers for tests


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _remove(el: etree._Element) -> None:
    """Remove an element, keeping the text that followed it in place."""
    parent = el.getparent()
    assert parent is not None
    tail = el.tail
    prev = el.getprevious()
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


remove = _remove


def default_recipients(net: n.Network, dv_entity: str = n.DV_ENTITY) -> list[EncryptionRecipient]:
    return [
        EncryptionRecipient(net.other.public_key, entity_id=n.MR_ENTITY, key_name=net.other.key_name),
        EncryptionRecipient(net.dv.public_key, entity_id=dv_entity, key_name=net.dv.key_name),
    ]


def encrypted_id(
    name_id: etree._Element,
    recipients: list[EncryptionRecipient],
    data_algorithm: str = "aes256-cbc",
    key_transport: str = "rsa-oaep-mgf1p",
) -> etree._Element:
    """An EncryptedID for ``name_id`` (standalone: it declares its own namespaces)."""
    parts = encrypt_element(
        serialize_standalone(name_id), recipients, data_algorithm=data_algorithm, key_transport=key_transport
    )
    inner = "".join(etree.tostring(p, encoding="unicode") for p in parts)
    return etree.fromstring(f'<saml2:EncryptedID xmlns:saml2="{SAML}">{inner}</saml2:EncryptedID>')


def response_of(root: etree._Element) -> etree._Element:
    if root.tag == q(SAMLP, "Response"):
        return root
    found = root.find(q(SAMLP, "Response"))
    assert found is not None
    return found


def top_assertion(response: etree._Element) -> etree._Element | None:
    return response.find(q(SAML, "Assertion"))


def attribute_statement(root: etree._Element) -> etree._Element:
    a = top_assertion(response_of(root))
    assert a is not None
    st = a.find(q(SAML, "AttributeStatement"))
    assert st is not None
    return st


def attribute(root: etree._Element, name: str) -> etree._Element | None:
    for a in attribute_statement(root).findall(q(SAML, "Attribute")):
        if a.get("Name") == name:
            return a
    return None


def identity_attributes(root: etree._Element) -> list[etree._Element]:
    out = []
    for name in (urns.ACTING_SUBJECT_ID, urns.LEGAL_SUBJECT_ID):
        a = attribute(root, name)
        if a is not None:
            out.append(a)
    return out


def add_attribute(root: etree._Element, name: str, value_xml: str) -> etree._Element:
    """Append ``<saml2:Attribute Name=name>`` holding ``value_xml`` (an AttributeValue's content)."""
    st = attribute_statement(root)
    el = etree.fromstring(
        f'<saml2:Attribute xmlns:saml2="{SAML}" Name="{name}"><saml2:AttributeValue>{value_xml}'
        "</saml2:AttributeValue></saml2:Attribute>"
    )
    st.append(el)
    return el
