"""Signed HM metadata for the test network."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from lxml import etree

from ehkit.pki import KeyPair
from ehkit.saml import constants as c
from ehkit.saml.timefmt import format_instant
from ehkit.xml.ns import DS, MD
from ehkit.xml.signature import sign_element
from support import network as n


def build_metadata(
    *,
    signer: KeyPair | None,
    signing_keys: Sequence[KeyPair],
    entity_id: str = n.HM_ENTITY,
    valid_until: datetime | None = None,
    cache_duration: str | None = "P7D",
    extra_entity: bool = False,
) -> bytes:
    """An EntitiesDescriptor with one IdP EntityDescriptor, signed at the root by ``signer``."""
    kds = "".join(
        '<md:KeyDescriptor use="signing"><ds:KeyInfo>'
        f"<ds:KeyName>{k.key_name}</ds:KeyName><ds:X509Data><ds:X509Certificate>"
        f"{base64.b64encode(k.certificate.public_bytes(serialization.Encoding.DER)).decode()}"
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        for k in signing_keys
    )
    attrs = ' ID="_metadata"'
    if valid_until is not None:
        attrs += f' validUntil="{format_instant(valid_until)}"'
    if cache_duration is not None:
        attrs += f' cacheDuration="{cache_duration}"'
    entity = (
        f'<md:EntityDescriptor entityID="{entity_id}">'
        '<md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{kds}"
        f'<md:ArtifactResolutionService Binding="{c.BINDING_SOAP}" Location="{n.ARS_URL}" index="0" isDefault="true"/>'
        f'<md:SingleSignOnService Binding="{c.BINDING_ARTIFACT}" Location="{n.SSO_URL}"/>'
        f'<md:SingleSignOnService Binding="{c.BINDING_POST}" Location="{n.SSO_URL}"/>'
        f'<md:SingleSignOnService Binding="{c.BINDING_REDIRECT}" Location="{n.SSO_URL}"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )
    xml = f'<md:EntitiesDescriptor xmlns:md="{MD}" xmlns:ds="{DS}"{attrs}>{entity}</md:EntitiesDescriptor>'
    root = etree.fromstring(xml.encode())
    if signer is not None:
        sign_element(root, signer.private_key, key_name=signer.key_name)
    if extra_entity:  # added after signing: signature wrapping inside the EntitiesDescriptor
        root.append(
            etree.fromstring(
                entity.replace(
                    f'entityID="{entity_id}"', 'entityID="urn:etoegang:HM:00000001111111110000:entities:1"'
                ).replace("<md:EntityDescriptor", f'<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}"', 1)
            )
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
