"""Identifiers as they travel: a persistent NameID, usually inside an EncryptedID.

End-to-end encryption is the point of the eHerkenning design: the AD encrypts
the acting person for the MR, the MR encrypts the identifiers for the DV, so
the HM relays what it cannot read. The simulator plays all three roles but
keeps that shape, with one EncryptedKey per reader (Recipient = EntityID,
KeyName = the reader's published key name) next to the EncryptedData.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from ehkit.broker.messages.xmltext import SAML, el
from ehkit.saml import constants as c
from ehkit.xml.encryption import EncryptionRecipient, encrypt_element


@dataclass(frozen=True)
class Reader:
    """Someone an identifier is encrypted for."""

    entity_id: str
    public_key: rsa.RSAPublicKey
    key_name: str


def name_id(qualifier: str, value: str, *, prefix: str = "saml2") -> etree._Element:
    """A standalone persistent NameID declaring its own namespace (encrypted content must)."""
    return el(None, SAML, "NameID", value, nsmap={prefix: SAML}, Format=c.NAMEID_PERSISTENT, NameQualifier=qualifier)


def add_identifier(
    attribute_value: etree._Element,
    qualifier: str,
    value: str,
    readers: Sequence[Reader],
    *,
    prefix: str = "saml2",
    encrypt: bool = True,
) -> None:
    """Put the identifier into ``attribute_value``: an EncryptedID for ``readers``, or a plain NameID."""
    plain = name_id(qualifier, value, prefix=prefix)
    if not encrypt:
        attribute_value.append(plain)
        return
    container = el(attribute_value, SAML, "EncryptedID")
    parts = encrypt_element(
        plain,
        [EncryptionRecipient(r.public_key, r.entity_id, r.key_name) for r in readers],
        data_algorithm="aes256-cbc",
        key_transport="rsa-oaep-mgf1p",
        layout="sibling",
    )
    for part in parts:
        container.append(part)
