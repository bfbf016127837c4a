"""Pieces the anchor adapters share: a hardened lxml parser, locating the three
DV identifiers in the HM assertion, and a strict XML Encryption reader on
``cryptography`` for the stack that has none (signxml).

The XML-Enc reader accepts only what the benchmark response uses: aes-cbc /
aes-gcm content, rsa-oaep-mgf1p (SHA-1) or xmlenc11 rsa-oaep key transport,
EncryptedKey inside KeyInfo or as a sibling addressed to us by Recipient.
One opaque error for every failure after the RSA operation.
"""

from __future__ import annotations

import base64
from importlib import metadata

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from bench import fixture as F
from ehkit.xml.ns import DS, SAML, SAMLP, XENC, XENC11

SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

ATTR_VALUE_PATH = "{%s}AttributeStatement/{%s}Attribute" % (SAML, SAML)
_EID = "{%s}AttributeValue/{%s}EncryptedID" % (SAML, SAML)


def version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def parse(xml: bytes) -> etree._Element:
    if b"<!DOCTYPE" in xml:
        raise ValueError("DTD refused")
    return etree.fromstring(xml, SAFE_PARSER)


def dv_encrypted_ids(assertion: etree._Element) -> list[tuple[str, etree._Element]]:
    """(attribute name, EncryptedID) for the identifiers the DV must read, HM assertion only."""
    out = []
    for at in assertion.iterfind(ATTR_VALUE_PATH):
        name = at.get("Name")
        if name in F.EXPECTED_IDS:
            for eid in at.iterfind(_EID):
                out.append((name, eid))
    return out


def top_assertion(root: etree._Element) -> etree._Element:
    if root.tag != "{%s}Response" % SAMLP:
        raise ValueError("not a Response")
    found = [c for c in root if c.tag == "{%s}Assertion" % SAML]
    if len(found) != 1:
        raise ValueError("expected exactly one Assertion")
    return found[0]


def check_reference(el: etree._Element) -> etree._Element:
    """The element's own enveloped signature must reference the element itself."""
    sigs = [c for c in el if c.tag == "{%s}Signature" % DS]
    if len(sigs) != 1:
        raise ValueError("expected exactly one Signature on " + etree.QName(el).localname)
    refs = sigs[0].findall("{%s}SignedInfo/{%s}Reference" % (DS, DS))
    if len(refs) != 1 or refs[0].get("URI") != "#" + (el.get("ID") or "\0"):
        raise ValueError("the signature does not cover its parent")
    return sigs[0]


def select_encrypted_key(container: etree._Element, entity_id: str) -> tuple[etree._Element, etree._Element]:
    """(EncryptedData, the EncryptedKey for ``entity_id``) in an EncryptedID, either layout."""
    data = container.find("{%s}EncryptedData" % XENC)
    if data is None:
        raise ValueError("no EncryptedData")
    candidates = container.findall("{%s}EncryptedKey" % XENC) + data.findall(
        "{%s}KeyInfo/{%s}EncryptedKey" % (DS, XENC)
    )
    if len(candidates) > 8:
        raise ValueError("too many EncryptedKeys")
    for ek in candidates:
        if ek.get("Recipient") in (None, entity_id):
            return data, ek
    raise ValueError("no EncryptedKey for us")


class DecryptError(Exception):
    pass


_OAEP_SHA1 = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
_OAEP_SHA256 = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
_CONTENT = {
    XENC + "aes256-cbc": ("cbc", 32),
    XENC + "aes128-cbc": ("cbc", 16),
    XENC11 + "aes256-gcm": ("gcm", 32),
    XENC11 + "aes128-gcm": ("gcm", 16),
}


def _oaep(ek: etree._Element) -> padding.OAEP:
    em = ek.find("{%s}EncryptionMethod" % XENC)
    uri = em.get("Algorithm") if em is not None else None
    dm = em.find("{%s}DigestMethod" % DS) if em is not None else None
    digest = dm.get("Algorithm") if dm is not None else DS + "sha1"
    if uri == XENC + "rsa-oaep-mgf1p" and digest == DS + "sha1":
        return _OAEP_SHA1
    if uri == XENC11 + "rsa-oaep":
        mgf = em.find("{%s}MGF" % XENC11)
        if digest == XENC + "sha256" and mgf is not None and mgf.get("Algorithm") == XENC11 + "mgf1sha256":
            return _OAEP_SHA256
    raise DecryptError("key transport not allowed")


def _b64(el: etree._Element | None) -> bytes:
    if el is None or not el.text:
        raise DecryptError("missing CipherValue")
    return base64.b64decode("".join(el.text.split()), validate=True)


def crypto_decrypt(container: etree._Element, key: rsa.RSAPrivateKey, entity_id: str) -> etree._Element:
    """Decrypt one EncryptedID with ``cryptography``; returns the parsed NameID."""
    data, ek = select_encrypted_key(container, entity_id)
    em = data.find("{%s}EncryptionMethod" % XENC)
    mode_len = _CONTENT.get(em.get("Algorithm") if em is not None else "")
    if mode_len is None:
        raise DecryptError("content algorithm not allowed")
    mode, key_len = mode_len
    pad = _oaep(ek)
    cv = "{%s}CipherData/{%s}CipherValue" % (XENC, XENC)
    try:
        cek = key.decrypt(_b64(ek.find(cv)), pad)
        blob = _b64(data.find(cv))
        if len(cek) != key_len:
            raise DecryptError("key length")
        if mode == "gcm":
            plain = AESGCM(cek).decrypt(blob[:12], blob[12:], None)
        else:
            if len(blob) < 32 or len(blob) % 16:
                raise DecryptError("length")
            dec = Cipher(algorithms.AES(cek), modes.CBC(blob[:16])).decryptor()
            padded = dec.update(blob[16:]) + dec.finalize()
            n = padded[-1]
            if not 1 <= n <= 16:
                raise DecryptError("padding")
            plain = padded[:-n]
        return etree.fromstring(plain, SAFE_PARSER)
    except DecryptError:
        raise
    except Exception as exc:
        raise DecryptError("decryption failed") from exc
