"""Attack catalogue, class A (transport and parsing, before any crypto) and class E
(text content), at the ehkit.xml layer. Every refusal asserts its reason code.

Not covered here: A14 (deflate on the POST binding) belongs to the binding layer;
only "compressed bytes are not XML" is checked.
"""

from __future__ import annotations

import socket
import zlib

import pytest
from lxml import etree

from ehkit.errors import XmlLimitError, XmlParseError
from ehkit.xml import ParseLimits, element_text, parse_document, parse_xml, verify_element
from ehkit.xml.ns import SAML

NS = {"saml": SAML}


def reason(data: bytes, limits: ParseLimits | None = None) -> str:
    with pytest.raises((XmlParseError, XmlLimitError)) as info:
        parse_document(data, limits) if limits else parse_document(data)
    return info.value.reason


@pytest.fixture(scope="module")
def valid(kit):
    doc, rid, aid = kit.response()
    return doc


# ------------------------------------------------------------------ A1-A6: DTDs and entities


def test_a1_doctype_without_entities(valid):
    assert reason(b"<!DOCTYPE samlp:Response []>\n" + valid) == "xml_dtd"
    assert reason(b'<?xml version="1.0"?>\n<!DOCTYPE samlp:Response>' + valid) == "xml_dtd"


def test_a1_control_the_valid_message_parses(valid, hm):
    doc = parse_document(valid)
    assert verify_element(doc.root, hm.trust).element is doc.root


def test_a2_xxe_file_entity_is_refused_without_reading(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    data = (
        f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><saml:NameID xmlns:saml="{SAML}">&x;</saml:NameID>'
    ).encode()
    with pytest.raises(XmlParseError) as info:
        parse_xml(data)
    assert info.value.reason == "xml_dtd"
    assert "TOP-SECRET" not in str(info.value)


def test_a2_entity_reference_without_doctype_is_malformed():
    assert reason(f'<saml:NameID xmlns:saml="{SAML}">&x;</saml:NameID>'.encode()) == "xml_malformed"


@pytest.fixture
def listener():
    """A loopback TCP listener: the parser must never connect to it."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    srv.settimeout(0.2)
    yield srv
    srv.close()


@pytest.mark.parametrize(
    "template",
    [
        '<!DOCTYPE r SYSTEM "http://127.0.0.1:{port}/x.dtd"><r/>',
        '<!DOCTYPE r PUBLIC "-//X//Y" "http://127.0.0.1:{port}/x.dtd"><r/>',
        '<!DOCTYPE r [<!ENTITY % pe SYSTEM "http://127.0.0.1:{port}/pe.dtd"> %pe;]><r/>',
        '<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">]><r>&x;</r>',
    ],
    ids=["system", "public", "parameter-entity", "external-entity"],
)
def test_a3_external_dtd_refused_without_connection(listener, template):
    data = template.format(port=listener.getsockname()[1]).encode()
    assert reason(data) == "xml_dtd"
    with pytest.raises(socket.timeout):
        listener.accept()  # nobody knocked


def test_a4_entity_expansion_bomb_is_refused_before_expansion():
    lol = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
        + "]><lolz>&lol9;</lolz>"
    )
    quadratic = '<!DOCTYPE r [<!ENTITY a "' + "x" * 50000 + '">]><r a="' + "&a;" * 1000 + '"/>'
    for data in (lol.encode(), quadratic.encode()):
        assert reason(data) == "xml_dtd"


def test_a5_cve_2025_25291_doctype_comment_cdata_shape(valid):
    forged = b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_forged"/>'
    data = b"<!DOCTYPE response SYSTEM 'x\"><!--'>" + forged + b"<![CDATA[-->" + valid + b"<!--]]>-->"
    assert reason(data) == "xml_dtd"


def test_a6_cve_2025_25292_dtd_defaulted_namespace(valid):
    data = (
        b'<!DOCTYPE samlp:Response [<!ATTLIST Signature xmlns CDATA #FIXED "http://www.w3.org/2000/09/xmldsig#">]>'
        + valid.replace(b"<saml:Issuer>", b"<Signature/><saml:Issuer>", 1)
    )
    assert reason(data) == "xml_dtd"


def test_a6_internal_doctype_check_after_parse():
    """The parse-time check behind the byte check: a DOCTYPE spelled with a character
    reference is not a DOCTYPE, so only lxml's docinfo could ever see one."""
    assert reason(b"<!DOCTYP&#69; r><r/>") == "xml_malformed"


# ------------------------------------------------------------------ A7-A8: XInclude, PIs


def test_a7_xinclude_is_refused_not_processed(tmp_path, kit):
    target = tmp_path / "included.xml"
    target.write_text("<secret>INCLUDED</secret>")
    doc, rid, aid = kit.response()
    data = doc.replace(
        b"24444001</saml:AttributeValue>",
        f'24444001<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{target}"/></saml:AttributeValue>'.encode(),
    )
    with pytest.raises(XmlParseError) as info:
        parse_xml(data)
    assert info.value.reason == "xml_xinclude"
    assert "INCLUDED" not in str(info.value)


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml-stylesheet type="text/xsl" href="http://127.0.0.1:9/x.xsl"?><r/>',
        b'<?xml version="1.0"?><?xml-stylesheet href="x"?><r/>',
        b"<!--c--><?xml-stylesheet href='x'?><r/>",  # a comment before the PI used to hide it
        b"<?xml-stylesheet href='x'?><!--c--><r/>",  # a comment between PI and root used to hide it
        b"<r/><?pi after?>",
        b"<r/><!--c--><?pi after?>",
        b"<r><?pi inside?></r>",  # inside the tree (iterwalk skipped PIs)
        b"<r><a><b><?pi deep?></b></a></r>",
    ],
)
def test_a8_processing_instructions_anywhere_are_refused(data):
    assert reason(data) == "xml_pi"


def test_a8_pi_inside_signed_content_is_refused(kit):
    doc, rid, aid = kit.response()
    assert reason(doc.replace(b"<saml:Subject>", b"<?evil x?><saml:Subject>", 1)) == "xml_pi"


def test_a8_comments_around_the_root_are_fine():
    assert parse_xml(b"<!--a--><!--b--><r><!--c--></r><!--d-->").tag == "r"


# ------------------------------------------------------------------ A9-A10: size, depth, count


def test_a9_oversized_message_refused_before_parsing():
    big = b"<r>" + b" " * (5 * 1024 * 1024) + b"</r>"
    assert reason(big) == "xml_too_large"


def test_a9_limit_is_exact():
    limits = ParseLimits(max_bytes=100)
    exact = b"<r>" + b"x" * 93 + b"</r>"
    assert len(exact) == 100
    assert parse_document(exact, limits).root.tag == "r"
    assert reason(exact + b" ", limits) == "xml_too_large"


def test_a10_deep_nesting():
    assert parse_xml(b"<a>" * 64 + b"</a>" * 64) is not None
    assert reason(b"<a>" * 65 + b"</a>" * 65) == "xml_too_deep"
    # libxml2 itself stops at 256 levels without huge_tree; either way: refused, quickly
    assert reason(b"<a>" * 10000 + b"</a>" * 10000) in ("xml_too_deep", "xml_malformed")


def test_a10_element_count_limit():
    data = b"<r>" + b"<a/>" * 5000 + b"</r>"
    assert reason(data) == "xml_too_many_elements"
    assert len(parse_xml(b"<r>" + b"<a/>" * 4998 + b"</r>")) == 4998
    assert reason(b"<r>" + b"<a/>" * 9 + b"</r>", ParseLimits(max_elements=9)) == "xml_too_many_elements"


# ------------------------------------------------------------------ A11: encodings


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0" encoding="UTF-16"?><r/>',
        b'<?xml version="1.0" encoding="UTF-7"?><r>+ADw-b/+AD4-</r>',
        b"<?xml version='1.0' encoding='ISO-2022-JP'?><r/>",
        b'<?xml version="1.0" encoding="ISO-8859-1"?><r>\xe9</r>',
        '<?xml version="1.0" encoding="UTF-16"?><r/>'.encode("utf-16"),  # BOM LE
        '<?xml version="1.0" encoding="UTF-16"?><r/>'.encode("utf-16-be"),
        b"\xfe\xff" + "<r/>".encode("utf-16-be"),
        "<r/>".encode("utf-32"),
        b"\x00<\x00r\x00/\x00>",
    ],
    ids=["utf16-decl", "utf7", "iso2022", "latin1", "utf16-le-bom", "utf16-be-nobom", "utf16-be-bom", "utf32", "nul"],
)
def test_a11_only_utf8(data):
    assert reason(data) == "xml_encoding"


@pytest.mark.parametrize("encoding", ["UTF-7", "ISO-8859-1", "windows-1252", "UTF-16"])
def test_a11_declaration_padded_past_the_byte_check(encoding):
    """The declaration check read only the first 200 bytes: whitespace inside the
    declaration pushed ``encoding=`` beyond it and libxml2 decoded UTF-7 markup
    (``+ADw-b/+AD4-`` became an element). Now the parser's actual encoding decides."""
    data = b'<?xml version="1.0"' + b" " * 300 + f'encoding="{encoding}"?><r>+ADw-b/+AD4-</r>'.encode()
    assert reason(data) in ("xml_encoding", "xml_malformed")
    if encoding != "UTF-16":
        assert reason(data) == "xml_encoding"


def test_a11_ebcdic_is_refused():
    data = '<?xml version="1.0" encoding="IBM037"?><r/>'.encode("cp037")
    assert reason(data) in ("xml_encoding", "xml_malformed")


@pytest.mark.parametrize(
    "data",
    [
        b"<r>\xc3\xa9</r>",
        b"\xef\xbb\xbf<r>\xc3\xa9</r>",
        b'<?xml version="1.0" encoding="utf-8"?><r>\xc3\xa9</r>',
        b"<?xml version='1.0' encoding='UTF8'?><r>\xc3\xa9</r>",
        b'<?xml version="1.0"' + b" " * 300 + b'encoding="UTF-8"?><r>\xc3\xa9</r>',
    ],
)
def test_a11_utf8_forms_are_accepted(data):
    assert parse_xml(data).text == "é"


def test_a11_invalid_utf8_is_malformed():
    assert reason(b"<r>\xc3\x28</r>") == "xml_malformed"
    assert reason(b"<r>\xed\xa0\x80</r>") == "xml_malformed"  # encoded surrogate


def test_a11_not_bytes():
    with pytest.raises(XmlParseError) as info:
        parse_xml("<r/>")  # type: ignore[arg-type]
    assert info.value.reason == "xml_not_bytes"
    assert reason(b"   \n ") == "xml_empty"


# ------------------------------------------------------------------ A12: trailing content


@pytest.mark.parametrize("tail", [b"junk", b"<second/>", b"<?xml version='1.0'?><r/>", b"\x00", b"]]>"])
def test_a12_trailing_or_duplicated_content(valid, tail):
    assert reason(valid + tail) in ("xml_malformed", "xml_encoding")
    assert reason(valid + b"\n" + tail) in ("xml_malformed", "xml_encoding")


def test_a12_trailing_whitespace_and_comments_are_fine(valid):
    assert parse_xml(valid + b"\n  <!-- end -->\n").tag.endswith("Response")


# ------------------------------------------------------------------ A14: no inflation here


def test_a14_compressed_bytes_are_not_xml(valid):
    raw = zlib.compressobj(wbits=-15)
    deflated = raw.compress(valid) + raw.flush()
    assert reason(deflated) in ("xml_malformed", "xml_encoding")


# ------------------------------------------------------------------ C37/C39 at parse time: IDs


@pytest.mark.parametrize("second", ['ID="{v}"', 'Id="{v}"', 'id="{v}"', 'xml:id="{v}"'])
@pytest.mark.parametrize("first", ['ID="{v}"', 'Id="{v}"', 'id="{v}"', 'xml:id="{v}"'])
def test_duplicate_ids_including_id_attribute_confusion(first, second):
    v = "_abc"
    data = f"<r><a {first.format(v=v)}/><b {second.format(v=v)}/></r>".encode()
    assert reason(data) == "duplicate_id"


def test_duplicate_id_on_signed_assertion_copy(kit):
    doc, rid, aid = kit.response()
    root = parse_xml(doc)
    a = root.find("saml:Assertion", NS)
    root.append(etree.fromstring(etree.tostring(a)))
    assert reason(etree.tostring(root)) == "duplicate_id"


def test_id_index_holds_only_saml_id(kit):
    doc, rid, aid = kit.response()
    parsed = parse_document(doc.replace(b"<saml:Subject>", b'<saml:Subject Id="_other">', 1))
    assert set(parsed.ids) == {rid, aid}
    assert parsed.ids[aid].tag == f"{{{SAML}}}Assertion"


def test_same_value_in_id_and_id_on_one_element_is_refused():
    assert reason(b'<r ID="_x" Id="_x"/>') == "duplicate_id"


# ------------------------------------------------------------------ E51-E53: element_text


@pytest.mark.parametrize(
    "xml,expected",
    [
        ("<n>12345678<!---->9</n>", "123456789"),
        ("<n>user@corp.com<!---->.evil.com</n>", "user@corp.com.evil.com"),
        ("<n><!--a-->1234<!--b-->5678<!--c--></n>", "12345678"),
        ("<n><![CDATA[1234]]>5678</n>", "12345678"),
        ("<n>&#x31;234&#53;678</n>", "12345678"),
        ("<n>&lt;&amp;&gt;</n>", "<&>"),
        ("<n/>", ""),
    ],
)
def test_e51_e53_element_text_joins_all_text(xml, expected):
    el = parse_xml(xml.encode())
    assert element_text(el) == expected


def test_e51_first_text_node_is_not_the_value():
    el = parse_xml(b"<n>12345678<!---->9</n>")
    assert el.text == "12345678"  # what CVE-2017-11427 victims read
    assert element_text(el) == "123456789"


def test_e51_element_text_refuses_child_elements():
    with pytest.raises(XmlParseError) as info:
        element_text(parse_xml(b"<n>1234<x/>5678</n>"))
    assert info.value.reason == "xml_unexpected_child"


def test_e51_signed_nameid_with_comment(hm, t):
    """The IdP signs 12345678<!---->9; an attacker may add or remove comments (c14n drops
    them, the signature stays valid), but the value read is always the whole text."""
    aid = t.new_id()
    root = t.parse(t.assertion_xml(aid, "12345678<!---->9", declare_ns=True))
    from ehkit.xml import sign_element

    sign_element(root, hm.key)
    doc = t.ser(root)
    for variant in (doc, doc.replace(b"<!---->", b""), doc.replace(b"12345678<!---->9", b"1<!--x-->2345678<!---->9")):
        el = parse_xml(variant)
        proof = verify_element(el, hm.trust)
        assert element_text(proof.element.find("saml:Subject/saml:NameID", NS)) == "123456789"


def test_namespace_declaration_limit():
    """A cheap backstop (see test_h_c14n_amplification_through_prefix_list): occurrences of
    "xmlns", one per 512 bytes of max_bytes unless set."""
    limit = ParseLimits().namespace_limit
    assert limit == 512 and ParseLimits(max_bytes=2 * 1024 * 1024).namespace_limit == 4096
    ok = ("<r " + " ".join(f'xmlns:a{i}="urn:{i}"' for i in range(limit)) + "/>").encode()
    assert parse_xml(ok) is not None
    too_many = ("<r " + " ".join(f'xmlns:a{i}="urn:{i}"' for i in range(limit + 1)) + "/>").encode()
    assert reason(too_many) == "xml_too_many_namespaces"
    spread = ("<r>" + "".join(f'<e xmlns="urn:{i}"/>' for i in range(limit + 1)) + "</r>").encode()
    assert reason(spread) == "xml_too_many_namespaces"
    assert reason(ok, ParseLimits(max_namespaces=10)) == "xml_too_many_namespaces"


# ------------------------------------------------------------------ the same rules on large documents
#
# Real messages have hundreds of elements; parse.py checks documents above a size
# threshold through a different (faster) route than small ones. Every rule must hold
# on both, so the key cases run again inside a document with 200 extra elements.

PAD = "<pad/>" * 200


@pytest.mark.parametrize("inner", ["<?pi x?>", "<a><?pi deep?></a>", "<a/><?xml-stylesheet href='x'?>"])
def test_large_document_pi_refused(inner):
    assert reason(f"<r>{PAD}{inner}</r>".encode()) == "xml_pi"


def test_large_document_xinclude_refused():
    data = f'<r>{PAD}<a><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/></a></r>'
    assert reason(data.encode()) == "xml_xinclude"


@pytest.mark.parametrize("second", ['ID="{v}"', 'Id="{v}"', 'id="{v}"', 'xml:id="{v}"'])
@pytest.mark.parametrize("first", ['ID="{v}"', 'Id="{v}"', 'id="{v}"', 'xml:id="{v}"'])
def test_large_document_duplicate_ids(first, second):
    v = "_abc"
    assert reason(f"<r>{PAD}<a {first.format(v=v)}/>{PAD}<b {second.format(v=v)}/></r>".encode()) == "duplicate_id"


def test_large_document_depth_and_ids():
    assert reason(f"<r>{PAD}{'<a>' * 64}{'</a>' * 64}</r>".encode()) == "xml_too_deep"
    doc = parse_document(f'<r ID="_r">{PAD}<a ID="_a" Id="_b"/><c xml:id="_c" id="_d"/></r>'.encode())
    assert set(doc.ids) == {"_r", "_a"} and doc.ids["_a"].tag == "a"


def test_large_real_message_with_injected_pi_or_xinclude(reference_dir):
    data = (reference_dir / "artifactresponse-2023-decrypted.xml").read_bytes()
    assert parse_document(data).root is not None
    assert reason(data.replace(b"<saml2p:Status>", b"<saml2p:Status><?evil?>", 1)) == "xml_pi"
    xi = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>'
    assert reason(data.replace(b"<saml2p:Status>", b"<saml2p:Status>" + xi, 1)) == "xml_xinclude"
    dup = data.replace(b"<saml2p:Status>", b'<saml2p:Status Id="_3e6519c92c9b4c529706de01b9afa604">', 1)
    assert reason(dup) == "duplicate_id"
