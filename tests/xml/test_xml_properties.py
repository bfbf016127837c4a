"""Property-based tests (hypothesis) for ehkit.xml.

The central property of signature verification: a document derived from a signed
one by any change either fails with one of ehkit's typed errors, or verifies, and
then what the signature covers (the element without its Signature, and SignedInfo,
both canonical) is exactly the original. No other outcome, no other exception.
"""

from __future__ import annotations

import base64
import copy
import random

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from ehkit.errors import DecryptionError, EhkitError, SignatureError, XmlLimitError, XmlParseError
from ehkit.xml import (
    EncryptionRecipient,
    canonicalize,
    decrypt_element,
    encrypt_element,
    parse_document,
    parse_xml,
    verify_element,
)
from ehkit.xml import algorithms as alg
from ehkit.xml.ns import DS, SAML, XENC, XENC11

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
NS = {"saml": SAML, "ds": DS, "xenc": XENC}


# ------------------------------------------------------------------ fixtures


class _Signed(dict):
    def __repr__(self) -> str:  # keep hypothesis' failure reports readable
        return f"<fixture documents {sorted(self)}>"


@pytest.fixture(scope="module")
def signed(kit, t):
    """One signed Response (signed Assertion inside) and what each signature covers."""
    doc, rid, aid = kit.response(certificate=True)
    root = t.parse(doc)
    return _Signed(
        doc=doc,
        covered={"response": t.signed_content_c14n(root), "assertion": t.signed_content_c14n(t.by_id(root, aid))},
    )


def targets(root: etree._Element) -> dict[str, etree._Element]:
    """The elements a consumer would verify: the Response and its direct Assertion children."""
    out = {"response": root}
    kids = root.findall("saml:Assertion", NS)
    if len(kids) == 1:
        out["assertion"] = kids[0]
    return out


def check_signed_property(t, hm, signed, data: bytes) -> list[str]:
    """Parse and verify; verified ⇒ unchanged signed content. Returns what verified."""
    try:
        root = parse_document(data).root
    except (XmlParseError, XmlLimitError):
        event("parse refused")
        return []
    verified = []
    for role, el in targets(root).items():
        try:
            proof = verify_element(el, hm.trust)
        except SignatureError as exc:
            event(f"{role}: {exc.reason}")
            continue
        assert proof.element is el
        assert t.signed_content_c14n(el) == signed["covered"][role], f"{role} verified with changed content"
        verified.append(role)
    return verified


# ------------------------------------------------------------------ byte mutations


@st.composite
def byte_mutation(draw, doc: bytes):
    pos = draw(st.integers(0, len(doc) - 1))
    kind = draw(st.sampled_from(["flip", "replace", "insert", "delete"]))
    if kind == "flip":
        bit = draw(st.integers(0, 7))
        return doc[:pos] + bytes([doc[pos] ^ (1 << bit)]) + doc[pos + 1 :]
    char = draw(st.sampled_from([*b" \t\n<>/=\"'&;:#x0aA_-!?[]", 0, 0x80, 0xC3, 0xFF]))
    if kind == "replace":
        return doc[:pos] + bytes([char]) + doc[pos + 1 :]
    if kind == "insert":
        return doc[:pos] + bytes([char]) + doc[pos:]
    return doc[:pos] + doc[pos + 1 :]


@SETTINGS
@given(data=st.data())
def test_byte_mutations_never_verify_changed_content(hm, signed, t, data):
    mutated = data.draw(byte_mutation(signed["doc"]))
    assume(mutated != signed["doc"])
    verified = check_signed_property(t, hm, signed, mutated)
    event("verified: " + ",".join(verified) if verified else "nothing verified")


# ------------------------------------------------------------------ tree mutations

_NEW_TAGS = [
    f"{{{SAML}}}Assertion",
    f"{{{SAML}}}Attribute",
    f"{{{DS}}}Signature",
    f"{{{DS}}}Object",
    f"{{{DS}}}Reference",
    f"{{{DS}}}DigestValue",
    f"{{{DS}}}Transform",
    "{urn:evil}x",
    "plain",
]
_ATTR_NAMES = [
    "ID",
    "Id",
    "id",
    "{http://www.w3.org/XML/1998/namespace}id",
    "Algorithm",
    "URI",
    "Format",
    "{urn:evil}a",
    "x",
]
_TEXT = st.one_of(
    st.sampled_from(["", " ", "\n", "admin", "99999999", "#", "AAAA", "==", "urn:x"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12),
)


def _apply_tree_mutation(root: etree._Element, draw) -> str:
    elements = list(root.iter(etree.Element))
    el = elements[draw(st.integers(0, len(elements) - 1))]
    op = draw(
        st.sampled_from(
            ["text", "tail", "attr-change", "attr-add", "attr-del", "reorder", "insert", "remove", "comment", "move"]
        )
    )
    if op == "text":
        el.text = draw(_TEXT)
    elif op == "tail":
        if el is root:
            return "noop"
        el.tail = draw(_TEXT)
    elif op == "attr-change":
        if not el.attrib:
            return "noop"
        name = draw(st.sampled_from(sorted(el.attrib.keys())))
        el.set(name, draw(_TEXT))
    elif op == "attr-add":
        el.set(draw(st.sampled_from(_ATTR_NAMES)), draw(_TEXT))
    elif op == "attr-del":
        if not el.attrib:
            return "noop"
        del el.attrib[draw(st.sampled_from(sorted(el.attrib.keys())))]
    elif op == "reorder":
        kids = list(el)
        if len(kids) < 2:
            return "noop"
        order = draw(st.permutations(range(len(kids))))
        for k in kids:
            el.remove(k)
        for i in order:
            el.append(kids[i])
    elif op == "insert":
        new = etree.Element(draw(st.sampled_from(_NEW_TAGS)))
        new.text = draw(_TEXT)
        if draw(st.booleans()):
            new.set("ID", draw(st.sampled_from(["_evil", root.get("ID") or "_evil2"])))
        el.insert(draw(st.integers(0, len(el))), new)
    elif op == "remove":
        if el is root:
            return "noop"
        el.getparent().remove(el)
    elif op == "comment":
        el.insert(draw(st.integers(0, len(el))), etree.Comment(draw(st.sampled_from(["", "x", " evil "]))))
    elif op == "move":
        # move an element (with its subtree) somewhere else, e.g. a copy of the Assertion into the Signature
        if el is root:
            return "noop"
        dest = elements[draw(st.integers(0, len(elements) - 1))]
        if dest is el or el in dest.iterancestors():
            return "noop"
        dest.append(copy.deepcopy(el) if draw(st.booleans()) else el)
    return op


@SETTINGS
@given(data=st.data())
def test_tree_mutations_never_verify_changed_content(hm, signed, t, data):
    root = etree.fromstring(signed["doc"])
    ops = [_apply_tree_mutation(root, data.draw) for _ in range(data.draw(st.integers(1, 3)))]
    event("ops: " + "+".join(sorted(set(ops))))
    check_signed_property(t, hm, signed, etree.tostring(root))


# ------------------------------------------------------------------ semantic no-ops


def _noop_rewrites(doc: bytes, rnd: random.Random) -> bytes:
    """Rewrites that leave every canonical form unchanged (exc-c14n without comments)."""
    text = doc.decode("utf-8")
    choice = rnd.choice(["quotes", "space-in-tag", "comment", "charref", "cdata", "empty-element", "attr-order"])
    if choice == "quotes":  # one attribute value in single quotes
        spots = [i for i in range(len(text)) if text.startswith('="', i)]
        i = rnd.choice(spots)
        j = text.index('"', i + 2)
        if "'" in text[i + 2 : j]:
            return doc
        text = text[:i] + "='" + text[i + 2 : j] + "'" + text[j + 1 :]
    elif choice == "space-in-tag":  # whitespace before > or between attributes
        spots = [
            i for i in range(len(text)) if (text[i] == ">" and text[i - 1] not in "/-?]") or text.startswith('" ', i)
        ]
        i = rnd.choice(spots)
        text = (
            text[: i + (1 if text[i] == '"' else 0)]
            + rnd.choice([" ", "\n", "\t  "])
            + text[i + (1 if text[i] == '"' else 0) :]
        )
    elif choice == "comment":  # a comment after any end of a start tag
        spots = [i for i in range(len(text)) if text[i] == ">" and text[i - 1] not in "/-?"]
        i = rnd.choice(spots)
        text = text[: i + 1] + "<!--" + rnd.choice(["", "x", "evil"]) + "-->" + text[i + 1 :]
    elif choice == "charref":  # one letter of text content as a character reference
        spots = [i for i in range(1, len(text)) if text[i - 1] == ">" and text[i].isalnum()]
        i = rnd.choice(spots)
        text = text[:i] + f"&#{ord(text[i])};" + text[i + 1 :]
    elif choice == "cdata":  # a text node as CDATA
        spots = [i for i in range(1, len(text)) if text[i - 1] == ">" and text[i].isalnum()]
        i = rnd.choice(spots)
        j = text.index("<", i)
        if "&" in text[i:j]:  # a character reference inside CDATA would be literal text
            return doc
        text = text[:i] + "<![CDATA[" + text[i:j] + "]]>" + text[j:]
    elif choice == "empty-element":  # <x/> as <x></x>
        spots = [i for i in range(len(text)) if text.startswith("/>", i)]
        i = rnd.choice(spots)
        start = text.rindex("<", 0, i)
        name = text[start + 1 :].split(None, 1)[0].split("/", 1)[0]
        text = text[:i] + "></" + name + ">" + text[i + 2 :]
    elif choice == "attr-order":  # swap the first two attributes of an element with >= 2 plain attributes
        root = etree.fromstring(doc)
        els = [e for e in root.iter(etree.Element) if len(e.attrib) >= 2]
        el = rnd.choice(els)
        items = list(el.attrib.items())
        el.attrib.clear()
        for k, v in [items[1], items[0], *items[2:]]:
            el.set(k, v)
        return etree.tostring(root)
    return text.encode("utf-8")


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), rounds=st.integers(1, 4))
def test_semantic_noops_still_verify_with_identical_canonical_form(hm, signed, t, seed, rounds):
    rnd = random.Random(seed)
    doc = signed["doc"]
    for _ in range(rounds):
        doc = _noop_rewrites(doc, rnd)
    verified = check_signed_property(t, hm, signed, doc)
    assert verified == ["response", "assertion"], "a canonical no-op must not break verification"


# ------------------------------------------------------------------ garbage in, typed errors out

_XMLISH = st.lists(
    st.sampled_from(
        [
            "<",
            ">",
            "</",
            "/>",
            "a",
            "b:c",
            " ",
            "=",
            '"',
            "'",
            "&",
            ";",
            "&amp;",
            "&#65;",
            "&#0;",
            "&x;",
            "<!DOCTYPE a [",
            "]>",
            "<!ENTITY x 'y'>",
            '<!ENTITY x SYSTEM "file:///etc/passwd">',
            "<?xml version='1.0'?>",
            '<?xml version="1.0" encoding="UTF-16"?>',
            "<?pi x?>",
            "<![CDATA[",
            "]]>",
            "<!--",
            "-->",
            'xmlns:b="urn:b"',
            'xmlns="urn:d"',
            'ID="_1"',
            'Id="_1"',
            "\x00",
            "\ufeff",
            "é",
            "\U0001f600",
            f'<ds:Signature xmlns:ds="{DS}">',
            "</ds:Signature>",
            f'<xenc:EncryptedData xmlns:xenc="{XENC}">',
            '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>',
        ]
    ),
    max_size=40,
).map("".join)


def _assert_only_typed(fn, *args, expected=EhkitError):
    try:
        fn(*args)
    except expected:
        return "refused"
    except EhkitError as exc:  # typed, but from the wrong family
        raise AssertionError(f"{fn.__name__} raised {exc!r}, expected {expected.__name__}") from exc
    return "accepted"


def _exercise_parsed(root: etree._Element, trust, policy) -> None:
    for el in list(root.iter(etree.Element))[:50]:
        _assert_only_typed(verify_element, el, trust, expected=SignatureError)
        _assert_only_typed(decrypt_element, el, policy, expected=DecryptionError)


@SETTINGS
@given(
    data=st.one_of(
        st.binary(max_size=600), _XMLISH.map(lambda s: s.encode("utf-8")), _XMLISH.map(lambda s: s.encode("utf-16"))
    )
)
def test_random_bytes_only_typed_errors(hm, sp, data):
    try:
        root = parse_xml(data)
    except (XmlParseError, XmlLimitError):
        return
    _exercise_parsed(root, hm.trust, sp.policy())


# Random trees from the XMLDSig / XML Encryption vocabulary, to get deep into the checks.
_VOCAB = [
    (DS, "Signature"),
    (DS, "SignedInfo"),
    (DS, "CanonicalizationMethod"),
    (DS, "SignatureMethod"),
    (DS, "Reference"),
    (DS, "Transforms"),
    (DS, "Transform"),
    (DS, "DigestMethod"),
    (DS, "DigestValue"),
    (DS, "SignatureValue"),
    (DS, "KeyInfo"),
    (DS, "KeyName"),
    (DS, "X509Data"),
    (DS, "RetrievalMethod"),
    (DS, "Object"),
    ("http://www.w3.org/2001/10/xml-exc-c14n#", "InclusiveNamespaces"),
    (XENC, "EncryptedData"),
    (XENC, "EncryptedKey"),
    (XENC, "EncryptionMethod"),
    (XENC, "CipherData"),
    (XENC, "CipherValue"),
    (XENC, "CipherReference"),
    (XENC, "ReferenceList"),
    (XENC, "DataReference"),
    (XENC, "CarriedKeyName"),
    (XENC, "OAEPparams"),
    (XENC11, "MGF"),
    (SAML, "Issuer"),
    (SAML, "Assertion"),
    (SAML, "EncryptedID"),
]
_ALGS = [
    alg.EXC_C14N,
    alg.ENVELOPED,
    alg.RSA_SHA256,
    alg.SHA256,
    alg.SHA1,
    alg.AES256_CBC,
    alg.AES128_GCM,
    alg.AES256_GCM,
    alg.RSA_OAEP,
    alg.RSA_OAEP_MGF1P,
    alg.RSA_1_5,
    alg.MGF1_SHA256,
    "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "",
    "x",
]
_B64ISH = st.one_of(
    st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode()),
    st.sampled_from(["", " ", "!!", "AAAA", "A=A=", "=="]),
)


@st.composite
def _vocab_tree(draw, depth=0):
    ns, local = draw(st.sampled_from(_VOCAB))
    el = etree.Element(f"{{{ns}}}{local}")
    for name, values in (
        ("Algorithm", st.sampled_from(_ALGS)),
        ("URI", st.sampled_from(["#_1", "", "#_2", "http://evil.example/k", "#"])),
        ("ID", st.sampled_from(["_1", "_2"])),
        ("Id", st.sampled_from(["_k1", "_k2"])),
        ("Recipient", st.sampled_from(["urn:us", "urn:them"])),
        ("PrefixList", st.sampled_from(["xs", "#default", "a b", "<>", ""])),
        ("Type", st.sampled_from([XENC + "Element", XENC + "Content", XENC + "EncryptedKey"])),
    ):
        if draw(st.integers(0, 3)) == 0:
            el.set(name, draw(values))
    if draw(st.booleans()):
        el.text = draw(_B64ISH)
    if depth < 4:
        for _ in range(draw(st.integers(0, 3))):
            el.append(draw(_vocab_tree(depth + 1)))
    return el


@SETTINGS
@given(tree=_vocab_tree())
def test_random_vocabulary_trees_only_typed_errors(hm, sp, tree):
    try:
        root = parse_xml(etree.tostring(tree))
    except (XmlParseError, XmlLimitError):
        return
    _exercise_parsed(root, hm.trust, sp.policy(entity_id="urn:us"))


# ------------------------------------------------------------------ encryption


@pytest.fixture(scope="module")
def encrypted(sp, mr, t):
    """One encrypted NameID per data algorithm (keyinfo layout), one multi-recipient
    (sibling layout, ours second), plus the original plaintext."""
    plain = etree.fromstring(
        f'<saml:NameID xmlns:saml="{SAML}" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">00000003244440010000</saml:NameID>'
    )
    out = _Signed()
    for name in ("aes256-cbc", "aes128-gcm", "aes256-gcm"):
        c = etree.Element(f"{{{SAML}}}EncryptedID", nsmap={"saml": SAML})
        c.extend(
            encrypt_element(
                plain, [EncryptionRecipient(sp.public, key_name=sp.key_name)], data_algorithm=name, layout="keyinfo"
            )
        )
        out[name] = etree.tostring(c)
    c = etree.Element(f"{{{SAML}}}EncryptedID", nsmap={"saml": SAML})
    c.extend(
        encrypt_element(
            plain,
            [
                EncryptionRecipient(mr.public, t.MR_ENTITY, mr.key_name),
                EncryptionRecipient(sp.public, t.SP_ENTITY, sp.key_name),
            ],
            data_algorithm="aes256-gcm",
        )
    )
    out["sibling"] = etree.tostring(c)
    return out, canonicalize(plain)


def _cipher_values(container):
    data = container.find("xenc:EncryptedData/xenc:CipherData/xenc:CipherValue", NS)
    key = container.find(".//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue", NS)
    return data, key


@SETTINGS
@given(data=st.data(), name=st.sampled_from(["aes256-cbc", "aes128-gcm", "aes256-gcm"]))
def test_ciphertext_byte_flips_give_one_generic_error(sp, encrypted, rsa_ops, data, name):
    docs, expected = encrypted
    container = etree.fromstring(docs[name])
    data_cv, key_cv = _cipher_values(container)
    target = data.draw(st.sampled_from(["data", "data", "data", "key"]))
    cv = data_cv if target == "data" else key_cv
    blob = bytearray(base64.b64decode(cv.text))
    how = data.draw(st.sampled_from(["flip", "flip", "truncate", "extend"]))
    if how == "flip":
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] ^= 1 << data.draw(st.integers(0, 7))
        region = (
            "key"
            if target == "key"
            else (
                "iv"
                if pos < (16 if name.endswith("cbc") else 12)
                else ("tag/last" if pos >= len(blob) - 16 else "body")
            )
        )
    elif how == "truncate":
        del blob[data.draw(st.integers(0, len(blob) - 1)) :]
        region = "truncated"
    else:
        blob += data.draw(st.binary(min_size=1, max_size=32))
        region = "extended"
    event(f"{name} {region}")
    cv.text = base64.b64encode(bytes(blob)).decode() if blob else "AAAA"
    try:
        out = decrypt_element(container, sp.policy())
    except DecryptionError as exc:
        assert exc.reason == "decryption_failed", f"{region}: {exc.reason}"
        return
    # Only CBC can "succeed" after a flip: when the flipped padding leaves XML whitespace
    # (0x09/0x0A/0x0D) behind the element. Then the plaintext element is unchanged.
    assert name == "aes256-cbc", f"GCM accepted a modified ciphertext ({region})"
    assert canonicalize(out) == expected
    event("cbc: padding flip left whitespace")


@SETTINGS
@given(data=st.data())
def test_encrypted_container_tree_mutations_only_decryption_errors(sp, mr, encrypted, t, data):
    """Random structural changes to a (multi-recipient) EncryptedID: only DecryptionError,
    and anything that does decrypt yields the original plaintext."""
    docs, expected = encrypted
    src = docs[data.draw(st.sampled_from(sorted(docs)))]
    root = etree.fromstring(src)
    for _ in range(data.draw(st.integers(1, 3))):
        _apply_tree_mutation(root, data.draw)
    try:
        out = decrypt_element(root, sp.policy(entity_id=t.SP_ENTITY))
    except DecryptionError as exc:
        event(exc.reason)
        return
    assert canonicalize(out) == expected


# ------------------------------------------------------------------ parser: two routes, one verdict


@st.composite
def _id_documents(draw):
    """Documents of 1..300 elements with colliding ID/Id/id/xml:id values, the odd PI,
    XInclude element or deep branch: both routes through parse.py must agree."""
    values = ["_a", "_b", "_c", "_d"]
    n = draw(st.integers(1, 300))
    parts = []
    for i in range(n):
        attr = ""
        if draw(st.integers(0, 9)) == 0:
            name = draw(st.sampled_from(["ID", "Id", "id", "xml:id"]))
            value = draw(st.sampled_from(values)) if draw(st.integers(0, 19)) == 0 else f"_v{i}"
            attr = f' {name}="{value}"'
        parts.append(f"<e{attr}/>")
    extra = draw(
        st.sampled_from(
            [
                "",
                "",
                "",
                "<?pi x?>",
                '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude"/>',
                "<d>" * 70 + "</d>" * 70,
                "<d>" * 63 + "</d>" * 63,
            ]
        )
    )
    parts.insert(draw(st.integers(0, len(parts))), extra)
    return ("<r>" + "".join(parts) + "</r>").encode()


def _outcome(data: bytes):
    try:
        doc = parse_document(data)
    except (XmlParseError, XmlLimitError) as exc:
        return exc.reason
    return sorted((k, doc.root.getroottree().getpath(v)) for k, v in doc.ids.items())


@SETTINGS
@given(data=_id_documents())
def test_parser_fast_route_agrees_with_the_walk(data, monkeypatch_module):
    import ehkit.xml.parse as parse_mod

    fast = _outcome(data)
    try:
        root = etree.fromstring(data)
        took_fast = parse_mod._fast_id_index(root, parse_mod.DEFAULT_LIMITS) is not None
    except etree.XMLSyntaxError:
        took_fast = False
    event("fast route" if took_fast else "walk")
    with monkeypatch_module.context() as m:
        m.setattr(parse_mod, "_fast_id_index", lambda root, limits: None)
        walk = _outcome(data)
    assert fast == walk


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()
