"""The real (sanitised, public) eHerkenning messages in tests/data/reference.

They must pass the parser (limits, duplicate-ID check) and every signature in them
must pass the strict profile up to the cryptographic step: verified against a
random key, the only acceptable outcomes are ``signature_digest`` (the content was
changed by sanitising/decrypting) or ``signature_untrusted`` (not our key) — never a
profile, position, reference or algorithm error. The 2020 response has blanked
SignatureValues, which is ``signature_invalid``; with a dummy value the profile
passes there too.

The HM metadata is still intact: its signature verifies for real, with the signing
certificate it publishes (4096-bit key, InclusiveNamespaces, wrapped base64), in
ehkit and in libxmlsec1.
"""

from __future__ import annotations

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ehkit.errors import SignatureError
from ehkit.xml import (
    DEFAULT_LIMITS,
    TrustSet,
    certificate_key_names,
    element_text,
    find_signature,
    parse_document,
    verify_element,
)
from ehkit.xml.ns import DS, MD, SAML, XENC

FILES = ["artifactresponse-2023-decrypted.xml", "response-2020-encrypted.xml", "hm-onewelcome-preprod-1.13.xml"]
NS = {"ds": DS, "saml": SAML, "md": MD, "xenc": XENC}


@pytest.fixture(scope="module")
def random_trust(t):
    return t.make_party("random key").trust


def signed_elements(root):
    return [sig.getparent() for sig in root.iter(f"{{{DS}}}Signature")]


@pytest.mark.parametrize("name", FILES)
def test_reference_message_parses_within_default_limits(reference_dir, name):
    data = (reference_dir / name).read_bytes()
    assert len(data) < DEFAULT_LIMITS.max_bytes
    doc = parse_document(data)
    for el in signed_elements(doc.root):
        assert doc.ids[el.get("ID")] is el  # every signed element is in the ID index
        assert find_signature(el) is not None


def test_reference_ids(reference_dir):
    doc = parse_document((reference_dir / "response-2020-encrypted.xml").read_bytes())
    assert sorted(doc.ids) == sorted(
        [
            "_18092d41-6cef-35f7-9b9d-ec8d77fd3913",
            "_d144ac7b-d9eb-3e6a-af74-239b04407bb6",
            "_a4f31bdc-27fa-4461-8e20-44abe182152d",
            "_4b15fbf16a5241a48d26e33332f3c248",
        ]
    )
    # EncryptedData/EncryptedKey Ids take part in the duplicate check but are not SAML IDs
    assert all(el.tag != f"{{{XENC}}}EncryptedData" for el in doc.ids.values())


@pytest.mark.parametrize("name", ["artifactresponse-2023-decrypted.xml", "hm-onewelcome-preprod-1.13.xml"])
def test_reference_signatures_pass_the_profile_up_to_the_crypto(reference_dir, random_trust, name):
    root = parse_document((reference_dir / name).read_bytes()).root
    els = signed_elements(root)
    assert els
    for el in els:
        with pytest.raises(SignatureError) as info:
            verify_element(el, random_trust)
        assert info.value.reason in ("signature_digest", "signature_untrusted"), (etree.QName(el).localname, info.value)


def test_reference_2023_all_five_signatures_pass_the_profile(reference_dir, random_trust):
    """All five signatures of the real 2023 message have the strict profile's shape:
    each gets as far as the RSA check, which our random key cannot pass (we do not
    have the broker's keys; its digests are stale anyway, the identifiers were
    decrypted for publication)."""
    root = parse_document((reference_dir / "artifactresponse-2023-decrypted.xml").read_bytes()).root
    reasons = {}
    for el in signed_elements(root):
        with pytest.raises(SignatureError) as info:
            verify_element(el, random_trust)
        reasons[el.get("ID")] = info.value.reason
    assert len(reasons) == 5 and set(reasons.values()) == {"signature_untrusted"}


def test_reference_2020_blank_signature_values(reference_dir, random_trust):
    root = parse_document((reference_dir / "response-2020-encrypted.xml").read_bytes()).root
    outcome = {}
    for el in signed_elements(root):
        with pytest.raises(SignatureError) as info:
            verify_element(el, random_trust)
        outcome[el.get("ID")] = info.value.reason
    assert outcome == {
        "_18092d41-6cef-35f7-9b9d-ec8d77fd3913": "signature_invalid",  # HM Response: blank SignatureValue
        "_d144ac7b-d9eb-3e6a-af74-239b04407bb6": "signature_invalid",  # HM Assertion: blank
        "_a4f31bdc-27fa-4461-8e20-44abe182152d": "signature_invalid",  # AD Assertion in Advice: blank
        "_4b15fbf16a5241a48d26e33332f3c248": "signature_untrusted",  # MR Assertion: value kept; not our key
    }
    # With a dummy SignatureValue of the right shape the profile passes everywhere.
    dummy = base64.b64encode(b"\x01" * 256).decode()
    for el in signed_elements(root):
        find_signature(el).find("ds:SignatureValue", NS).text = dummy
        with pytest.raises(SignatureError) as info:
            verify_element(el, random_trust)
        assert info.value.reason in ("signature_digest", "signature_untrusted")


def test_reference_2020_advice_signature_in_default_namespace_is_found(reference_dir):
    root = parse_document((reference_dir / "response-2020-encrypted.xml").read_bytes()).root
    advice = root.find("saml:Assertion/saml:Advice", NS)
    for a in advice.findall("saml:Assertion", NS):
        sig = find_signature(a)
        assert sig is not None and sig.prefix is None  # <Signature xmlns="...xmldsig#">


def _metadata_signing_certs(root) -> list[x509.Certificate]:
    out = []
    for kd in root.iter(f"{{{MD}}}KeyDescriptor"):
        if kd.get("use") in (None, "signing"):
            for cv in kd.iter(f"{{{DS}}}X509Certificate"):
                out.append(
                    x509.load_der_x509_certificate(
                        base64.b64decode(element_text(cv).replace("\n", "").replace(" ", ""))
                    )
                )
    return out


def test_reference_metadata_signature_verifies_for_real(reference_dir, oracles):
    data = (reference_dir / "hm-onewelcome-preprod-1.13.xml").read_bytes()
    root = parse_document(data).root
    certs = _metadata_signing_certs(root)
    assert certs and all(c.public_key().key_size == 4096 for c in certs)
    trust = TrustSet.from_certificates(certs[:1])
    proof = verify_element(root, trust)
    assert proof.element is root
    # KeyName is the SHA-256 fingerprint of the signing certificate
    assert proof.key_name in certificate_key_names(certs[0])
    # independent check with libxmlsec1
    oracles.xmlsec_verify(data, root.get("ID"), certs[0].public_bytes(serialization.Encoding.PEM))


def test_reference_metadata_tampered_is_refused(reference_dir):
    data = (reference_dir / "hm-onewelcome-preprod-1.13.xml").read_bytes()
    trust = TrustSet.from_certificates(_metadata_signing_certs(parse_document(data).root)[:1])
    tampered = data.replace(b"assurance-class:loa4", b"assurance-class:loa3", 1)
    assert tampered != data
    with pytest.raises(SignatureError) as info:
        verify_element(parse_document(tampered).root, trust)
    assert info.value.reason == "signature_digest"


def test_reference_metadata_with_wrong_key(reference_dir, random_trust):
    data = (reference_dir / "hm-onewelcome-preprod-1.13.xml").read_bytes()
    with pytest.raises(SignatureError) as info:
        verify_element(parse_document(data).root, random_trust)
    assert info.value.reason == "signature_untrusted"
