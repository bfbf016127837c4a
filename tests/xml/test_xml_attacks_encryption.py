"""Attack catalogue class G (XML Encryption) and H83, at the ehkit.xml layer.

Oracle freedom: once an RSA private-key operation has started, every failure
(OAEP, key length, IV, padding, GCM tag, the plaintext's XML) must look the same:
same exception type, same reason, same message. Checks that need no secret come
first and may be precise; they must not cost an RSA operation
(``PrivateKeyCounter``).

Not covered here: G78 (ciphertext taken from another response / outside the
verified signature) needs the response layer; timing similarity of G75 is not
measured (too noisy for a unit test).
"""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from ehkit.errors import DecryptionError
from ehkit.xml import (
    DecryptionPolicy,
    EncryptionRecipient,
    canonicalize,
    decrypt_element,
    decryption_policy,
    element_text,
    encrypt_element,
    serialize_standalone,
)
from ehkit.xml import algorithms as alg
from ehkit.xml.encryption import DecryptionKey
from ehkit.xml.ns import DS, SAML, XENC, XENC11, XS, XSI

NS = {"xenc": XENC, "ds": DS, "saml": SAML, "xenc11": XENC11}
NAMEID = f'<saml:NameID xmlns:saml="{SAML}" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">00000003244440010000</saml:NameID>'


def container(parts) -> etree._Element:
    c = etree.Element(f"{{{SAML}}}EncryptedID", nsmap={"saml": SAML})
    c.extend(parts)
    return etree.fromstring(etree.tostring(c))


def encrypted(party, data_algorithm="aes256-gcm", plaintext: bytes | None = None, **kw) -> etree._Element:
    plain = plaintext if plaintext is not None else etree.fromstring(NAMEID)
    kw.setdefault("layout", "keyinfo")
    recipients = kw.pop("recipients", None) or [EncryptionRecipient(party.public, key_name=party.key_name)]
    return container(encrypt_element(plain, recipients, data_algorithm=data_algorithm, **kw))


def hand_made(
    party, *, session_key: bytes, data_uri: str, mode: str, plaintext: bytes, kt_uri: str = alg.RSA_OAEP_MGF1P
) -> etree._Element:
    """An EncryptedID built by hand, for cases ehkit's encryptor refuses to produce."""
    if mode == "gcm":
        iv = os.urandom(12)
        blob = iv + AESGCM(session_key).encrypt(iv, plaintext, None)
    else:
        iv = os.urandom(16)
        p = sym_padding.PKCS7(128).padder()
        enc = Cipher(algorithms.AES(session_key), modes.CBC(iv)).encryptor()
        blob = iv + enc.update(p.update(plaintext) + p.finalize()) + enc.finalize()
    if kt_uri == alg.RSA_1_5:
        wrapped = party.public.encrypt(session_key, padding.PKCS1v15())
    else:
        wrapped = party.public.encrypt(session_key, padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None))
    return etree.fromstring(
        f'<saml:EncryptedID xmlns:saml="{SAML}" xmlns:xenc="{XENC}" xmlns:ds="{DS}">'
        f'<xenc:EncryptedData Type="{XENC}Element"><xenc:EncryptionMethod Algorithm="{data_uri}"/>'
        f'<ds:KeyInfo><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="{kt_uri}"/>'
        f"<xenc:CipherData><xenc:CipherValue>{base64.b64encode(wrapped).decode()}</xenc:CipherValue></xenc:CipherData>"
        "</xenc:EncryptedKey></ds:KeyInfo>"
        f"<xenc:CipherData><xenc:CipherValue>{base64.b64encode(blob).decode()}</xenc:CipherValue></xenc:CipherData>"
        "</xenc:EncryptedData></saml:EncryptedID>".encode()
    )


def failure(c, policy) -> DecryptionError:
    with pytest.raises(DecryptionError) as info:
        decrypt_element(c, policy)
    return info.value


def data_cv(c):
    return c.find("xenc:EncryptedData/xenc:CipherData/xenc:CipherValue", NS)


def key_method(c):
    return c.find(".//xenc:EncryptedKey/xenc:EncryptionMethod", NS)


def flip(cv, pos: int, bit: int = 0) -> None:
    raw = bytearray(base64.b64decode(cv.text))
    raw[pos] ^= 1 << bit
    cv.text = base64.b64encode(bytes(raw)).decode()


# ------------------------------------------------------------------ control


@pytest.mark.parametrize("data_alg", ["aes256-cbc", "aes128-gcm", "aes256-gcm"])
def test_control_round_trip(sp, rsa_ops, data_alg):
    out = decrypt_element(encrypted(sp, data_alg), sp.policy())
    assert canonicalize(out) == canonicalize(etree.fromstring(NAMEID))
    assert rsa_ops.used == 1


# ------------------------------------------------------------------ G73: rsa-1_5


def test_g73_rsa_1_5_refused_before_any_rsa_operation(sp, rsa_ops):
    c = hand_made(
        sp,
        session_key=os.urandom(32),
        data_uri=alg.AES256_GCM,
        mode="gcm",
        plaintext=NAMEID.encode(),
        kt_uri=alg.RSA_1_5,
    )
    err = failure(c, sp.policy())
    assert err.reason == "encryption_algorithm"
    assert rsa_ops.used == 0


def test_g73_rsa_1_5_refused_even_if_a_policy_lists_it(sp, rsa_ops):
    """Defence in depth: a policy can narrow the built-in allow-list, never widen it
    (a misconfigured policy used to let rsa-1_5-labelled keys through)."""
    c = encrypted(sp)
    key_method(c).set("Algorithm", alg.RSA_1_5)
    for policy in (
        decryption_policy([(sp.key, [sp.key_name])], key_transports=[alg.RSA_1_5]),
        DecryptionPolicy(
            keys=(DecryptionKey(sp.key, frozenset({sp.key_name})),),
            key_transports=frozenset({alg.RSA_1_5, alg.RSA_OAEP_MGF1P}),
        ),
    ):
        assert failure(c, policy).reason == "encryption_algorithm"
    assert rsa_ops.used == 0


@pytest.mark.parametrize(
    "change,reason",
    [
        ("oaep-digest-md5", "encryption_algorithm"),
        ("mgf-unknown", "encryption_algorithm"),
        ("mgf-under-mgf1p", "encryption_structure"),
        ("oaep-params", "encryption_algorithm"),
        ("no-method", "encryption_structure"),
        ("unknown-transport", "encryption_algorithm"),
        ("extra-child", "encryption_structure"),
    ],
)
def test_g73_key_transport_details_refused_before_rsa(sp, rsa_ops, change, reason):
    c = encrypted(sp, key_transport="rsa-oaep", oaep_digest="sha256")
    m = key_method(c)
    if change == "oaep-digest-md5":
        m.find("ds:DigestMethod", NS).set("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#md5")
    elif change == "mgf-unknown":
        m.find("xenc11:MGF", NS).set("Algorithm", "http://www.w3.org/2009/xmlenc11#mgf1sha224")
    elif change == "mgf-under-mgf1p":
        m.set("Algorithm", alg.RSA_OAEP_MGF1P)
    elif change == "oaep-params":
        etree.SubElement(m, f"{{{XENC}}}OAEPparams").text = "AAAA"
    elif change == "no-method":
        m.getparent().remove(m)
    elif change == "unknown-transport":
        m.set("Algorithm", "http://www.w3.org/2001/04/xmlenc#kw-aes256")
    else:
        etree.SubElement(m, "{urn:evil}x")
    assert failure(c, sp.policy()).reason == reason
    assert rsa_ops.used == 0


# ------------------------------------------------------------------ G74: CBC when policy says GCM


def test_g74_cbc_refused_when_policy_allows_only_gcm(sp, rsa_ops):
    gcm_only = sp.policy(data_algorithms=["aes128-gcm", "aes256-gcm"])
    assert decrypt_element(encrypted(sp, "aes256-gcm"), gcm_only) is not None
    err = failure(encrypted(sp, "aes256-cbc"), gcm_only)
    assert err.reason == "encryption_algorithm"
    assert rsa_ops.used == 1  # only the accepted GCM one


@pytest.mark.parametrize(
    "uri", [alg.XENC + "aes128-cbc", alg.XENC + "tripledes-cbc", alg.XENC11 + "aes192-gcm", "", "aes192-cbc"]
)
def test_g74_unknown_data_algorithms(sp, rsa_ops, uri):
    c = encrypted(sp)
    c.find("xenc:EncryptedData/xenc:EncryptionMethod", NS).set("Algorithm", uri)
    assert failure(c, sp.policy()).reason == "encryption_algorithm"
    assert rsa_ops.used == 0


def test_g74_policy_with_unknown_algorithm_name_is_refused_not_a_crash(sp, rsa_ops):
    """A policy naming an algorithm ehkit does not implement used to end in KeyError."""
    c = encrypted(sp)
    c.find("xenc:EncryptedData/xenc:EncryptionMethod", NS).set("Algorithm", "aes192-cbc")
    policy = sp.policy(data_algorithms=["aes192-cbc"])
    assert failure(c, policy).reason == "encryption_algorithm"
    assert rsa_ops.used == 0


def test_g74_missing_encryption_method(sp, rsa_ops):
    c = encrypted(sp)
    data = c.find("xenc:EncryptedData", NS)
    data.remove(data.find("xenc:EncryptionMethod", NS))
    assert failure(c, sp.policy()).reason == "encryption_algorithm"
    assert rsa_ops.used == 0


# ------------------------------------------------------------------ G75-G77: one error for all


def _generic_failures(sp):
    """Each failure after the RSA step, built from a fresh CBC/GCM ciphertext."""
    cases = {}
    c = encrypted(sp, "aes256-cbc")
    flip(data_cv(c), 15)  # last IV byte: first block changes
    cases["cbc-iv"] = c
    c = encrypted(sp, "aes256-cbc")
    n = len(base64.b64decode(data_cv(c).text))
    flip(data_cv(c), n - 17, 4)  # the byte that lands on the padding length
    cases["cbc-padding"] = c
    c = encrypted(sp, "aes256-cbc")
    flip(data_cv(c), 20)
    cases["cbc-body"] = c
    c = encrypted(sp, "aes256-cbc")
    raw = base64.b64decode(data_cv(c).text)
    data_cv(c).text = base64.b64encode(raw[:-5]).decode()
    cases["cbc-not-block-multiple"] = c
    c = encrypted(sp, "aes256-gcm")
    n = len(base64.b64decode(data_cv(c).text))
    flip(data_cv(c), n - 1)
    cases["gcm-tag"] = c
    c = encrypted(sp, "aes256-gcm")
    raw = base64.b64decode(data_cv(c).text)
    data_cv(c).text = base64.b64encode(raw[:-4]).decode()
    cases["gcm-tag-truncated-to-12"] = c
    c = encrypted(sp, "aes256-gcm")
    raw = base64.b64decode(data_cv(c).text)
    data_cv(c).text = base64.b64encode(raw[4:]).decode()
    cases["gcm-iv-8-bytes"] = c
    c = encrypted(sp, "aes128-gcm")
    flip(data_cv(c), 3)
    cases["gcm-iv"] = c
    c = encrypted(sp, "aes256-gcm")
    flip(c.find(".//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue", NS), 7)
    cases["wrapped-key"] = c
    c = encrypted(sp, "aes256-gcm")
    c.find(".//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue", NS).text = base64.b64encode(
        os.urandom(300)
    ).decode()
    cases["wrapped-key-wrong-length"] = c
    cases["gcm-16-byte-key-as-aes256"] = hand_made(
        sp, session_key=os.urandom(16), data_uri=alg.AES256_GCM, mode="gcm", plaintext=NAMEID.encode()
    )
    cases["gcm-32-byte-key-as-aes128"] = hand_made(
        sp, session_key=os.urandom(32), data_uri=alg.AES128_GCM, mode="gcm", plaintext=NAMEID.encode()
    )
    cases["cbc-16-byte-key-as-aes256"] = hand_made(
        sp, session_key=os.urandom(16), data_uri=alg.AES256_CBC, mode="cbc", plaintext=NAMEID.encode()
    )
    cases["plaintext-doctype"] = hand_made(
        sp,
        session_key=os.urandom(32),
        data_uri=alg.AES256_GCM,
        mode="gcm",
        plaintext=b'<!DOCTYPE n [<!ENTITY x SYSTEM "file:///etc/passwd">]><n>&x;</n>',
    )
    cases["plaintext-two-elements"] = hand_made(
        sp, session_key=os.urandom(32), data_uri=alg.AES256_GCM, mode="gcm", plaintext=NAMEID.encode() + NAMEID.encode()
    )
    cases["plaintext-not-xml"] = hand_made(
        sp, session_key=os.urandom(32), data_uri=alg.AES256_GCM, mode="gcm", plaintext=b"00000003244440010000"
    )
    cases["plaintext-pi"] = hand_made(
        sp,
        session_key=os.urandom(32),
        data_uri=alg.AES256_GCM,
        mode="gcm",
        plaintext=b"<?xml-stylesheet href='x'?>" + NAMEID.encode(),
    )
    cases["plaintext-no-namespace-declaration"] = hand_made(
        sp,
        session_key=os.urandom(32),
        data_uri=alg.AES256_GCM,
        mode="gcm",
        plaintext=b"<saml:NameID>00000003244440010000</saml:NameID>",
    )
    cases["plaintext-too-deep"] = hand_made(
        sp, session_key=os.urandom(32), data_uri=alg.AES256_GCM, mode="gcm", plaintext=b"<a>" * 9 + b"</a>" * 9
    )
    cases["plaintext-too-large"] = hand_made(
        sp,
        session_key=os.urandom(32),
        data_uri=alg.AES256_GCM,
        mode="gcm",
        plaintext=b"<a>" + b"x" * (16 * 1024) + b"</a>",
    )
    cases["plaintext-utf16"] = hand_made(
        sp, session_key=os.urandom(32), data_uri=alg.AES256_GCM, mode="gcm", plaintext=NAMEID.encode("utf-16")
    )
    return cases


def test_g75_g77_g79_g82_every_post_rsa_failure_looks_the_same(sp, rsa_ops):
    cases = _generic_failures(sp)
    seen = set()
    for name, c in cases.items():
        before = rsa_ops.used
        err = failure(c, sp.policy())
        seen.add((type(err), err.reason, str(err)))
        assert rsa_ops.used - before == 1, name  # each one reached the RSA step
        assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__), name  # nothing chained
    assert len(seen) == 1, seen
    assert seen.pop()[1] == "decryption_failed"


def test_g75_cbc_padding_value_is_only_the_last_byte(sp):
    """XML Encryption padding: only the last byte counts (xmlsec fills the rest randomly)."""
    plaintext = NAMEID.encode()
    key = os.urandom(32)
    iv = os.urandom(16)
    pad = 16 - len(plaintext) % 16
    padded = plaintext + os.urandom(pad - 1) + bytes([pad])
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    c = hand_made(sp, session_key=key, data_uri=alg.AES256_CBC, mode="gcm", plaintext=b"x")  # skeleton
    data_cv(c).text = base64.b64encode(iv + enc.update(padded) + enc.finalize()).decode()
    wrapped = sp.public.encrypt(key, padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None))
    c.find(".//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue", NS).text = base64.b64encode(wrapped).decode()
    assert element_text(decrypt_element(c, sp.policy())) == "00000003244440010000"


@pytest.mark.parametrize("value", ["", "   ", "not-base64!", "QUJ", "QU=D", "QUJD-_", "QU JD"])
def test_g_base64_edge_cases_in_cipher_values(sp, rsa_ops, value):
    """Broken base64 (A13) is caught before the RSA step, with the generic reason."""
    c = encrypted(sp)
    c.find(".//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue", NS).text = value
    err = failure(c, sp.policy())
    assert err.reason == "decryption_failed"
    if value != "QU JD":  # "QU JD" is valid base64 with a space: it reaches RSA and fails there
        assert rsa_ops.used == 0


# ------------------------------------------------------------------ G79: hostile but well-formed plaintext


def test_g79_plaintext_of_another_type_is_returned_for_the_caller_to_refuse(sp):
    """An Assertion instead of a NameID parses fine here; the caller must check the type."""
    assertion = (
        f'<saml:Assertion xmlns:saml="{SAML}" ID="_x" Version="2.0"><saml:Issuer>x</saml:Issuer></saml:Assertion>'
    )
    c = hand_made(sp, session_key=os.urandom(32), data_uri=alg.AES256_GCM, mode="gcm", plaintext=assertion.encode())
    assert decrypt_element(c, sp.policy()).tag == f"{{{SAML}}}Assertion"


def test_e52_comment_split_inside_decrypted_nameid(sp):
    plaintext = f'<saml:NameID xmlns:saml="{SAML}">1234<!---->5678<![CDATA[9]]>&#48;</saml:NameID>'.encode()
    c = hand_made(sp, session_key=os.urandom(32), data_uri=alg.AES256_GCM, mode="gcm", plaintext=plaintext)
    out = decrypt_element(c, sp.policy())
    assert out.text == "1234"
    assert element_text(out) == "123456789" + "0"


# ------------------------------------------------------------------ G80-G81: whose key, which reference


def test_g81_external_retrieval_method_refused_before_rsa(sp, mr, t, rsa_ops):
    c = encrypted(sp, layout="sibling", recipients=[EncryptionRecipient(sp.public, t.SP_ENTITY, sp.key_name)])
    rm = c.find("xenc:EncryptedData/ds:KeyInfo/ds:RetrievalMethod", NS)
    for uri in ("http://127.0.0.1:9/key.xml", "file:///etc/passwd", "", "key.xml"):
        rm.set("URI", uri)
        assert failure(c, sp.policy(entity_id=t.SP_ENTITY)).reason == "encryption_external_reference"
    assert rsa_ops.used == 0


def test_g81_keyname_of_a_key_we_do_not_own(sp, mr, rsa_ops):
    c = encrypted(sp, recipients=[EncryptionRecipient(mr.public, key_name=mr.key_name)])
    assert failure(c, sp.policy()).reason == "encryption_no_key_for_us"
    assert rsa_ops.used == 0


@pytest.mark.parametrize(
    "change",
    [
        "two-data",
        "no-data",
        "foreign-sibling",
        "cipher-reference",
        "two-cipher-values",
        "no-cipher-data",
        "content-type",
        "keyinfo-x509",
        "keyinfo-keyvalue",
    ],
)
def test_structure_refused_before_rsa(sp, rsa_ops, change):
    c = encrypted(sp)
    data = c.find("xenc:EncryptedData", NS)
    if change == "two-data":
        c.append(etree.fromstring(etree.tostring(data)))
    elif change == "no-data":
        c.remove(data)
    elif change == "foreign-sibling":
        c.append(etree.Element(f"{{{SAML}}}NameID"))
    elif change == "cipher-reference":
        cd = data.find("xenc:CipherData", NS)
        cd.remove(cd[0])
        etree.SubElement(cd, f"{{{XENC}}}CipherReference", URI="http://127.0.0.1:9/c")
    elif change == "two-cipher-values":
        cd = data.find("xenc:CipherData", NS)
        cd.append(etree.fromstring(etree.tostring(cd[0])))
    elif change == "no-cipher-data":
        data.remove(data.find("xenc:CipherData", NS))
    elif change == "content-type":
        data.set("Type", XENC + "Content")
    elif change == "keyinfo-x509":
        etree.SubElement(data.find("ds:KeyInfo", NS), f"{{{DS}}}X509Data")
    else:
        etree.SubElement(data.find("ds:KeyInfo", NS), f"{{{DS}}}KeyValue")
    err = failure(c, sp.policy())
    assert err.reason == "encryption_structure"
    assert rsa_ops.used == 0


# ------------------------------------------------------------------ H83: many EncryptedKeys


@pytest.mark.parametrize("count", [9, 1000])
@pytest.mark.parametrize("where", ["sibling", "keyinfo"])
def test_h83_many_encrypted_keys_refused_before_rsa(sp, t, rsa_ops, count, where):
    c = encrypted(sp, layout="sibling", recipients=[EncryptionRecipient(sp.public, t.SP_ENTITY, sp.key_name)])
    ek = c.find("xenc:EncryptedKey", NS)
    holder = c if where == "sibling" else c.find("xenc:EncryptedData/ds:KeyInfo", NS)
    for i in range(count - 1):
        extra = etree.fromstring(etree.tostring(ek))
        extra.set("Id", f"_k{i}")
        holder.append(extra)
    err = failure(c, sp.policy(entity_id=t.SP_ENTITY))
    assert err.reason == "encrypted_key_limit"
    assert rsa_ops.used == 0


def test_h83_limit_is_exact_and_configurable(sp, t, rsa_ops):
    recipients = [EncryptionRecipient(sp.public, f"urn:other:{i}", None) for i in range(7)] + [
        EncryptionRecipient(sp.public, t.SP_ENTITY, sp.key_name)
    ]
    c = encrypted(sp, layout="sibling", recipients=recipients)
    assert len(c.findall("xenc:EncryptedKey", NS)) == 8
    assert decrypt_element(c, sp.policy(entity_id=t.SP_ENTITY)) is not None
    assert rsa_ops.used == 1
    err = failure(c, sp.policy(entity_id=t.SP_ENTITY, max_encrypted_keys=7))
    assert err.reason == "encrypted_key_limit"
    assert rsa_ops.used == 1


# ------------------------------------------------------------------ our own encryptor's output


def test_serialize_standalone_keeps_content_prefixes_and_drops_the_tail(sp):
    """xsi:type="xs:string" needs xmlns:xs although no element or attribute name uses it;
    a deep copy lost it. The element's tail text is not part of the element."""
    root = etree.fromstring(
        f'<saml:Attribute xmlns:saml="{SAML}" xmlns:xs="{XS}" xmlns:xsi="{XSI}" Name="urn:etoegang:core:KvKnr">'
        '<saml:AttributeValue xsi:type="xs:string">24444001</saml:AttributeValue>trailing text</saml:Attribute>'
    )
    value = root[0]
    data = serialize_standalone(value)
    assert data.endswith(b"</saml:AttributeValue>")
    assert f'xmlns:xs="{XS}"'.encode() in data
    c = container(encrypt_element(value, [EncryptionRecipient(sp.public)], layout="keyinfo"))
    out = decrypt_element(c, sp.policy())
    prefix, _, local = out.get(f"{{{XSI}}}type").partition(":")
    assert out.nsmap[prefix] == XS and local == "string"


def test_encrypt_element_refuses_bad_arguments(sp):
    plain = etree.fromstring(NAMEID)
    r = EncryptionRecipient(sp.public)
    for kwargs in ({"data_algorithm": "aes128-cbc"}, {"key_transport": "rsa-1_5"}, {"layout": "other"}):
        with pytest.raises(ValueError):
            encrypt_element(plain, [r], **kwargs)
    with pytest.raises(ValueError):
        encrypt_element(plain, [])
    with pytest.raises(ValueError):
        encrypt_element(plain, [r, r], layout="keyinfo")


def test_fresh_session_key_and_iv_every_time(sp):
    a = encrypted(sp, "aes256-gcm")
    b = encrypted(sp, "aes256-gcm")
    assert data_cv(a).text != data_cv(b).text
    ids = [a.find("xenc:EncryptedData", NS).get("Id"), b.find("xenc:EncryptedData", NS).get("Id")]
    assert ids[0] != ids[1]
