"""Differential signature tests: ehkit against two independent XMLDSig
implementations (python-xmlsec on libxmlsec1, and signxml on lxml).

What ehkit signs, both oracles verify; what the oracles sign in the eHerkenning
profile (enveloped, exc-c14n, rsa-sha256), ehkit verifies; and any change to the
signed content is refused by all three.
"""

from __future__ import annotations

import copy
import hashlib

import pytest
import xmlsec
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from signxml.exceptions import SignXMLException

from ehkit.errors import SignatureError
from ehkit.xml import element_text, sign_element, verify_element
from ehkit.xml.ns import DS, SAML

NS = {"saml": SAML, "ds": DS}


def assert_all_reject(t, oracles, doc: bytes, element_id: str, party, reason_expected: str) -> None:
    """ehkit refuses with ``reason_expected``, and both oracles refuse as well."""
    root = t.parse(doc)
    el = t.by_id(root, element_id)
    with pytest.raises(SignatureError) as info:
        verify_element(el, party.trust)
    assert info.value.reason == reason_expected
    with pytest.raises(xmlsec.Error):
        oracles.xmlsec_verify(doc, element_id, party.cert_pem)
    with pytest.raises(SignXMLException):
        oracles.signxml_verify(doc, element_id, party.cert)


def assert_all_accept(t, oracles, doc: bytes, element_id: str, party) -> None:
    root = t.parse(doc)
    el = t.by_id(root, element_id)
    proof = verify_element(el, party.trust)
    assert proof.element is el
    oracles.xmlsec_verify(doc, element_id, party.cert_pem)
    signed = oracles.signxml_verify(doc, element_id, party.cert)
    assert signed.get("ID") == element_id


# ------------------------------------------------------------ ehkit signs


@pytest.mark.parametrize("prefixes", [(), ("xs",), ("xs", "xsi", "xacml-saml")], ids=["no-prefixlist", "xs", "three"])
@pytest.mark.parametrize("key_info", ["none", "keyname", "x509", "both"])
def test_ehkit_signed_nested_response_verifies_in_both_oracles(kit, hm, oracles, t, prefixes, key_info):
    doc, rid, aid = kit.response(
        prefixes=prefixes, key_name=key_info in ("keyname", "both"), certificate=key_info in ("x509", "both")
    )
    root = t.parse(doc)
    transform = t.ds(t.sig_of(root), "ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform[2]")
    inc = transform.find("{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces")
    assert (inc.get("PrefixList").split() if inc is not None else []) == list(prefixes)
    ki = t.sig_of(root).find(f"{{{DS}}}KeyInfo")
    assert (ki is None) == (key_info == "none")
    # inner Assertion and outer Response, each by all three implementations
    assert_all_accept(t, oracles, doc, aid, hm)
    assert_all_accept(t, oracles, doc, rid, hm)


@pytest.mark.parametrize("algorithms", [("rsa-sha384", "sha384"), ("rsa-sha512", "sha512"), ("rsa-sha256", "sha512")])
def test_ehkit_stronger_algorithms_verify_in_both_oracles(hm, oracles, t, algorithms):
    aid = t.new_id()
    root = t.parse(t.assertion_xml(aid, declare_ns=True))
    sign_element(root, hm.key, key_name=hm.key_name, signature_algorithm=algorithms[0], digest_algorithm=algorithms[1])
    assert_all_accept(t, oracles, t.ser(root), aid, hm)


def test_ehkit_signature_sits_after_issuer_and_is_restored_after_verify(kit, hm, t):
    doc, rid, aid = kit.response()
    root = t.parse(doc)
    for el in (root, t.by_id(root, aid)):
        kids = [k for k in el if isinstance(k.tag, str)]
        assert kids[0].tag == f"{{{SAML}}}Issuer" and kids[1].tag == f"{{{DS}}}Signature"
    before = t.ser(root)
    verify_element(root, hm.trust)
    verify_element(t.by_id(root, aid), hm.trust)
    assert t.ser(root) == before  # the enveloped transform detaches and re-attaches in place


def test_ehkit_signed_element_without_issuer_puts_signature_first(hm, oracles, t):
    eid = t.new_id()
    root = t.parse(
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" ID="{eid}" entityID="urn:x">'
        "<md:Extensions/><md:SPSSODescriptor/></md:EntityDescriptor>"
    )
    sign_element(root, hm.key)
    assert root[0].tag == f"{{{DS}}}Signature"
    assert_all_accept(t, oracles, t.ser(root), eid, hm)


# ------------------------------------------------------------ oracles sign


def test_xmlsec_signed_nested_response_verifies_in_ehkit(hm, oracles, t):
    rid, aid = t.new_id(), t.new_id()
    root = t.parse(t.response_xml(rid, t.assertion_xml(aid)))
    oracles.xmlsec_sign(t.by_id(root, aid), hm)
    oracles.xmlsec_sign(root, hm)
    doc = t.ser(root)
    assert b"\n" in t.ds(t.sig_of(t.parse(doc)), "ds:SignatureValue").text.encode()  # wrapped base64
    assert_all_accept(t, oracles, doc, aid, hm)
    assert_all_accept(t, oracles, doc, rid, hm)
    proof = verify_element(t.parse(doc), hm.trust)
    assert proof.key_name == hm.key_name


def test_xmlsec_signed_without_keyinfo_verifies_in_ehkit(hm, oracles, t):
    aid = t.new_id()
    root = t.parse(t.assertion_xml(aid, declare_ns=True))
    oracles.xmlsec_sign(root, hm, key_name=False)
    assert verify_element(t.parse(t.ser(root)), hm.trust).key_name is None


@pytest.mark.parametrize("shape", ["assertion", "response"])
def test_signxml_signed_verifies_in_ehkit(hm, oracles, t, shape):
    eid = t.new_id()
    xml = t.assertion_xml(eid, declare_ns=True) if shape == "assertion" else t.response_xml(eid, "")
    doc = oracles.signxml_sign(xml.encode(), hm)
    assert_all_accept(t, oracles, doc, eid, hm)


def test_signxml_signed_then_tampered_is_refused_by_ehkit(hm, oracles, t):
    aid = t.new_id()
    doc = oracles.signxml_sign(t.assertion_xml(aid, declare_ns=True).encode(), hm)
    assert_all_reject(t, oracles, doc.replace(b"24444001", b"24444002"), aid, hm, "signature_digest")


# ------------------------------------------------------------ tampering


def _tamper_text(a):
    a.find("saml:Subject/saml:NameID", NS).text = "SOMEONE-ELSE"


def _tamper_attribute(a):
    a.find("saml:Subject/saml:NameID", NS).set("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:transient")


def _tamper_add_element(a):
    stmt = a.find("saml:AttributeStatement", NS)
    attr = etree.SubElement(stmt, f"{{{SAML}}}Attribute", Name="urn:etoegang:core:LegalSubjectID")
    etree.SubElement(attr, f"{{{SAML}}}AttributeValue").text = "99999999"


def _tamper_remove_element(a):
    cond = a.find("saml:Conditions", NS)
    cond.remove(cond[0])  # AudienceRestriction gone


def _tamper_add_attribute(a):
    a.find("saml:Conditions", NS).set("NotOnOrAfter", "2099-01-01T00:00:00Z")


TAMPERS = [_tamper_text, _tamper_attribute, _tamper_add_element, _tamper_remove_element, _tamper_add_attribute]


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda f: f.__name__[8:])
@pytest.mark.parametrize("signer", ["ehkit", "xmlsec"])
def test_tampered_content_is_rejected_by_ehkit_and_both_oracles(kit, hm, oracles, t, tamper, signer):
    if signer == "ehkit":
        doc, rid, aid = kit.response()
    else:
        rid, aid = t.new_id(), t.new_id()
        root = t.parse(t.response_xml(rid, t.assertion_xml(aid)))
        oracles.xmlsec_sign(t.by_id(root, aid), hm)
        oracles.xmlsec_sign(root, hm)
        doc = t.ser(root)
    assert_all_accept(t, oracles, doc, aid, hm)  # control
    root = t.parse(doc)
    tamper(t.by_id(root, aid))
    bad = t.ser(root)
    assert_all_reject(t, oracles, bad, aid, hm, "signature_digest")
    # the change inside the Assertion also breaks the Response signature around it
    assert_all_reject(t, oracles, bad, rid, hm, "signature_digest")


def test_tampered_response_level_leaves_assertion_valid(kit, hm, oracles, t):
    """A change outside the Assertion only breaks the Response signature."""
    doc, rid, aid = kit.response()
    root = t.parse(doc)
    root.set("Destination", "https://evil.example/acs")
    bad = t.ser(root)
    assert_all_reject(t, oracles, bad, rid, hm, "signature_digest")
    assert_all_accept(t, oracles, bad, aid, hm)


def test_recomputed_digest_without_new_signature_is_rejected_by_all(kit, hm, oracles, t):
    """The attacker changes content and fixes DigestValue; SignedInfo changed, so the RSA check fails."""
    import base64
    import hashlib

    from ehkit.xml import canonicalize

    doc, rid, aid = kit.response()
    root = t.parse(doc)
    a = t.by_id(root, aid)
    _tamper_text(a)
    sig = t.sig_of(a)
    a.remove(sig)
    digest = base64.b64encode(hashlib.sha256(canonicalize(a, ["xs"])).digest()).decode()
    a.insert(1, sig)
    t.ds(sig, "ds:SignedInfo/ds:Reference/ds:DigestValue").text = digest
    assert_all_reject(t, oracles, t.ser(root), aid, hm, "signature_untrusted")


def test_signature_value_flip_is_rejected_by_all(kit, hm, oracles, t):
    import base64

    doc, rid, aid = kit.response()
    root = t.parse(doc)
    sv = t.ds(t.sig_of(t.by_id(root, aid)), "ds:SignatureValue")
    raw = bytearray(base64.b64decode(sv.text))
    raw[100] ^= 0x01
    sv.text = base64.b64encode(bytes(raw)).decode()
    assert_all_reject(t, oracles, t.ser(root), aid, hm, "signature_untrusted")


def test_wrong_key_is_rejected_by_all(kit, hm, attacker, oracles, t):
    doc, rid, aid = kit.response(signer=attacker)
    assert_all_accept(t, oracles, doc, aid, attacker)  # control: valid for its own key
    root = t.parse(doc)
    with pytest.raises(SignatureError) as info:
        verify_element(t.by_id(root, aid), hm.trust)
    assert info.value.reason == "signature_untrusted"
    with pytest.raises(xmlsec.Error):
        oracles.xmlsec_verify(doc, aid, hm.cert_pem)
    with pytest.raises(SignXMLException):
        oracles.signxml_verify(doc, aid, hm.cert)


def test_inclusive_prefix_list_is_honoured(kit, hm, oracles, t):
    """With PrefixList="xs", rebinding xs on the Response changes what xsi:type means
    inside the Assertion; the digest covers the declaration, so all three refuse."""
    doc, rid, aid = kit.response(prefixes=("xs",), sign_response=False)
    bad = doc.replace(b'xmlns:xs="http://www.w3.org/2001/XMLSchema"', b'xmlns:xs="urn:evil:types"', 1)
    assert bad != doc
    assert_all_reject(t, oracles, bad, aid, hm, "signature_digest")
    # Without the PrefixList the declaration is outside the signed form: all three accept.
    doc2, _, aid2 = kit.response(prefixes=(), sign_response=False)
    bad2 = doc2.replace(b'xmlns:xs="http://www.w3.org/2001/XMLSchema"', b'xmlns:xs="urn:evil:types"', 1)
    assert_all_accept(t, oracles, bad2, aid2, hm)


def test_verified_element_content_is_what_the_oracles_saw(kit, hm, oracles, t):
    doc, rid, aid = kit.response()
    proof = verify_element(t.by_id(t.parse(doc), aid), hm.trust)
    signed = oracles.signxml_verify(doc, aid, hm.cert)
    ours = element_text(proof.element.find("saml:Subject/saml:NameID", NS))
    theirs = signed.find("saml:Subject/saml:NameID", NS).text
    assert ours == theirs == t.NAMEID_VALUE


# ------------------------------------------------------------ "#default" in a PrefixList
#
# lxml drops "#default" from the inclusive prefix list; libxmlsec1 honours it. ehkit
# refuses (c14n_failed) exactly where that changes the canonical form; everywhere
# else its signatures must verify in libxmlsec1.

_URIS = ["urn:d1", "urn:d2", ""]


@st.composite
def _ns_trees(draw):
    """Small trees mixing prefixed elements and default-namespace declarations."""

    def element(depth: int, top: bool) -> str:
        prefixed = draw(st.booleans())
        decl = draw(
            st.sampled_from(
                ["", ' xmlns="urn:d1"', ' xmlns="urn:d2"', ' xmlns=""'] if not top else ["", ' xmlns="urn:d1"']
            )
        )
        name = "p:e" if prefixed else "e"
        attrs = ' ID="_apex"' if top else ""
        kids = "".join(element(depth + 1, False) for _ in range(draw(st.integers(0, 2 if depth < 3 else 0))))
        return f"<{name}{decl}{attrs}>{kids}</{name}>"

    outer_default = draw(st.sampled_from(["", ' xmlns="urn:d1"', ' xmlns="urn:d2"']))
    return f'<p:outer xmlns:p="urn:p"{outer_default}>{element(0, True)}</p:outer>'


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(xml=_ns_trees())
def test_default_in_prefix_list_is_refused_exactly_where_libxmlsec1_differs(hm, oracles, t, xml):
    # libxmlsec1 signs with PrefixList="#default"; ehkit verifies or refuses with c14n_failed,
    # and refuses only where lxml's output (which ignores "#default") really differs.
    root = t.parse(xml)
    oracles.xmlsec_sign(root[0], hm, prefixes="#default")
    doc = t.ser(root)
    oracles.xmlsec_verify(doc, "_apex", hm.cert_pem)
    apex = t.parse(doc)[0]
    sig = t.sig_of(apex)
    digest = t.ds(sig, "ds:SignedInfo/ds:Reference/ds:DigestValue").text
    bare = copy.deepcopy(apex)
    bare.remove(bare.find(f"{{{DS}}}Signature"))
    lxml_digest = t.b64(hashlib.sha256(etree.tostring(bare, method="c14n", exclusive=True)).digest())
    try:
        verify_element(apex, hm.trust)
    except SignatureError as exc:
        assert exc.reason == "c14n_failed"
        assert lxml_digest != digest  # the refusal was needed
        event("refused")
    else:
        assert lxml_digest == digest
        event("verified")
    # The other direction: what ehkit signs with "#default" libxmlsec1 verifies, or ehkit refuses to sign.
    root = t.parse(xml)
    try:
        sign_element(root[0], hm.key, inclusive_prefixes=["#default"])
    except SignatureError as exc:
        assert exc.reason == "c14n_failed"
    else:
        oracles.xmlsec_verify(t.ser(root), "_apex", hm.cert_pem)


def test_default_in_prefix_list_refused_when_it_matters(hm, oracles, t):
    root = t.parse('<r:R xmlns:r="urn:r" xmlns="urn:default" ID="_r"><a:A xmlns:a="urn:a" ID="_a"><a:B/></a:A></r:R>')
    with pytest.raises(SignatureError) as info:
        sign_element(root[0], hm.key, inclusive_prefixes=["#default"])
    assert info.value.reason == "c14n_failed"
    oracles.xmlsec_sign(root[0], hm, prefixes="#default")
    doc = t.ser(root)
    oracles.xmlsec_verify(doc, "_a", hm.cert_pem)
    with pytest.raises(SignatureError) as info:
        verify_element(t.parse(doc)[0], hm.trust)
    assert info.value.reason == "c14n_failed"


def test_default_in_prefix_list_is_a_no_op_without_default_namespace(kit, hm, oracles, t):
    doc, rid, aid = kit.response(prefixes=("#default", "xs"))
    assert_all_accept(t, oracles, doc, aid, hm)
    assert_all_accept(t, oracles, doc, rid, hm)


# ------------------------------------------------------------ details seen only in foreign signatures


def test_xmlsec_prefix_lists_on_signed_info_and_reference(hm, oracles, t):
    """InclusiveNamespaces on SignedInfo's CanonicalizationMethod as well (ehkit never writes
    that one): "saml" is in scope but unused inside SignedInfo, so it changes SignedInfo's
    canonical form; ehkit must honour it to verify."""
    rid, aid = t.new_id(), t.new_id()
    root = t.parse(t.response_xml(rid, t.assertion_xml(aid)))
    a = t.by_id(root, aid)
    c = xmlsec.constants
    sig = xmlsec.template.create(a, c.TransformExclC14N, c.TransformRsaSha256, ns="ds")
    xmlsec.template.transform_add_c14n_inclusive_namespaces(
        sig.find(f".//{{{DS}}}CanonicalizationMethod"), "saml samlp"
    )
    ref = xmlsec.template.add_reference(sig, c.TransformSha256, uri="#" + aid)
    xmlsec.template.add_transform(ref, c.TransformEnveloped)
    xmlsec.template.transform_add_c14n_inclusive_namespaces(
        xmlsec.template.add_transform(ref, c.TransformExclC14N), "xs"
    )
    a[0].addnext(sig)
    xmlsec.tree.add_ids(root, ["ID"])
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_memory(hm.key_pem, c.KeyDataFormatPem)
    ctx.sign(sig)
    doc = t.ser(root)
    # signxml 5.2 is no oracle here: its schema check refuses ec:InclusiveNamespaces
    # under SignedInfo's CanonicalizationMethod ("strict wildcard").
    oracles.xmlsec_verify(doc, aid, hm.cert_pem)
    assert verify_element(t.by_id(t.parse(doc), aid), hm.trust)
    from ehkit.xml import canonicalize

    si_el = t.ds(t.sig_of(t.by_id(t.parse(doc), aid)), "ds:SignedInfo")
    assert canonicalize(si_el, ["saml", "samlp"]) != canonicalize(si_el)  # the list matters here


def test_pretty_printed_signature_tails_survive_repeated_verification(hm, oracles, t):
    """xmlsec output is indented: the Signature has tail text. Verification detaches and
    re-attaches it; the tree must be byte-identical afterwards and verify again."""
    rid, aid = t.new_id(), t.new_id()
    pretty = etree.tostring(etree.fromstring(t.response_xml(rid, t.assertion_xml(aid)).encode()), pretty_print=True)
    root = t.parse(pretty)
    oracles.xmlsec_sign(t.by_id(root, aid), hm, tail="\n    ")
    oracles.xmlsec_sign(root, hm, tail="\n  ")
    doc = t.ser(root)
    assert_all_accept(t, oracles, doc, aid, hm)
    assert_all_accept(t, oracles, doc, rid, hm)
    root = t.parse(doc)
    assert t.sig_of(root).tail and t.sig_of(root).tail.strip() == ""
    for _ in range(2):
        verify_element(t.by_id(root, aid), hm.trust)
        verify_element(root, hm.trust)
    assert t.ser(root) == doc
