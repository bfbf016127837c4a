"""Certificates as the catalogue and the SP metadata publish them.

Both documents name a certificate by KeyName = lowercase hex SHA-256 of the DER
certificate (the form brokers publish and match on) and carry the certificate
itself, so a recipient can both select and use it.
"""

from __future__ import annotations

import base64
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ehkit.catalogue.ns import ds, md
from ehkit.config.keys import KeyFiles
from ehkit.pki import KeyPair, key_name_sha256, load_certificate


def certificate_b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")


def key_descriptor(cert: x509.Certificate, *, use: str | None) -> etree._Element:
    """``md:KeyDescriptor`` with KeyName + X509Certificate; ``use=None`` means signing and encryption."""
    descriptor = etree.Element(md("KeyDescriptor"))
    if use is not None:
        descriptor.set("use", use)
    key_info = etree.SubElement(descriptor, ds("KeyInfo"))
    etree.SubElement(key_info, ds("KeyName")).text = key_name_sha256(cert)
    x509_data = etree.SubElement(key_info, ds("X509Data"))
    etree.SubElement(x509_data, ds("X509Certificate")).text = certificate_b64(cert)
    return descriptor


def load_published(files: KeyFiles) -> x509.Certificate:
    return load_certificate(files.cert)


def load_signing_pair(files: KeyFiles) -> KeyPair:
    """Key and certificate, checked to belong together before anything is signed with them."""
    return KeyPair.load(files.key, files.cert)


def certificate_valid_at(cert: x509.Certificate, at: datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc
