"""A strict XMLDSig profile for eHerkenning: sign and verify.

Only one shape is accepted, the one the afsprakenstelsel prescribes: an
enveloped signature that is a direct child of the signed element, exactly one
Reference whose URI is ``#`` + that element's ``ID``, transforms exactly
enveloped-signature + exc-c14n (optionally with InclusiveNamespaces), exc-c14n
for SignedInfo, RSA with SHA-256 or stronger. A general XMLDSig engine accepts
far more, and every extra form (XPath transforms, multiple references, HMAC,
keys from KeyInfo) has been an attack somewhere.

Verification returns the element that was verified; callers read data only
from that element and check its position themselves.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from ehkit.errors import SignatureError
from ehkit.xml import algorithms as alg
from ehkit.xml.ns import (
    DS,
    DS_C14N_METHOD,
    DS_DIGEST_METHOD,
    DS_DIGEST_VALUE,
    DS_KEY_INFO,
    DS_KEY_NAME,
    DS_REFERENCE,
    DS_SIGNATURE,
    DS_SIGNATURE_METHOD,
    DS_SIGNATURE_VALUE,
    DS_SIGNED_INFO,
    DS_TRANSFORM,
    DS_TRANSFORMS,
    DS_X509_CERTIFICATE,
    DS_X509_DATA,
    EC_INCLUSIVE_NAMESPACES,
    EXC_C14N,
    SAML_ISSUER,
    q,
)
from ehkit.xml.parse import direct_text
from ehkit.xml.trust import TrustedKey, TrustSet

_PKCS1 = padding.PKCS1v15()
# Real messages list at most three prefixes ("xacml-saml xs xsd"). libxml2's exclusive
# c14n costs elements x prefixes x namespace declarations in scope: an unbounded list
# made one 92 KB unsigned message cost about a minute of CPU before any RSA check.
MAX_INCLUSIVE_PREFIXES = 16
# ... and the declarations in scope are the other factor (real messages: about ten).
MAX_NAMESPACES_IN_SCOPE = 64


@dataclass(frozen=True)
class VerifiedSignature:
    """Proof that ``element`` was signed by ``key``. Read only from ``element``."""

    element: etree._Element
    key: TrustedKey
    signature_method: str
    key_name: str | None


def _fail(message: str, reason: str = "signature_invalid") -> SignatureError:
    return SignatureError(message, reason=reason)


def _children(el: etree._Element) -> list[etree._Element]:
    """Element children only; comments and PIs are not structure. Filtered inside
    lxml: a Python-level isinstance per child cost ~2x, ~30 calls per response."""
    return list(el.iterchildren(etree.Element))


def _b64decode_strict(text: str | None, what: str) -> bytes:
    if text is None:
        raise _fail(f"{what} is empty")
    cleaned = "".join(text.split())
    if not cleaned:
        raise _fail(f"{what} is empty")
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(f"{what} is not valid base64") from None


def _signature_slot(element: etree._Element, signature: etree._Element | None = None) -> int:
    """Where the schema puts ds:Signature: right after a saml:Issuer first child, else first.
    The signature itself does not count (a Signature placed before the Issuer is out of place)."""
    kids = [k for k in _children(element) if k is not signature]
    return 1 if kids and kids[0].tag == SAML_ISSUER else 0


def canonicalize(
    element: etree._Element,
    inclusive_prefixes: Sequence[str] | None = None,
    *,
    namespace_declarations: int | None = None,
) -> bytes:
    """Exclusive c14n without comments. Any failure, or an empty result, is fatal
    (a c14n error silently yielding "" was CVE-2025-66568).

    ``namespace_declarations``: an upper bound on the declarations in the whole document
    (:attr:`ParsedDocument.namespace_declarations`); at or below the in-scope limit the
    per-element count is not needed, since no element can have more in scope."""
    if inclusive_prefixes:
        bounded = namespace_declarations is not None and namespace_declarations <= MAX_NAMESPACES_IN_SCOPE
        if not bounded and _too_many_namespaces_in_scope(element):
            raise _fail(
                f"more than {MAX_NAMESPACES_IN_SCOPE} namespace declarations in scope with an InclusiveNamespaces PrefixList",
                "c14n_failed",
            )
        if ("#default" in inclusive_prefixes or "" in inclusive_prefixes) and _default_ns_differs(element):
            raise _fail("InclusiveNamespaces #default is not supported where it changes the output", "c14n_failed")
    try:
        out = etree.tostring(
            element,
            method="c14n",
            exclusive=True,
            with_comments=False,
            inclusive_ns_prefixes=list(inclusive_prefixes) if inclusive_prefixes else None,
        )
    except Exception as exc:  # noqa: BLE001 - lxml raises several types here
        raise _fail(f"canonicalisation failed: {exc.__class__.__name__}", "c14n_failed") from None
    if not out:
        raise _fail("canonicalisation produced no output", "c14n_failed")
    return out


def _too_many_namespaces_in_scope(apex: etree._Element) -> bool:
    """True when some element of ``apex`` has more than MAX_NAMESPACES_IN_SCOPE namespace
    declarations in scope (on itself and its ancestors): libxml2 searches them for every
    PrefixList entry at every element."""
    parent = apex.getparent()
    inherited = len(parent.nsmap) if parent is not None else 0
    # Cheap bound first (only the declarations reach Python): enough for real messages.
    declared = sum(1 for _ in etree.iterwalk(apex, events=("start-ns",)))
    if inherited + declared <= MAX_NAMESPACES_IN_SCOPE:
        return False
    stack = [inherited]
    pending = 0
    for event, _ in etree.iterwalk(apex, events=("start-ns", "start", "end")):
        if event == "start-ns":
            pending += 1
        elif event == "start":
            stack.append(stack[-1] + pending)
            pending = 0
            if stack[-1] > MAX_NAMESPACES_IN_SCOPE:
                return True
        else:
            stack.pop()
    return False


def _default_ns_differs(apex: etree._Element) -> bool:
    """True when "#default" in a PrefixList would change the exclusive c14n of ``apex``.

    lxml silently drops "#default" (it keeps only prefixes it knows by name), while
    conforming implementations (libxmlsec1, Santuario) then render the in-scope
    default namespace (or xmlns="") on every prefixed element where it differs from
    the one rendered by the nearest output ancestor. Where that never happens the two
    agree and "#default" is a no-op; otherwise ehkit would compute a digest different
    from the signer's.
    """
    stack: list[tuple[etree._Element, str]] = [(apex, "")]
    while stack:
        el, rendered = stack.pop()
        default = el.nsmap.get(None) or ""
        if el.prefix is None:
            rendered = default  # visibly utilised: both render it (or xmlns="")
        elif default != rendered:
            return True
        stack.extend((child, rendered) for child in el if isinstance(child.tag, str))
    return False


def _digest_without(
    element: etree._Element,
    signature: etree._Element,
    prefixes: Sequence[str] | None,
    hash_cls: type[hashes.HashAlgorithm],
    namespace_declarations: int | None = None,
) -> bytes:
    """Digest of ``element`` with ``signature`` taken out (the enveloped transform).

    The signature is detached and re-attached rather than the tree copied: a
    copy costs as much as the canonicalisation itself. Its tail text stays in
    place, since the enveloped transform removes only the element node.
    """
    parent = signature.getparent()
    if parent is None:  # callers pass a child of element; refuse rather than digest the wrong thing
        raise SignatureError("the Signature has no parent element", reason="signature_position")
    index = parent.index(signature)
    tail = signature.tail
    prev = signature.getprevious()
    if tail:
        if prev is not None:
            prev_tail = prev.tail
            prev.tail = (prev_tail or "") + tail
        else:
            parent_text = parent.text
            parent.text = (parent_text or "") + tail
    signature.tail = None
    parent.remove(signature)
    try:
        c14n = canonicalize(element, prefixes, namespace_declarations=namespace_declarations)
    finally:
        if tail:
            if prev is not None:
                prev.tail = prev_tail  # type: ignore[possibly-undefined]
            else:
                parent.text = parent_text  # type: ignore[possibly-undefined]
        parent.insert(index, signature)
        signature.tail = tail
    return _hash(hash_cls, c14n)


# hashlib's constructors for the allow-listed digests (the same algorithms, without
# building a cryptography Hash context per call); anything else goes through cryptography.
_HASHLIB = {hashes.SHA256: hashlib.sha256, hashes.SHA384: hashlib.sha384, hashes.SHA512: hashlib.sha512}


def _hash(hash_cls: type[hashes.HashAlgorithm], data: bytes) -> bytes:
    fast = _HASHLIB.get(hash_cls)
    if fast is not None:
        return fast(data).digest()
    h = hashes.Hash(hash_cls())
    h.update(data)
    return h.finalize()


def _prefix_list(holder: etree._Element) -> list[str] | None:
    kids = _children(holder)
    if not kids:
        return None
    if len(kids) != 1 or kids[0].tag != EC_INCLUSIVE_NAMESPACES:
        raise _fail("unexpected content in a c14n method", "signature_profile")
    plist = kids[0].get("PrefixList", "")
    prefixes = plist.split()
    if len(prefixes) > MAX_INCLUSIVE_PREFIXES:
        raise _fail(
            f"InclusiveNamespaces PrefixList longer than {MAX_INCLUSIVE_PREFIXES} prefixes", "signature_profile"
        )
    for p in prefixes:
        if p != "#default" and not p.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise _fail("malformed InclusiveNamespaces PrefixList", "signature_profile")
    return prefixes


def find_signature(element: etree._Element) -> etree._Element | None:
    """The element's own enveloped signature, or None. More than one is refused."""
    sigs = list(element.iterchildren(DS_SIGNATURE))
    if len(sigs) > 1:
        raise _fail("more than one Signature on one element", "signature_multiple")
    return sigs[0] if sigs else None


# ------------------------------------------------------------------ schema-strict inside ds:Signature
#
# The attributes the XMLDSig schema gives each element the profile can hold, and the
# elements whose content is text. Nothing else is accepted inside a Signature: no
# other attribute (namespaced ones included), no non-whitespace text in an element
# that holds elements, no element the profile does not know, also in KeyInfo (which
# no signature covers). Comments are allowed; what follows them is text like any other.

_ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    DS_SIGNATURE: frozenset({"Id"}),
    DS_SIGNED_INFO: frozenset({"Id"}),
    DS_C14N_METHOD: frozenset({"Algorithm"}),
    DS_SIGNATURE_METHOD: frozenset({"Algorithm"}),
    DS_REFERENCE: frozenset({"Id", "URI", "Type"}),
    DS_TRANSFORMS: frozenset(),
    DS_TRANSFORM: frozenset({"Algorithm"}),
    EC_INCLUSIVE_NAMESPACES: frozenset({"PrefixList"}),
    DS_DIGEST_METHOD: frozenset({"Algorithm"}),
    DS_DIGEST_VALUE: frozenset(),
    DS_SIGNATURE_VALUE: frozenset({"Id"}),
    DS_KEY_INFO: frozenset({"Id"}),
    DS_KEY_NAME: frozenset(),
    DS_X509_DATA: frozenset(),
    DS_X509_CERTIFICATE: frozenset(),
    q(DS, "X509SubjectName"): frozenset(),
    q(DS, "X509IssuerSerial"): frozenset(),
    q(DS, "X509IssuerName"): frozenset(),
    q(DS, "X509SerialNumber"): frozenset(),
    q(DS, "X509SKI"): frozenset(),
    q(DS, "X509CRL"): frozenset(),
    q(DS, "KeyValue"): frozenset(),
    q(DS, "RSAKeyValue"): frozenset(),
    q(DS, "Modulus"): frozenset(),
    q(DS, "Exponent"): frozenset(),
}
# Elements whose content is text (base64, a name, a number): no child elements.
_TEXT_ELEMENTS = frozenset(
    {
        DS_DIGEST_VALUE,
        DS_SIGNATURE_VALUE,
        DS_KEY_NAME,
        DS_X509_CERTIFICATE,
        q(DS, "X509SubjectName"),
        q(DS, "X509IssuerName"),
        q(DS, "X509SerialNumber"),
        q(DS, "X509SKI"),
        q(DS, "X509CRL"),
        q(DS, "Modulus"),
        q(DS, "Exponent"),
    }
)
# Where each element may appear inside KeyInfo (the rest of the Signature has an exact shape).
_KEY_INFO_CHILDREN: dict[str, frozenset[str]] = {
    DS_KEY_INFO: frozenset({DS_KEY_NAME, DS_X509_DATA, q(DS, "KeyValue")}),
    DS_X509_DATA: frozenset(
        {
            DS_X509_CERTIFICATE,
            q(DS, "X509SubjectName"),
            q(DS, "X509IssuerSerial"),
            q(DS, "X509SKI"),
            q(DS, "X509CRL"),
        }
    ),
    q(DS, "X509IssuerSerial"): frozenset({q(DS, "X509IssuerName"), q(DS, "X509SerialNumber")}),
    q(DS, "KeyValue"): frozenset({q(DS, "RSAKeyValue")}),
    q(DS, "RSAKeyValue"): frozenset({q(DS, "Modulus"), q(DS, "Exponent")}),
}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _check_strict(signature: etree._Element, key_info: etree._Element | None) -> None:
    """Refuse unknown attributes and stray text anywhere inside ``signature``, and unknown
    elements inside ``key_info`` (the shape of the rest is checked exactly elsewhere).

    One pass over the Signature's nodes (about 15); ``keys()`` and the ``str`` class
    test are the cheap forms (about 6 us per signature)."""
    allowed_attributes = _ALLOWED_ATTRIBUTES
    text_elements = _TEXT_ELEMENTS
    for node in signature.iter():
        tag = node.tag
        if tag.__class__ is not str:  # a comment: its tail is text of its parent
            tail = node.tail
            if tail and not tail.isspace():
                parent = node.getparent()
                if parent is not None and parent.tag not in text_elements:
                    raise _fail(f"text {tail.strip()[:40]!r} inside {_local(parent.tag)}", "signature_text_unexpected")
            continue
        allowed = allowed_attributes.get(tag)
        if allowed is None:
            raise _fail(f"unexpected {_local(tag)} element inside a Signature", "signature_profile")
        names = node.keys()
        if names and not allowed.issuperset(names):
            name = str(next(n for n in names if n not in allowed))
            raise _fail(f"attribute {_local(name)!r} is not allowed on {_local(tag)}", "signature_attribute_unknown")
        if tag not in text_elements:
            text = node.text
            if text and not text.isspace():
                raise _fail(f"text {text.strip()[:40]!r} inside {_local(tag)}", "signature_text_unexpected")
        tail = node.tail  # text of the parent
        if tail and node is not signature and not tail.isspace():
            raise _fail(f"text {tail.strip()[:40]!r} after {_local(tag)}", "signature_text_unexpected")
    if key_info is not None:
        for node in key_info.iter(etree.Element):
            children = _KEY_INFO_CHILDREN.get(node.tag)
            for child in node.iterchildren(etree.Element):
                if children is None:  # a text element (KeyName, X509Certificate, ...)
                    raise _fail(f"{_local(node.tag)} must hold only text", "signature_profile")
                if child.tag not in children:
                    raise _fail(f"{_local(child.tag)} is not allowed in {_local(node.tag)}", "signature_profile")


@dataclass(frozen=True)
class _Shape:
    """What the structural check found; everything the cryptography then needs."""

    signature: etree._Element
    signed_info: etree._Element
    si_prefixes: list[str] | None
    ref_prefixes: list[str] | None
    signature_method: str
    signature_hash: type[hashes.HashAlgorithm]
    digest_hash: type[hashes.HashAlgorithm]
    expected_digest: bytes
    signature_value: bytes
    key_name: str | None


def _shape(element: etree._Element) -> _Shape:
    signature = find_signature(element)
    if signature is None:
        raise _fail("the element is not signed", "signature_missing")
    kids = _children(element)
    index = kids.index(signature)
    # _signature_slot without a second list: the first child other than the signature
    first_other = kids[1] if index == 0 and len(kids) > 1 else kids[0]
    slot = 1 if first_other is not signature and first_other.tag == SAML_ISSUER else 0
    if index != slot:
        raise _fail("Signature is not in its schema position", "signature_position")
    element_id = element.get("ID")
    if not element_id:
        raise _fail("the signed element has no ID attribute", "signature_reference")

    parts = _children(signature)
    tags = [p.tag for p in parts]
    if tags not in ([DS_SIGNED_INFO, DS_SIGNATURE_VALUE], [DS_SIGNED_INFO, DS_SIGNATURE_VALUE, DS_KEY_INFO]):
        raise _fail(
            "Signature must hold SignedInfo, SignatureValue and optionally KeyInfo, nothing else", "signature_profile"
        )
    signed_info, sig_value_el = parts[0], parts[1]
    key_info = parts[2] if len(parts) == 3 else None

    si = _children(signed_info)
    if len(si) != 3 or [c.tag for c in si] != [DS_C14N_METHOD, DS_SIGNATURE_METHOD, DS_REFERENCE]:
        raise _fail(
            "SignedInfo must hold exactly CanonicalizationMethod, SignatureMethod and one Reference",
            "signature_profile",
        )
    c14n_method, sig_method, reference = si
    if c14n_method.get("Algorithm") != alg.EXC_C14N:
        raise _fail(
            f"canonicalisation {c14n_method.get('Algorithm')!r} is not allowed; use exclusive c14n",
            "signature_algorithm",
        )
    si_prefixes = _prefix_list(c14n_method)
    sig_alg = sig_method.get("Algorithm")
    sig_hash = alg.SIGNATURE_METHODS.get(sig_alg or "")
    if sig_hash is None or sig_alg is None or _children(sig_method):
        raise _fail(
            f"signature algorithm {sig_alg!r} is not allowed; use rsa-sha256 or stronger", "signature_algorithm"
        )

    if reference.get("URI") != "#" + element_id:
        raise _fail("the Reference must point at the signed element's own ID", "signature_reference")
    ref_parts = _children(reference)
    if [c.tag for c in ref_parts] != [DS_TRANSFORMS, DS_DIGEST_METHOD, DS_DIGEST_VALUE]:
        raise _fail("Reference must hold Transforms, DigestMethod and DigestValue", "signature_profile")
    transforms_el, digest_method, digest_value_el = ref_parts
    transforms = _children(transforms_el)
    if (
        len(transforms) != 2
        or any(t.tag != DS_TRANSFORM for t in transforms)
        or transforms[0].get("Algorithm") != alg.ENVELOPED
        or transforms[1].get("Algorithm") != alg.EXC_C14N
        or _children(transforms[0])
    ):
        raise _fail("transforms must be exactly enveloped-signature and exclusive c14n", "signature_transforms")
    ref_prefixes = _prefix_list(transforms[1])
    digest_alg = digest_method.get("Algorithm")
    digest_hash = alg.DIGEST_METHODS.get(digest_alg or "")
    if digest_hash is None or _children(digest_method):
        raise _fail(f"digest algorithm {digest_alg!r} is not allowed; use SHA-256 or stronger", "signature_algorithm")
    if _children(digest_value_el) or _children(sig_value_el):
        raise _fail("DigestValue and SignatureValue must hold only text", "signature_profile")
    _check_strict(signature, key_info)
    expected_digest = _b64decode_strict(direct_text(digest_value_el), "DigestValue")
    sig_bytes = _b64decode_strict(direct_text(sig_value_el), "SignatureValue")

    key_name = None
    if key_info is not None:
        for child in _children(key_info):
            if child.tag == DS_KEY_NAME:
                key_name = direct_text(child).strip() or None
                break
    return _Shape(
        signature=signature,
        signed_info=signed_info,
        si_prefixes=si_prefixes,
        ref_prefixes=ref_prefixes,
        signature_method=sig_alg,
        signature_hash=sig_hash,
        digest_hash=digest_hash,
        expected_digest=expected_digest,
        signature_value=sig_bytes,
        key_name=key_name,
    )


def check_signature_shape(element: etree._Element) -> etree._Element:
    """The structural half of :func:`verify_element`, without a key or any cryptography.

    Raises :class:`SignatureError` (same reasons as ``verify_element``) unless the
    element's enveloped signature has the profile's exact shape: one Reference to
    the element's ID, the allowed transforms and algorithms, DigestValue and
    SignatureValue present and base64, nothing unknown inside. For tools that
    judge a signed document without the signer's certificate (``ehkit catalogue
    validate`` without ``--cert``, the simulator loading a catalogue); it proves
    nothing about who signed. Returns the Signature element.
    """
    return _shape(element).signature


def verify_element(
    element: etree._Element,
    trust: TrustSet,
    *,
    required: bool = True,
    namespace_declarations: int | None = None,
) -> VerifiedSignature:
    """Verify the enveloped signature of ``element`` against ``trust``.

    Raises :class:`SignatureError` with a stable reason; returns the proof.
    ``namespace_declarations``: the document's bound from :func:`parse_document`
    (:attr:`ParsedDocument.namespace_declarations`), when the caller has it.
    """
    if not trust:
        raise _fail("no trusted keys configured for this signer", "signature_no_trusted_keys")
    shape = _shape(element)
    sig_bytes = shape.signature_value

    # RSA over SignedInfo first: it is small, so a message signed by anyone we do not
    # trust is refused before the expensive canonicalisation of the whole element.
    # Then the digest, which ties the verified SignedInfo to this element.
    si_c14n = canonicalize(shape.signed_info, shape.si_prefixes, namespace_declarations=namespace_declarations)
    verified_key = None
    for key in trust.candidates(shape.key_name):
        if len(sig_bytes) != (key.public_key.key_size + 7) // 8:
            continue
        try:
            key.public_key.verify(sig_bytes, si_c14n, _PKCS1, shape.signature_hash())
        except InvalidSignature:
            continue
        verified_key = key
        break
    if verified_key is None:
        raise _fail("the signature does not verify with any trusted key", "signature_untrusted")
    actual = _digest_without(element, shape.signature, shape.ref_prefixes, shape.digest_hash, namespace_declarations)
    if not _consteq(actual, shape.expected_digest):
        raise _fail("digest mismatch: the signed element was changed", "signature_digest")
    return VerifiedSignature(element, verified_key, shape.signature_method, shape.key_name)


def _consteq(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def sign_element(
    element: etree._Element,
    private_key: rsa.RSAPrivateKey,
    *,
    key_name: str | None = None,
    certificate: x509.Certificate | None = None,
    inclusive_prefixes: Sequence[str] = (),
    position: int | None = None,
    signature_algorithm: str = "rsa-sha256",
    digest_algorithm: str = "sha256",
) -> etree._Element:
    """Add an enveloped signature to ``element`` in place and return the Signature.

    Sign an element where it will be sent: exclusive c14n is stable under
    re-embedding only for namespaces the element declares or visibly uses, and
    InclusiveNamespaces prefixes are taken from the context at signing time.
    Sign inner elements (Assertion) before outer ones (Response).
    """
    element_id = element.get("ID")
    if not element_id:
        raise SignatureError("cannot sign an element without an ID attribute", reason="signature_reference")
    sig_uri = alg.SIGNATURE_BY_NAME.get(signature_algorithm, signature_algorithm)
    dig_uri = alg.DIGEST_BY_NAME.get(digest_algorithm, digest_algorithm)
    sig_hash = alg.SIGNATURE_METHODS.get(sig_uri)
    dig_hash = alg.DIGEST_METHODS.get(dig_uri)
    if sig_hash is None or dig_hash is None:
        raise SignatureError(
            f"refusing to sign with {signature_algorithm}/{digest_algorithm}", reason="signature_algorithm"
        )
    if find_signature(element) is not None:
        raise SignatureError("element is already signed", reason="signature_multiple")

    prefixes = list(inclusive_prefixes)
    if prefixes:
        _require_stable_context(element, prefixes)
    digest = base64.b64encode(_digest_plain(element, prefixes, dig_hash)).decode("ascii")

    E = _DsBuilder()  # noqa: N806 - named like lxml's E-factory
    signature = E.el("Signature", nsmap={"ds": DS})
    signed_info = E.sub(signature, "SignedInfo")
    E.sub(signed_info, "CanonicalizationMethod", Algorithm=alg.EXC_C14N)
    E.sub(signed_info, "SignatureMethod", Algorithm=sig_uri)
    ref = E.sub(signed_info, "Reference", URI="#" + element_id)
    transforms = E.sub(ref, "Transforms")
    E.sub(transforms, "Transform", Algorithm=alg.ENVELOPED)
    t2 = E.sub(transforms, "Transform", Algorithm=alg.EXC_C14N)
    if prefixes:
        inc = etree.SubElement(t2, EC_INCLUSIVE_NAMESPACES, nsmap={"ec": EXC_C14N})
        inc.set("PrefixList", " ".join(prefixes))
    E.sub(ref, "DigestMethod", Algorithm=dig_uri)
    E.sub(ref, "DigestValue").text = digest
    sv = E.sub(signature, "SignatureValue")
    if key_name or certificate is not None:
        ki = E.sub(signature, "KeyInfo")
        if key_name:
            E.sub(ki, "KeyName").text = key_name
        if certificate is not None:
            xd = E.sub(ki, "X509Data")
            E.sub(xd, "X509Certificate").text = base64.b64encode(
                certificate.public_bytes(serialization.Encoding.DER)
            ).decode("ascii")

    slot = _signature_slot(element) if position is None else position
    kids = _children(element)
    if slot < len(kids):
        kids[slot].addprevious(signature)
    else:
        element.append(signature)
    si_c14n = canonicalize(signed_info)
    sv.text = base64.b64encode(private_key.sign(si_c14n, _PKCS1, sig_hash())).decode("ascii")
    return signature


def _require_stable_context(element: etree._Element, prefixes: Sequence[str]) -> None:
    """Refuse to sign when the serialized document would canonicalise differently.

    In a tree built through the lxml API, a namespace declared on an ancestor
    (``nsmap=``) but not used there is not rendered by exclusive c14n for an
    InclusiveNamespaces prefix, while the same document serialized and parsed
    again does render it: the signature would verify in memory and fail on the
    wire. Comparing with a re-parse costs one serialization, paid only when a
    PrefixList is used.
    """
    parent = element.getparent()
    if parent is None or not any(p in parent.nsmap for p in prefixes):
        return  # nothing declared outside the element can be rendered for these prefixes
    element_id = element.get("ID", "")  # sign_element has refused an element without one
    root = element.getroottree().getroot()
    again = etree.fromstring(etree.tostring(root))
    found = cast("list[etree._Element]", again.xpath("//*[@ID=$id]", id=element_id))
    if len(found) != 1:
        raise SignatureError("the element to sign has no unique ID in its document", reason="signature_reference")
    reparsed = found[0]
    if canonicalize(element, prefixes) != canonicalize(reparsed, prefixes):
        raise SignatureError(
            "this in-memory tree canonicalises differently once serialized (a namespace for the "
            f"InclusiveNamespaces prefixes {' '.join(prefixes)} is declared on an ancestor); "
            "serialize and parse the document again before signing",
            reason="signature_context_unstable",
        )


def _digest_plain(element: etree._Element, prefixes: Sequence[str], hash_cls: type[hashes.HashAlgorithm]) -> bytes:
    return _hash(hash_cls, canonicalize(element, prefixes))


class _DsBuilder:
    def el(self, local: str, nsmap: dict[str, str] | None = None, **attrs: str) -> etree._Element:
        e = etree.Element("{%s}%s" % (DS, local), nsmap=nsmap)
        for k, v in attrs.items():
            e.set(k, v)
        return e

    def sub(self, parent: etree._Element, local: str, **attrs: str) -> etree._Element:
        e = etree.SubElement(parent, "{%s}%s" % (DS, local))
        for k, v in attrs.items():
            e.set(k, v)
        return e
