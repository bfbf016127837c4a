"""XML Encryption for eHerkenning identifiers (EncryptedID), both directions.

The eToegang layout is multi-recipient: one EncryptedData, and next to it one
EncryptedKey per reader, each naming its reader by ``Recipient`` (EntityID) and
``KeyName``, linked by ``RetrievalMethod``/``ReferenceList``/``CarriedKeyName``.
EncryptedKey inside EncryptedData/KeyInfo is accepted as well, as the general
SAML profile places it.

Decryption is deliberately oracle-free: once an RSA private-key operation has
started, every failure (OAEP, key length, IV, padding, GCM tag, the plaintext's
XML) surfaces as the same ``DecryptionError("decryption_failed")``. Checks that
need no secret (algorithm allow-list, counts, choosing our key) happen before
and may say precisely what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from ehkit.errors import DecryptionError, XmlSecurityError
from ehkit.xml import algorithms as alg
from ehkit.xml.ns import (
    DS,
    DS_DIGEST_METHOD,
    DS_KEY_INFO,
    DS_KEY_NAME,
    DS_RETRIEVAL_METHOD,
    XENC,
    XENC11,
    XENC11_MGF,
    XENC_CARRIED_KEY_NAME,
    XENC_CIPHER_DATA,
    XENC_CIPHER_VALUE,
    XENC_DATA_REFERENCE,
    XENC_ENCRYPTED_DATA,
    XENC_ENCRYPTED_KEY,
    XENC_ENCRYPTION_METHOD,
    XENC_REFERENCE_LIST,
)
from ehkit.xml.parse import ParseLimits, direct_text, parse_xml

ELEMENT_TYPE = XENC + "Element"
DEFAULT_MAX_ENCRYPTED_KEYS = 8


class PrivateKeyCounter:
    """Counts RSA private-key operations. Tests and benchmarks use it to prove
    that hostile input is rejected before any such operation."""

    count = 0


def _generic() -> DecryptionError:
    return DecryptionError("the encrypted identifier could not be decrypted", reason="decryption_failed")


@dataclass(frozen=True)
class EncryptionRecipient:
    """One reader of an encrypted element."""

    public_key: rsa.RSAPublicKey
    entity_id: str | None = None
    key_name: str | None = None


@dataclass(frozen=True)
class DecryptionKey:
    private_key: rsa.RSAPrivateKey
    key_names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DecryptionPolicy:
    """Who we are and what we accept. ``entity_id`` selects EncryptedKeys by Recipient."""

    keys: tuple[DecryptionKey, ...]
    entity_id: str | None = None
    data_algorithms: frozenset[str] = frozenset(alg.DATA_ALGORITHMS)
    key_transports: frozenset[str] = frozenset(alg.KEY_TRANSPORTS)
    max_encrypted_keys: int = DEFAULT_MAX_ENCRYPTED_KEYS
    plaintext_limits: ParseLimits = field(
        default_factory=lambda: ParseLimits(max_bytes=16 * 1024, max_depth=8, max_elements=32)
    )

    @cached_property
    def all_key_names(self) -> frozenset[str]:
        # computed once per policy (configuration, not message data)
        return frozenset(n.lower() for k in self.keys for n in k.key_names)


def _children(el: etree._Element) -> list[etree._Element]:
    """Element children only (filtered inside lxml: ~40 calls per response)."""
    return list(el.iterchildren(etree.Element))


def _first_child(el: etree._Element, tag: str) -> etree._Element | None:
    """The first child with ``tag`` (a concrete Clark name), found by lxml without a list."""
    return next(el.iterchildren(tag), None)


def _b64(text: str | None) -> bytes:
    cleaned = "".join((text or "").split())
    if not cleaned:
        raise _generic()
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise _generic() from None


def _refuse(message: str, reason: str) -> XmlSecurityError:
    return DecryptionError(message, reason=reason)


# ---------------------------------------------------------------- decryption


def find_encrypted_parts(
    container: etree._Element, policy: DecryptionPolicy
) -> tuple[etree._Element, list[etree._Element]]:
    """The container's single EncryptedData and every EncryptedKey that belongs to it."""
    kids = _children(container)
    datas = [c for c in kids if c.tag == XENC_ENCRYPTED_DATA]
    if len(datas) != 1:
        raise _refuse("an encrypted identifier must hold exactly one EncryptedData", "encryption_structure")
    data = datas[0]
    if any(c.tag not in (XENC_ENCRYPTED_DATA, XENC_ENCRYPTED_KEY) for c in kids):
        raise _refuse("unexpected element next to EncryptedData", "encryption_structure")
    keys = [c for c in kids if c.tag == XENC_ENCRYPTED_KEY]
    key_info = _first_child(data, DS_KEY_INFO)
    if key_info is not None:
        for c in _children(key_info):
            if c.tag == XENC_ENCRYPTED_KEY:
                keys.append(c)
            elif c.tag == DS_RETRIEVAL_METHOD:
                uri = c.get("URI", "")
                if not uri.startswith("#"):
                    raise _refuse("RetrievalMethod must point inside the message", "encryption_external_reference")
            elif c.tag not in (DS_KEY_NAME,):
                raise _refuse("unexpected KeyInfo content in EncryptedData", "encryption_structure")
    if len(keys) > policy.max_encrypted_keys:
        raise _refuse(
            f"{len(keys)} EncryptedKeys for one element exceed the limit of {policy.max_encrypted_keys}",
            "encrypted_key_limit",
        )
    return data, keys


def _key_name_of(ek: etree._Element) -> str | None:
    ki = _first_child(ek, DS_KEY_INFO)
    if ki is None:
        return None
    for c in _children(ki):
        if c.tag == DS_KEY_NAME:
            return direct_text(c).strip().lower() or None
    return None


def select_encrypted_key(
    keys: Sequence[etree._Element], policy: DecryptionPolicy
) -> tuple[etree._Element, list[DecryptionKey]]:
    """Choose the EncryptedKey addressed to us and the private keys to try on it."""
    ours = policy.all_key_names
    best: tuple[int, etree._Element] | None = None
    for ek in keys:
        recipient = ek.get("Recipient")
        name = _key_name_of(ek)
        if recipient is not None and policy.entity_id is not None and recipient != policy.entity_id:
            continue
        score = 0
        if recipient is not None and recipient == policy.entity_id:
            score += 2
        if name is not None:
            if name in ours:
                score += 1
            elif recipient is None:
                continue  # named for someone else's key
        if recipient is None and name is None and len(keys) != 1:
            continue  # anonymous keys are only acceptable when they are the only one
        if best is None or score > best[0]:
            best = (score, ek)
    if best is None:
        raise _refuse("no EncryptedKey is addressed to us (Recipient/KeyName)", "encryption_no_key_for_us")
    ek = best[1]
    name = _key_name_of(ek)
    if name is not None and name in ours:
        candidates = [k for k in policy.keys if name in {n.lower() for n in k.key_names}]
    else:
        candidates = list(policy.keys)
    return ek, candidates


def _oaep_for(ek: etree._Element, policy: DecryptionPolicy) -> padding.OAEP:
    method = _first_child(ek, XENC_ENCRYPTION_METHOD)
    if method is None:
        raise _refuse("EncryptedKey has no EncryptionMethod", "encryption_structure")
    uri = method.get("Algorithm")
    if uri not in policy.key_transports or uri not in alg.KEY_TRANSPORTS:
        raise _refuse(f"key transport {uri!r} is not allowed", "encryption_algorithm")
    digest_uri = alg.SHA1
    mgf_hash: type[hashes.HashAlgorithm] = hashes.SHA1
    for c in _children(method):
        if c.tag == DS_DIGEST_METHOD:
            digest_uri = c.get("Algorithm", "")
        elif c.tag == XENC11_MGF and uri == alg.RSA_OAEP:
            mgf = alg.MGF_DIGESTS.get(c.get("Algorithm", ""))
            if mgf is None:
                raise _refuse("MGF algorithm not allowed", "encryption_algorithm")
            mgf_hash = mgf
        elif c.tag == "{%s}OAEPparams" % XENC:
            raise _refuse("OAEPparams are not supported", "encryption_algorithm")
        else:
            raise _refuse("unexpected content in EncryptionMethod", "encryption_structure")
    digest = alg.OAEP_DIGESTS.get(digest_uri)
    if digest is None:
        raise _refuse("OAEP digest not allowed", "encryption_algorithm")
    if uri == alg.RSA_OAEP_MGF1P:
        mgf_hash = hashes.SHA1  # by definition of rsa-oaep-mgf1p
    oaep = _OAEP.get((mgf_hash, digest))
    if oaep is None:  # a handful of allow-listed combinations: built once each
        oaep = _OAEP[(mgf_hash, digest)] = padding.OAEP(
            mgf=padding.MGF1(algorithm=mgf_hash()), algorithm=digest(), label=None
        )
    return oaep


_OAEP: dict[tuple[type[hashes.HashAlgorithm], type[hashes.HashAlgorithm]], padding.OAEP] = {}


def decrypt_element(container: etree._Element, policy: DecryptionPolicy) -> etree._Element:
    """Decrypt the EncryptedData in ``container`` (e.g. a saml:EncryptedID).

    Returns the plaintext element, parsed by the hardened parser on its own:
    the plaintext must declare every namespace it uses.
    """
    data, keys = find_encrypted_parts(container, policy)
    method = _first_child(data, XENC_ENCRYPTION_METHOD)
    data_uri = method.get("Algorithm") if method is not None else None
    if data_uri not in policy.data_algorithms or data_uri not in alg.DATA_ALGORITHMS:
        raise _refuse(f"data encryption algorithm {data_uri!r} is not allowed", "encryption_algorithm")
    if data.get("Type") not in (None, ELEMENT_TYPE):
        raise _refuse("only encrypted elements are accepted", "encryption_structure")
    mode, key_len = alg.DATA_ALGORITHMS[data_uri]
    ek, candidates = select_encrypted_key(keys, policy)
    oaep = _oaep_for(ek, policy)
    wrapped = _cipher_value(ek)
    ciphertext = _cipher_value(data)

    # From here on: one error for everything.
    session_key = None
    for key in candidates:
        PrivateKeyCounter.count += 1
        try:
            session_key = key.private_key.decrypt(wrapped, oaep)
            break
        except ValueError:
            continue
    if session_key is None or len(session_key) != key_len:
        raise _generic()
    try:
        plaintext = _decrypt_data(mode, session_key, ciphertext)
    except (ValueError, TypeError, OverflowError):
        raise _generic() from None
    try:
        return parse_xml(plaintext, policy.plaintext_limits)
    except XmlSecurityError:
        raise _generic() from None


def _cipher_value(el: etree._Element) -> bytes:
    cd = _first_child(el, XENC_CIPHER_DATA)
    if cd is None:
        raise _refuse("missing CipherData", "encryption_structure")
    cvs = _children(cd)
    if len(cvs) != 1 or cvs[0].tag != XENC_CIPHER_VALUE:
        raise _refuse("CipherData must hold one CipherValue (no CipherReference)", "encryption_structure")
    return _b64(direct_text(cvs[0]))


def _decrypt_data(mode: str, key: bytes, blob: bytes) -> bytes:
    if mode == "gcm":
        if len(blob) < 12 + 16 + 1:
            raise ValueError("short")
        from cryptography.exceptions import InvalidTag

        try:
            return AESGCM(key).decrypt(blob[:12], blob[12:], None)
        except InvalidTag:
            raise ValueError("tag") from None
    if len(blob) < 32 or len(blob) % 16:
        raise ValueError("length")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(blob[:16])).decryptor()
    padded = decryptor.update(blob[16:]) + decryptor.finalize()
    pad = padded[-1]
    if pad < 1 or pad > 16:
        raise ValueError("padding")
    # XML Encryption padding: only the last byte is defined, the others are arbitrary.
    return padded[:-pad]


# ---------------------------------------------------------------- encryption


def _new_id() -> str:
    return "_" + secrets.token_hex(16)


def serialize_standalone(element: etree._Element) -> bytes:
    """The element as bytes that parse on their own: every namespace in scope is declared.

    Serializing the element where it stands makes lxml write all in-scope
    declarations on it (python-xmlsec omits them; see research/pitfalls.md). A deep
    copy would keep only the prefixes used in element and attribute names and drop
    those used in content (``xsi:type="xs:string"``); the tail is not part of the element.
    """
    return etree.tostring(element, encoding="utf-8", with_tail=False)


def encrypt_element(
    plaintext: etree._Element | bytes,
    recipients: Sequence[EncryptionRecipient],
    *,
    data_algorithm: str = "aes256-cbc",
    key_transport: str = "rsa-oaep-mgf1p",
    oaep_digest: str = "sha1",
    layout: str = "sibling",
    carried_key_name: bool = False,
) -> list[etree._Element]:
    """Encrypt an element for one or more readers.

    Returns ``[EncryptedData, EncryptedKey, ...]`` for a container such as
    saml:EncryptedID. ``layout="sibling"`` is the eToegang multi-recipient form
    (EncryptedKeys next to EncryptedData with Recipient, KeyName and
    ReferenceList, found through RetrievalMethod, as in the real 2020/2023
    messages; ``carried_key_name`` adds the CarriedKeyName/KeyName link
    instead); ``layout="keyinfo"`` puts the EncryptedKey inside
    EncryptedData/KeyInfo (single reader).
    """
    if not recipients:
        raise ValueError("at least one recipient is needed")
    if layout not in ("sibling", "keyinfo"):
        raise ValueError("layout must be 'sibling' or 'keyinfo'")
    if layout == "keyinfo" and len(recipients) != 1:
        raise ValueError("the keyinfo layout carries one recipient")
    data_uri = alg.DATA_BY_NAME.get(data_algorithm, data_algorithm)
    kt_uri = alg.KEY_TRANSPORT_BY_NAME.get(key_transport, key_transport)
    if data_uri not in alg.DATA_ALGORITHMS or kt_uri not in alg.KEY_TRANSPORTS:
        raise ValueError(f"unsupported algorithms {data_algorithm}/{key_transport}")
    mode, key_len = alg.DATA_ALGORITHMS[data_uri]
    raw = plaintext if isinstance(plaintext, bytes) else serialize_standalone(plaintext)
    session_key = os.urandom(key_len)
    if mode == "gcm":
        iv = os.urandom(12)
        blob = iv + AESGCM(session_key).encrypt(iv, raw, None)
    else:
        iv = os.urandom(16)
        padder = sym_padding.PKCS7(128).padder()
        padded = padder.update(raw) + padder.finalize()
        enc = Cipher(algorithms.AES(session_key), modes.CBC(iv)).encryptor()
        blob = iv + enc.update(padded) + enc.finalize()

    digest_uri = {"sha1": alg.SHA1, "sha256": alg.SHA256}[oaep_digest]
    digest_cls = alg.OAEP_DIGESTS[digest_uri]
    mgf_cls: type[hashes.HashAlgorithm] = hashes.SHA1 if kt_uri == alg.RSA_OAEP_MGF1P else digest_cls
    oaep = padding.OAEP(mgf=padding.MGF1(mgf_cls()), algorithm=digest_cls(), label=None)

    data_id = _new_id()
    nsmap = {"xenc": XENC}
    data = etree.Element(XENC_ENCRYPTED_DATA, nsmap=nsmap)
    data.set("Id", data_id)
    data.set("Type", ELEMENT_TYPE)
    etree.SubElement(data, XENC_ENCRYPTION_METHOD).set("Algorithm", data_uri)
    key_info = etree.SubElement(data, DS_KEY_INFO, nsmap={"ds": DS})

    keys: list[etree._Element] = []
    carried = _new_id() if layout == "sibling" and carried_key_name else None
    for r in recipients:
        ek = etree.Element(XENC_ENCRYPTED_KEY, nsmap=nsmap)
        ek_id = _new_id()
        ek.set("Id", ek_id)
        if r.entity_id:
            ek.set("Recipient", r.entity_id)
        m = etree.SubElement(ek, XENC_ENCRYPTION_METHOD)
        m.set("Algorithm", kt_uri)
        etree.SubElement(m, DS_DIGEST_METHOD, nsmap={"ds": DS}).set("Algorithm", digest_uri)
        if kt_uri == alg.RSA_OAEP:
            mgf_uri = alg.MGF1_SHA1 if digest_uri == alg.SHA1 else alg.MGF1_SHA256
            etree.SubElement(m, XENC11_MGF, nsmap={"xenc11": XENC11}).set("Algorithm", mgf_uri)
        if r.key_name:
            ki = etree.SubElement(ek, DS_KEY_INFO, nsmap={"ds": DS})
            etree.SubElement(ki, DS_KEY_NAME).text = r.key_name
        cd = etree.SubElement(ek, XENC_CIPHER_DATA)
        etree.SubElement(cd, XENC_CIPHER_VALUE).text = base64.b64encode(r.public_key.encrypt(session_key, oaep)).decode(
            "ascii"
        )
        if layout == "sibling":
            rl = etree.SubElement(ek, XENC_REFERENCE_LIST)
            etree.SubElement(rl, XENC_DATA_REFERENCE).set("URI", "#" + data_id)
            if carried:
                etree.SubElement(ek, XENC_CARRIED_KEY_NAME).text = carried
            else:
                rm = etree.SubElement(key_info, DS_RETRIEVAL_METHOD)
                rm.set("Type", XENC + "EncryptedKey")
                rm.set("URI", "#" + ek_id)
            keys.append(ek)
        else:
            key_info.append(ek)
    if carried:
        etree.SubElement(key_info, DS_KEY_NAME).text = carried
    cd = etree.SubElement(data, XENC_CIPHER_DATA)
    etree.SubElement(cd, XENC_CIPHER_VALUE).text = base64.b64encode(blob).decode("ascii")
    return [data, *keys]


def decryption_policy(
    keys: Iterable[tuple[rsa.RSAPrivateKey, Iterable[str]]],
    *,
    entity_id: str | None = None,
    data_algorithms: Iterable[str] | None = None,
    key_transports: Iterable[str] | None = None,
    max_encrypted_keys: int = DEFAULT_MAX_ENCRYPTED_KEYS,
) -> DecryptionPolicy:
    """Convenience constructor accepting short algorithm names ("aes256-gcm")."""
    return DecryptionPolicy(
        keys=tuple(DecryptionKey(k, frozenset(n.lower() for n in names)) for k, names in keys),
        entity_id=entity_id,
        data_algorithms=frozenset(alg.DATA_BY_NAME.get(a, a) for a in data_algorithms)
        if data_algorithms
        else frozenset(alg.DATA_ALGORITHMS),
        key_transports=frozenset(alg.KEY_TRANSPORT_BY_NAME.get(a, a) for a in key_transports)
        if key_transports
        else frozenset(alg.KEY_TRANSPORTS),
        max_encrypted_keys=max_encrypted_keys,
    )
