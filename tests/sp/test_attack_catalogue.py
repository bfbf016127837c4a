"""The 88-case attack catalogue (research/perf-security-anchors.md §7), at the SP level.

Every case starts from the valid fixture (the real 2023 ArtifactResponse,
re-signed and re-encrypted for the test network) and changes one thing. Each
asserts the specific reason code. Cross-cutting rules, checked throughout:

* no RSA private-key operation happens before every signature verified
  (``s.private_ops == 0`` for anything rejected before decryption);
* a message that fails authenticity (parse, signatures, positions, issuer)
  leaves the user's pending request untouched; one that is authentic but
  fails policy consumes it (``s.pending_intact()``).

Case numbers refer to the catalogue; "[pos]" marks positive controls.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import socket
import zlib
from dataclasses import replace
from datetime import timedelta

import pytest
from lxml import etree

from ehkit.domain import urns
from ehkit.errors import LoginCancelled, LoginFailed, LoginRejected
from ehkit.saml import constants as c
from ehkit.xml import algorithms as alg
from ehkit.xml.encryption import EncryptionRecipient
from ehkit.xml.ns import DS, SAML, SAMLP, XENC, XSI, q
from support import network as n
from support.reference_messages import (
    add_attribute,
    attribute,
    attribute_statement,
    encrypted_id,
    remove,
    response_of,
    top_assertion,
)
from support.scenario import VALID_KVK, Scenario


@pytest.fixture
def s(net, messages, t0) -> Scenario:
    return Scenario(net, messages, t0)


@pytest.fixture
def post(net, messages, t0) -> Scenario:
    """A login that asked for the POST response binding (signed Response, no ArtifactResponse)."""
    return Scenario(net, messages, t0, response_binding="post")


def A(root):  # the top-level assertion
    return top_assertion(response_of(root))


def sig(el):
    return el.find(q(DS, "Signature"))


def assertion_child(root, local):
    return A(root).find(q(SAML, local))


def expect(s: Scenario, reason: str, *, consumed: bool | None, **kw) -> LoginRejected:
    """Reject with ``reason``; no private-key op before it; the pending request
    consumed or not as stated (None: not checkable, no valid message exists)."""
    exc = s.reject(**kw)
    assert exc.reason == reason, f"expected {reason}, got {exc.reason}: {exc.message}"
    assert s.private_ops == 0, "an RSA private-key operation happened before the rejection"
    if consumed is not None:
        assert s.pending_intact() is (not consumed)
    return exc


def expect_raw(s: Scenario, xml: bytes, reason: str, **kw) -> LoginRejected:
    exc = s.reject(xml, **kw)
    assert exc.reason == reason, f"expected {reason}, got {exc.reason}: {exc.message}"
    assert s.private_ops == 0
    assert s.pending_intact()
    return exc


# ====================================================================== A. transport and parsing


class TestA_TransportAndParsing:
    def valid(self, s):
        return s.build().xml

    def test_01_doctype(self, s):
        expect_raw(s, b"<!DOCTYPE samlp:Response []>" + self.valid(s), "xml_dtd")

    def test_02_external_entity(self, s):
        xml = self.valid(s).replace(n.DV_ENTITY.encode(), b"&x;", 1)
        expect_raw(s, b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + xml, "xml_dtd")

    def test_03_out_of_band_dtd_opens_no_connection(self, s):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        try:
            xml = f'<!DOCTYPE r SYSTEM "http://127.0.0.1:{port}/x.dtd">'.encode() + self.valid(s)
            expect_raw(s, xml, "xml_dtd")
            with pytest.raises(BlockingIOError):
                listener.accept()
        finally:
            listener.close()

    def test_04_entity_expansion_bomb(self, s):
        bomb = (
            '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
            + "]>"
        )
        xml = self.valid(s).replace(n.DV_ENTITY.encode(), b"&i;", 1)
        expect_raw(s, bomb.encode() + xml, "xml_dtd")

    def test_05_doctype_comment_cdata_differential(self, s):
        valid = self.valid(s).decode()
        forged = (
            "<!DOCTYPE response SYSTEM 'x\"><!--'>"
            '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><![CDATA[-->'
            + valid
            + "<!--]]>--></samlp:Response>"
        )
        expect_raw(s, forged.encode(), "xml_dtd")

    def test_06_dtd_defaulted_namespace(self, s):
        xml = (
            b'<!DOCTYPE Response [<!ATTLIST Signature xmlns CDATA #FIXED "http://www.w3.org/2000/09/xmldsig#">]>'
            + self.valid(s)
        )
        expect_raw(s, xml, "xml_dtd")

    def test_07_xinclude(self, s):
        xi = '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>'
        xml = self.valid(s).replace(b"<saml2:AttributeValue>", b"<saml2:AttributeValue>" + xi.encode(), 1)
        expect_raw(s, xml, "xml_xinclude")

    def test_08_processing_instruction(self, s):
        expect_raw(s, b'<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?>' + self.valid(s), "xml_pi")

    def test_09_oversized_message(self, s):
        xml = self.valid(s).replace(
            b"</saml2p:ArtifactResponse>", b" " * (5 * 1024 * 1024) + b"</saml2p:ArtifactResponse>"
        )
        expect_raw(s, xml, "xml_too_large")

    def test_09_oversized_post_value_refused_before_decoding(self, post):
        with pytest.raises(LoginRejected) as info:
            post.sp.finish_login(
                saml_response="A" * (6 * 1024 * 1024), relay_state=post.start.relay_state, now=post.now
            )
        assert info.value.reason == "message_too_large"

    def test_10_deep_nesting(self, s):
        deep = "<a>" * 200 + "</a>" * 200
        xml = self.valid(s).replace(b"<saml2:AttributeValue>", b"<saml2:AttributeValue>" + deep.encode(), 1)
        expect_raw(s, xml, "xml_too_deep")

    def test_10_very_deep_nesting(self, s):
        deep = "<a>" * 10000 + "</a>" * 10000
        xml = self.valid(s).replace(b"<saml2:AttributeValue>", b"<saml2:AttributeValue>" + deep.encode(), 1)
        # libxml2's own nesting limit (huge_tree off) answers before ehkit's depth check.
        expect_raw(s, xml, "xml_malformed")

    @pytest.mark.parametrize(
        "decl",
        [
            b'<?xml version="1.0" encoding="UTF-16"?>',
            b'<?xml version="1.0" encoding="UTF-7"?>',
            b'<?xml version="1.0" encoding="ISO-2022-JP"?>',
        ],
    )
    def test_11_encoding_declaration(self, s, decl):
        expect_raw(s, decl + self.valid(s), "xml_encoding")

    def test_11_utf16_bytes(self, s):
        expect_raw(s, b"\xff\xfe" + self.valid(s).decode().encode("utf-16-le"), "xml_encoding")

    def test_12_trailing_element(self, s):
        expect_raw(s, self.valid(s) + b"<junk/>", "xml_malformed")

    @pytest.mark.parametrize(
        "mangle,reason",
        [
            (lambda b64: "%%" + b64, "message_base64"),
            (
                lambda b64: (
                    b64.replace("+", "-").replace("/", "_") + ("-_" if "+" not in b64 and "/" not in b64 else "")
                ),
                "message_base64",
            ),
            (lambda b64: b64.rstrip("=") + "A", "message_base64"),
            (lambda b64: b64[:40] + "\x00" + b64[40:], "message_base64"),
            (lambda b64: base64.b64encode(b64.encode()).decode(), "message_not_xml"),
        ],
        ids=["non-alphabet", "url-safe", "bad-padding", "nul", "double-encoded"],
    )
    def test_13_base64_edge_cases(self, post, mangle, reason):
        xml = post.build(binding="post").xml
        with pytest.raises(LoginRejected) as info:
            post.sp.finish_login(
                saml_response=mangle(base64.b64encode(xml).decode()), relay_state=post.start.relay_state, now=post.now
            )
        assert info.value.reason == reason
        assert post.pending_intact()

    def test_14_deflate_on_post(self, post):
        xml = post.build(binding="post").xml
        co = zlib.compressobj(9, zlib.DEFLATED, -15)
        value = base64.b64encode(co.compress(xml) + co.flush()).decode()
        with pytest.raises(LoginRejected) as info:
            post.sp.finish_login(saml_response=value, relay_state=post.start.relay_state, now=post.now)
        assert info.value.reason == "message_not_xml"


# ====================================================================== B. signature presence and coverage


def _flip(text: str) -> str:
    i = len(text) // 2
    return text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]


class TestB_SignatureCoverage:
    def test_15_all_signatures_stripped(self, s):
        expect(s, "signature_missing", consumed=False, sign=())

    def test_15_all_signatures_stripped_post(self, post):
        expect(post, "signature_missing", consumed=False, binding="post", sign=())

    def test_16_assertion_signature_stripped(self, s):
        exc = expect(s, "signature_missing", consumed=False, sign=("response", "artifact"))
        assert "Assertion" in exc.message

    def test_17_response_signature_absent_inside_verified_artifact_response(self, s):
        """[pos] The afsprakenstelsel lets the inner Response go unsigned inside an ArtifactResponse."""
        result = s.submit(sign=("assertion", "artifact"))
        assert result.legal_subject.value == VALID_KVK

    def test_17_response_signature_required_by_configuration(self, net, messages, t0):
        s = Scenario(net, messages, t0, require_response_signature=True)
        expect(s, "signature_missing", consumed=False, sign=("assertion", "artifact"))

    def test_17_response_signature_always_required_with_post(self, post):
        expect(post, "signature_missing", consumed=False, binding="post", sign=("assertion",))

    def test_18_garbled_signature_value(self, s):
        def garble(root):
            sv = sig(A(root)).find(q(DS, "SignatureValue"))
            sv.text = _flip(sv.text)

        expect(s, "signature_untrusted", consumed=False, after_layer={"assertion": garble})

    def test_18_empty_signature_value(self, s):
        def empty(root):
            sig(A(root)).find(q(DS, "SignatureValue")).text = ""

        expect(s, "signature_invalid", consumed=False, after_layer={"assertion": empty})

    @pytest.mark.parametrize("uri", ["#response", "", "#other"])
    def test_19_reference_to_another_element(self, s, uri):
        def retarget(root):
            ref = sig(A(root)).find(f"{q(DS, 'SignedInfo')}/{q(DS, 'Reference')}")
            ref.set("URI", "#" + response_of(root).get("ID") if uri == "#response" else uri)

        expect(s, "signature_reference", consumed=False, after_layer={"assertion": retarget})

    def test_20_two_references(self, s):
        def second(root):
            si = sig(A(root)).find(q(DS, "SignedInfo"))
            si.append(copy.deepcopy(si.find(q(DS, "Reference"))))

        expect(s, "signature_profile", consumed=False, after_layer={"assertion": second})

    def test_21_two_signed_info(self, s):
        def second(root):
            signature = sig(A(root))
            signature.insert(1, copy.deepcopy(signature.find(q(DS, "SignedInfo"))))

        expect(s, "signature_profile", consumed=False, after_layer={"assertion": second})

    def test_22_response_signature_moved_into_status_detail(self, post):
        def move(root):
            signature = sig(root)
            detail = etree.SubElement(root.find(q(SAMLP, "Status")), q(SAMLP, "StatusDetail"))
            detail.append(signature)

        expect(post, "signature_missing", consumed=False, binding="post", after_sign=move)

    def test_23_extra_xpath_transform(self, s):
        def xpath(root):
            transforms = sig(A(root)).find(f"{q(DS, 'SignedInfo')}/{q(DS, 'Reference')}/{q(DS, 'Transforms')}")
            t = etree.SubElement(
                transforms, q(DS, "Transform"), Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"
            )
            etree.SubElement(t, q(DS, "XPath")).text = "not(ancestor-or-self::saml2:Subject)"

        expect(s, "signature_transforms", consumed=False, after_layer={"assertion": xpath})

    @pytest.mark.parametrize(
        "transform", ["http://www.w3.org/TR/1999/REC-xslt-19991116", "http://www.w3.org/2000/09/xmldsig#base64"]
    )
    def test_23_xslt_or_base64_transform(self, s, transform):
        def swap(root):
            t = sig(A(root)).find(f"{q(DS, 'SignedInfo')}/{q(DS, 'Reference')}/{q(DS, 'Transforms')}")[1]
            t.set("Algorithm", transform)

        expect(s, "signature_transforms", consumed=False, after_layer={"assertion": swap})

    def test_24_comment_inside_digest_value_after_change(self, s):
        def change(root):
            assertion_child(root, "AuthnStatement").set("SessionIndex", "attacker")
            dv = sig(A(root)).find(f".//{q(DS, 'DigestValue')}")
            text = dv.text
            dv.text = None
            dv.append(etree.Comment("x"))
            dv[-1].tail = text

        exc = expect(s, "signature_digest", consumed=False, after_layer={"assertion": change})
        assert "Assertion" in exc.message

    def test_25_injected_second_digest_value(self, post):
        def inject(root):
            assertion_child(root, "AuthnStatement").set("SessionIndex", "attacker")
            detail = etree.SubElement(root.find(q(SAMLP, "Status")), q(SAMLP, "StatusDetail"))
            etree.SubElement(detail, q(DS, "DigestValue")).text = base64.b64encode(
                hashlib.sha256(b"x").digest()
            ).decode()

        expect(post, "signature_digest", consumed=False, binding="post", after_layer={"assertion": inject})

    def test_26_void_canonicalisation(self, s):
        """An invalid namespace URI plus the digest of the empty string (CVE-2025-66568).
        The hardened parser already refuses the URI, so c14n never sees it; were it to,
        c14n errors are fatal (tests/xml)."""

        def empty_digest(root):
            dv = sig(A(root)).find(f".//{q(DS, 'DigestValue')}")
            dv.text = base64.b64encode(hashlib.sha256(b"").digest()).decode()

        def bad_uri(text):
            return text.replace("<saml2:Assertion ", '<saml2:Assertion xmlns:x="http://example.com\u0080" ', 1)

        exc = s.reject(after_layer={"assertion": empty_digest}, after_text=bad_uri)
        assert exc.reason == "xml_malformed"
        assert s.private_ops == 0 and s.pending_intact()
        # Without the bad URI: the changed DigestValue sits in SignedInfo, so the RSA
        # check over SignedInfo refuses it before any digest is computed.
        assert s.reject(after_layer={"assertion": empty_digest}).reason == "signature_untrusted"

    @pytest.mark.parametrize(
        "method",
        ["http://www.w3.org/TR/2001/REC-xml-c14n-20010315", "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"],
    )
    def test_27_canonicalisation_swap(self, s, method):
        def swap(root):
            sig(A(root)).find(f"{q(DS, 'SignedInfo')}/{q(DS, 'CanonicalizationMethod')}").set("Algorithm", method)

        expect(s, "signature_algorithm", consumed=False, after_layer={"assertion": swap})


# ====================================================================== C. signature wrapping (POST: no outer signature to hide behind)


def _standalone(el):
    """A copy of ``el`` that carries every namespace it needs (inserted as serialized text)."""
    return etree.fromstring(etree.tostring(el))


_copies = iter(range(10**6))


def _fresh_inner_ids(el):
    """An attacker's copy renames the IDs inside it (Advice, EncryptedData), or
    the duplicate-ID rule would reject it before the check under test."""
    tag = f"_c{next(_copies)}"
    for inner in el.iter():
        if inner is el:
            continue
        for name in ("ID", "Id"):
            if inner.get(name):
                inner.set(name, tag + inner.get(name))
    return el


def _evil(assertion, *, new_id=True, keep_signature=False):
    evil = _fresh_inner_ids(_standalone(assertion))
    if new_id:
        evil.set("ID", "_evil" + evil.get("ID")[5:])
    if not keep_signature and sig(evil) is not None:
        remove(sig(evil))
    evil.find(f"{q(SAML, 'AuthnStatement')}").set("SessionIndex", "evil")
    return evil


class TestC_SignatureWrapping:
    """Response-level wrapping is done by the attacker on the final message.
    Assertion-level wrapping is done right after the Assertion is signed, so the
    Response signature covers the result: that isolates the structural rules
    (exactly one top-level Assertion, no Assertion outside its Advice), which
    otherwise hide behind the Response digest (see test_30_realistic)."""

    def wrap(self, post, mutate, reason, **kw):
        return expect(post, reason, consumed=False, binding="post", after_layer={"assertion": mutate}, **kw)

    def wrap_outer(self, post, mutate, reason, **kw):
        return expect(post, reason, consumed=False, binding="post", after_sign=mutate, **kw)

    def test_30_realistic_any_wrapping_breaks_the_response_digest(self, post):
        self.wrap_outer(post, lambda root: A(root).addprevious(_evil(A(root))), "signature_digest")

    def test_28_xsw1_evil_response_with_original_inside_signature(self, post):
        def xsw1(root):
            original = _standalone(root)
            root.set("ID", "_evilresponse")
            remove(A(root))
            root.append(_evil(top_assertion(original)))
            sig(root).append(original)

        self.wrap_outer(post, xsw1, "signature_profile")

    def test_29_xsw2_original_response_before_signature(self, post):
        def xsw2(root):
            original = _standalone(root)
            remove(sig(original))
            root.set("ID", "_evilresponse")
            remove(A(root))
            root.append(_evil(top_assertion(original)))
            sig(root).addprevious(original)

        self.wrap_outer(post, xsw2, "signature_position")

    def test_30_xsw3_unsigned_evil_assertion_first(self, post):
        self.wrap(post, lambda root: A(root).addprevious(_evil(A(root))), "assertion_count")

    def test_31_xsw4_evil_assertion_wraps_original(self, post):
        def xsw4(root):
            original = A(root)
            evil = _evil(original)
            original.addprevious(evil)
            evil.append(_standalone(original))
            remove(original)

        self.wrap(post, xsw4, "assertion_wrapping")

    def test_32_xsw5_evil_keeps_signature_original_copy_appended(self, post):
        def xsw5(root):
            original = A(root)
            evil = _evil(original, new_id=False, keep_signature=True)
            copy_ = _fresh_inner_ids(_standalone(original))
            copy_.set("ID", "_copy")
            remove(sig(copy_))
            root.replace(original, evil)
            root.append(copy_)

        self.wrap(post, xsw5, "assertion_count")

    def test_33_xsw6_original_inside_evil_signature(self, post):
        def xsw6(root):
            original = A(root)
            evil = _evil(original, new_id=False, keep_signature=True)
            inner = _standalone(original)
            inner.set("ID", "_inner")
            root.replace(original, evil)
            sig(evil).append(inner)

        self.wrap(post, xsw6, "assertion_wrapping")

    def test_34_xsw7_evil_assertion_in_extensions(self, post):
        def xsw7(root):
            ext = etree.Element(q(SAMLP, "Extensions"))
            ext.append(_evil(A(root)))
            root.find(q(SAMLP, "Status")).addprevious(ext)

        self.wrap_outer(post, xsw7, "signature_digest")

    def test_34_xsw7_extensions_signed_by_broker(self, post):
        """Even when the broker itself signed an Extensions element, it is refused (Extensions MUST NOT)."""

        def ext(root):
            e = etree.Element(q(SAMLP, "Extensions"))
            e.append(_evil(A(root)))
            root.find(q(SAMLP, "Status")).addprevious(e)

        exc = post.reject(binding="post", edit=ext)
        assert exc.reason == "response_extensions"

    def test_35_xsw8_original_inside_object_of_evil_signature(self, post):
        def xsw8(root):
            original = A(root)
            evil = _evil(original, new_id=False, keep_signature=True)
            obj = etree.SubElement(sig(evil), q(DS, "Object"))
            inner = _standalone(original)
            inner.set("ID", "_inner")
            obj.append(inner)
            root.replace(original, evil)

        self.wrap(post, xsw8, "assertion_wrapping")

    def test_36_xsw10_assertion_signature_lifted_to_response(self, post):
        def xsw10(root):
            original = A(root)
            moved = sig(original)
            remove(sig(root))
            root.find(q(SAML, "Issuer")).addnext(moved)
            obj = etree.SubElement(moved, q(DS, "Object"))
            obj.append(_standalone(original))
            root.replace(original, _evil(original, new_id=False))

        self.wrap_outer(post, xsw10, "duplicate_id")

    def test_37_duplicate_ids(self, post):
        def dup(root):
            twin = etree.SubElement(root.find(q(SAMLP, "Status")), q(SAMLP, "StatusDetail"))
            twin.set("ID", A(root).get("ID"))

        self.wrap_outer(post, dup, "duplicate_id")

    def test_38_unsigned_copy_with_new_id_appended(self, post):
        def add(root):
            extra = _fresh_inner_ids(_standalone(A(root)))
            extra.set("ID", "_second")
            remove(sig(extra))
            root.append(extra)

        self.wrap(post, add, "assertion_count")

    @pytest.mark.parametrize("attr", ["Id", "id", "{http://www.w3.org/XML/1998/namespace}id"])
    def test_39_id_attribute_confusion(self, post, attr):
        def confuse(root):
            etree.SubElement(root.find(q(SAMLP, "Status")), q(SAMLP, "StatusDetail")).set(attr, A(root).get("ID"))

        self.wrap_outer(post, confuse, "duplicate_id")

    def test_40_assertion_in_look_alike_namespace(self, post):
        def lookalike(root):
            original = A(root)
            text = etree.tostring(original).decode().replace(SAML, SAML + "x")
            root.replace(original, etree.fromstring(text))

        self.wrap_outer(post, lookalike, "signature_digest")

    def test_40_look_alike_namespace_signed_by_broker(self, post):
        """A broker-signed message whose only 'Assertion' is in another namespace has no assertion."""

        def lookalike(root):
            original = A(root)
            remove(sig(original)) if sig(original) is not None else None
            text = etree.tostring(original).decode().replace(f'xmlns:saml2="{SAML}"', f'xmlns:saml2="{SAML}:evil"')
            root.replace(original, etree.fromstring(text))

        exc = post.reject(binding="post", sign=("response",), edit=lookalike)
        assert exc.reason == "assertion_count"

    def test_41_advice_smuggling_is_never_read(self, net, s):
        """[pos] An attacker-signed assertion in Advice naming another company changes nothing."""

        def smuggle(root):
            advice = assertion_child(root, "Advice")
            evil = etree.fromstring(
                f'<saml2:Assertion xmlns:saml2="{SAML}" ID="_smuggled" IssueInstant="2020-01-01T00:00:00Z" Version="2.0">'
                f"<saml2:Issuer>{n.HM_ENTITY}</saml2:Issuer><saml2:AttributeStatement>"
                f'<saml2:Attribute Name="{urns.LEGAL_SUBJECT_ID}"><saml2:AttributeValue>'
                f'<saml2:NameID NameQualifier="urn:etoegang:1.9:EntityConcernedID:KvKnr">11111111</saml2:NameID>'
                "</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion>"
            )
            from ehkit.xml.signature import sign_element

            sign_element(evil, net.attacker.private_key, key_name=net.attacker.key_name)
            advice.insert(0, evil)

        result = s.submit(edit=smuggle)
        assert result.legal_subject.value == VALID_KVK

    def test_42_one_parse_and_values_only_from_the_verified_tree(self, s, monkeypatch):
        """Read-after-verify split: the message is parsed once (only identifier plaintexts
        are parsed again, on their own), and every value comes from that tree. The
        differential payloads (cases 5, 6, 26, 36) fail above."""
        import ehkit.sp.provider as provider
        import ehkit.xml.parse as parse

        calls = []
        real = parse.parse_document

        def counting(data, limits=parse.DEFAULT_LIMITS):
            calls.append(len(data))
            return real(data, limits)

        monkeypatch.setattr(provider, "parse_document", counting)
        built = s.build()
        assert s.submit(built).legal_subject.value == VALID_KVK
        assert calls == [len(built.xml)]

    def test_41_legitimate_advice_accepted(self, s):
        """[pos] The real AD and MR assertions in Advice (their signatures unchecked) are accepted."""
        assert s.submit().authorization_registry.startswith("urn:etoegang:MR:")


# ====================================================================== D. keys and algorithms


class TestD_KeysAndAlgorithms:
    def test_43_attacker_certificate_in_key_info(self, net, s):
        expect(
            s,
            "signature_untrusted",
            consumed=False,
            signers={"assertion": net.attacker},
            key_info_certificate=True,
        )

    def test_44_attacker_key_value(self, net, s):
        def key_value(root):
            ki = sig(A(root)).find(q(DS, "KeyInfo"))
            numbers = net.attacker.public_key.public_numbers()
            kv = etree.SubElement(ki, q(DS, "KeyValue"))
            rsa_kv = etree.SubElement(kv, q(DS, "RSAKeyValue"))
            etree.SubElement(rsa_kv, q(DS, "Modulus")).text = base64.b64encode(numbers.n.to_bytes(256, "big")).decode()
            etree.SubElement(rsa_kv, q(DS, "Exponent")).text = "AQAB"

        expect(
            s,
            "signature_untrusted",
            consumed=False,
            signers={"assertion": net.attacker},
            after_layer={"assertion": key_value},
        )

    @pytest.mark.parametrize(
        "method", ["http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", "http://www.w3.org/2000/09/xmldsig#hmac-sha1"]
    )
    def test_45_hmac_signature_method(self, s, method):
        def hmac_(root):
            sig(A(root)).find(f"{q(DS, 'SignedInfo')}/{q(DS, 'SignatureMethod')}").set("Algorithm", method)

        expect(s, "signature_algorithm", consumed=False, after_layer={"assertion": hmac_})

    def test_46_hmac_output_length(self, s):
        def truncated(root):
            m = sig(A(root)).find(f"{q(DS, 'SignedInfo')}/{q(DS, 'SignatureMethod')}")
            m.set("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256")
            etree.SubElement(m, q(DS, "HMACOutputLength")).text = "8"

        expect(s, "signature_algorithm", consumed=False, after_layer={"assertion": truncated})

    @pytest.mark.parametrize(
        "where,value",
        [
            ("SignatureMethod", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
            ("DigestMethod", "http://www.w3.org/2000/09/xmldsig#sha1"),
        ],
    )
    def test_47_sha1(self, s, where, value):
        def sha1(root):
            sig(A(root)).find(f".//{q(DS, where)}").set("Algorithm", value)

        expect(s, "signature_algorithm", consumed=False, after_layer={"assertion": sha1})

    def test_48_wrong_network_key(self, net, s):
        """Signed with a valid PKIoverheid-style key of another participant: not the HM's."""
        expect(s, "signature_untrusted", consumed=False, signer=net.attacker)

    def test_49_rollover_next_certificate_accepted(self, net, messages, t0):
        """[pos] The broker's next certificate, published in metadata next to the current one."""
        s = Scenario(net, messages, t0, metadata=net.idp_metadata(net.hm, net.hm_next))
        assert s.submit(signer=net.hm_next).legal_subject.value == VALID_KVK

    def test_49_removed_certificate_refused(self, net, messages, t0):
        s = Scenario(net, messages, t0, metadata=net.idp_metadata(net.hm_next))
        expect(s, "signature_untrusted", consumed=None)

    def test_49_expired_certificate_refused(self, net, messages, t0):
        expired = net.extra.get("expired_hm")
        if expired is None:
            expired = net.extra["expired_hm"] = net.ca.issue(n.HM_OIN, "HM", not_before=t0 - timedelta(days=10), days=2)
        s = Scenario(net, messages, t0, metadata=net.idp_metadata(expired))
        expect(s, "signature_no_trusted_keys", consumed=None, signer=expired)

    def test_50_weak_rsa_key_in_metadata(self, net, messages, t0):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "weak")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(1)
            .not_valid_before(t0 - timedelta(days=1))
            .not_valid_after(t0 + timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        metadata = replace(net.idp_metadata(), signing_certificates=(cert,))
        s = Scenario(net, messages, t0, metadata=metadata)
        exc = s.reject()
        assert exc.reason == "key_too_small"


# ====================================================================== E. text content


def _legal_name_id(root):
    return attribute(root, urns.LEGAL_SUBJECT_ID).find(f"{q(SAML, 'AttributeValue')}/{q(SAML, 'NameID')}")


class TestE_TextContent:
    @pytest.mark.parametrize("encrypt", [False, True], ids=["plain-51", "encrypted-52"])
    def test_51_52_comment_splits_identifier(self, net, messages, t0, encrypt):
        """The identifier is all text nodes: 6959<!---->9084 reads as 69599084, never as 6959."""
        s = Scenario(net, messages, t0, require_encrypted_identifiers=encrypt)

        def split(root):
            nid = _legal_name_id(root)
            nid.text = VALID_KVK[:4]
            nid.append(etree.Comment("x"))
            nid[-1].tail = VALID_KVK[4:]

        result = s.submit(edit_plain=split, encrypt=encrypt)
        assert result.legal_subject.value == VALID_KVK

    @pytest.mark.parametrize("form", ["cdata", "charref"])
    def test_53_cdata_and_character_references(self, net, messages, t0, form):
        """CDATA and character references canonicalise to plain text: the signatures
        still hold and the identifier reads the same everywhere (plain NameIDs, as a
        'decrypt at broker' contract delivers them)."""
        s = Scenario(net, messages, t0, require_encrypted_identifiers=False)
        marker = f">{VALID_KVK}</saml2:NameID>"
        if form == "cdata":
            changed = f"><![CDATA[{VALID_KVK[:4]}]]>{VALID_KVK[4:]}</saml2:NameID>"
        else:
            changed = f">&#x{ord(VALID_KVK[0]):x};{VALID_KVK[1:]}</saml2:NameID>"

        def rewrite(text):
            assert text.count(marker) == 1
            return text.replace(marker, changed)

        result = s.submit(encrypt=False, after_text=rewrite)
        assert result.legal_subject.value == VALID_KVK

    @pytest.mark.parametrize(
        "value",
        [" " + VALID_KVK, VALID_KVK + "\u00a0", "".join(chr(0xFF10 + int(d)) for d in VALID_KVK), VALID_KVK[:7]],
        ids=["leading-space", "nbsp", "full-width", "seven-digits"],
    )
    def test_54_identifier_format_validated(self, s, value):
        def change(root):
            _legal_name_id(root).text = value

        exc = s.reject(edit_plain=change)
        assert exc.reason == "kvk_invalid"
        assert not s.pending_intact()  # authentic but refused by policy: consumed

    def test_54_vestigingsnummer_format_validated(self, s):
        def change(root):
            attribute(root, urns.VESTIGINGSNR).find(q(SAML, "AttributeValue")).text = "0000123456789"

        assert s.reject(edit_plain=change).reason == "vestigingsnummer_invalid"


# ====================================================================== F. protocol and semantic checks


def _set(getter, attr, value):
    def edit(root):
        el = getter(root)
        if value is None:
            del el.attrib[attr]
        else:
            el.set(attr, value)

    return edit


def _scd(root):
    return A(root).find(f"{q(SAML, 'Subject')}/{q(SAML, 'SubjectConfirmation')}/{q(SAML, 'SubjectConfirmationData')}")


def _conditions(root):
    return assertion_child(root, "Conditions")


def _authn(root):
    return assertion_child(root, "AuthnStatement")


def _text_of(getter, value):
    def edit(root):
        getter(root).text = value

    return edit


def _attr_value(name):
    return lambda root: attribute(root, name).find(q(SAML, "AttributeValue"))


class TestF_Protocol:
    @pytest.mark.parametrize("value", ["https://other-dv.example/acs", None], ids=["wrong", "missing"])
    def test_55_56_destination(self, s, value):
        expect(s, "destination_mismatch", consumed=True, edit=_set(response_of, "Destination", value))

    def test_56_destination_missing_on_post(self, post):
        expect(post, "destination_mismatch", consumed=True, binding="post", edit=_set(response_of, "Destination", None))

    @pytest.mark.parametrize(
        "value", ["https://other-dv.example/acs", n.POST_ACS_URL, None], ids=["other", "our-post-acs", "missing"]
    )
    def test_57_recipient(self, s, value):
        expect(s, "recipient_mismatch", consumed=True, edit=_set(_scd, "Recipient", value))

    def test_58_audience_wrong(self, s):
        expect(
            s,
            "audience_mismatch",
            consumed=True,
            edit=_text_of(
                lambda r: _conditions(r).find(f".//{q(SAML, 'Audience')}"),
                "urn:etoegang:DV:00000001111111110000:entities:0",
            ),
        )

    def test_58_audience_restriction_missing(self, s):
        expect(
            s,
            "audience_mismatch",
            consumed=True,
            edit=lambda r: remove(_conditions(r).find(q(SAML, "AudienceRestriction"))),
        )

    def test_58_second_restriction_without_us(self, s):
        def second(root):
            ar = etree.SubElement(_conditions(root), q(SAML, "AudienceRestriction"))
            etree.SubElement(ar, q(SAML, "Audience")).text = "urn:etoegang:DV:00000001111111110000:entities:0"

        expect(s, "audience_mismatch", consumed=True, edit=second)

    def test_58_audience_of_another_service_group(self, net, messages, t0):
        """The eIDAS service is published under its own EntityID; the main one is not its audience."""
        s = Scenario(net, messages, t0, service="eidas")
        exc = s.reject(
            service_id=f"urn:etoegang:DV:{n.DV_OIN}:services:3", service_uuid="3c1f1d6e-7c55-4f55-9d59-0f3b8e1a0a31"
        )
        assert exc.reason == "audience_mismatch"

    def test_59_unsolicited(self, s):
        def unsolicited(root):
            del response_of(root).attrib["InResponseTo"]
            del _scd(root).attrib["InResponseTo"]

        expect(s, "unsolicited", consumed=False, edit=unsolicited)

    def test_60_in_response_to_unknown(self, s):
        exc = s.reject(s.build(request_id="_" + "ab" * 20))
        assert exc.reason == "in_response_to_unknown"
        assert s.private_ops == 0 and s.pending_intact()

    def test_60_other_browser_session(self, s, net, messages, t0):
        other = Scenario(net, messages, t0, sp=s.sp)
        built = s.build()
        with pytest.raises(LoginRejected) as info:
            s.sp.process_response(
                built.xml,
                artifact_resolve_id=built.resolve_id,
                relay_state=s.start.relay_state,
                request_id=other.start.request_id,
                now=s.now,
            )
        assert info.value.reason == "request_id_mismatch"
        assert s.pending_intact() and other.pending_intact()

    def test_60_reused_request(self, s):
        s.submit()
        assert s.reject().reason == "in_response_to_unknown"

    def test_61_in_response_to_differs_in_subject_confirmation(self, s):
        expect(s, "in_response_to_mismatch", consumed=True, edit=_set(_scd, "InResponseTo", "_" + "cd" * 20))

    def test_62_replay_same_message(self, s):
        built = s.build()
        s.submit(built)
        assert s.reject(built).reason == "replay"

    def test_62_replay_to_a_second_node(self, net, messages, t0, tmp_path):
        """Two SP processes sharing one SQLite store: the second sees the replay."""
        from ehkit.sp.stores.sqlite import SQLiteStore

        path = tmp_path / "state.db"
        node1 = net.sp(store=SQLiteStore(path))
        node2 = net.sp(store=SQLiteStore(path))
        s = Scenario(net, messages, t0, sp=node1)
        built = s.build()
        s.submit(built)
        s2 = Scenario(net, messages, t0, sp=node2)
        assert s2.reject(built).reason == "replay"

    @pytest.mark.parametrize(
        "shift,reason",
        [
            (timedelta(minutes=10), "issue_instant_invalid"),
            (timedelta(minutes=-3), "issue_instant_invalid"),
        ],
        ids=["issued-long-ago", "issued-in-future"],
    )
    def test_63_issue_instant(self, s, shift, reason):
        expect(s, reason, consumed=True, now=s.now + shift)

    def test_63_not_on_or_after_past(self, s):
        past = "2000-01-01T00:00:00Z"
        expect(s, "time_expired", consumed=True, edit=_set(_conditions, "NotOnOrAfter", past))

    def test_63_not_before_future(self, s):
        expect(s, "time_not_yet_valid", consumed=True, edit=_set(_conditions, "NotBefore", "2999-01-01T00:00:00Z"))

    def test_63_subject_confirmation_expired(self, s):
        expect(s, "time_expired", consumed=True, edit=_set(_scd, "NotOnOrAfter", "2000-01-01T00:00:00Z"))

    def test_63_skew_is_tolerated(self, s):
        """[pos] Two minutes of clock difference either way are accepted (configurable)."""
        assert s.submit(now=s.issued - timedelta(seconds=100)).loa is not None

    def test_63_malformed_time(self, s):
        expect(s, "time_malformed", consumed=True, edit=_set(_conditions, "NotOnOrAfter", "tomorrow"))

    def test_64_subject_confirmation_missing(self, s):
        expect(
            s,
            "subject_confirmation_invalid",
            consumed=True,
            edit=lambda r: remove(A(r).find(f"{q(SAML, 'Subject')}/{q(SAML, 'SubjectConfirmation')}")),
        )

    @pytest.mark.parametrize(
        "method", ["urn:oasis:names:tc:SAML:2.0:cm:holder-of-key", "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"]
    )
    def test_64_confirmation_method(self, s, method):
        expect(
            s, "subject_confirmation_invalid", consumed=True, edit=_set(lambda r: _scd(r).getparent(), "Method", method)
        )

    @pytest.mark.parametrize("which", ["response", "assertion", "artifact"])
    def test_65_issuer_not_the_broker(self, s, which):
        other = "urn:etoegang:HM:00000001111111110000:entities:1"
        getters = {"response": response_of, "assertion": A, "artifact": lambda r: r}
        expect(
            s,
            "issuer_mismatch",
            consumed=False,
            edit=_text_of(lambda r: getters[which](r).find(q(SAML, "Issuer")), other),
        )

    def test_65_issuer_with_format(self, s):
        expect(
            s,
            "issuer_malformed",
            consumed=False,
            edit=_set(lambda r: A(r).find(q(SAML, "Issuer")), "Format", c.NAMEID_TRANSIENT),
        )

    def _status(self, top, sub=None, message=None):
        def edit(root):
            status = response_of(root).find(q(SAMLP, "Status"))
            code = status.find(q(SAMLP, "StatusCode"))
            code.set("Value", top)
            if sub:
                etree.SubElement(code, q(SAMLP, "StatusCode"), Value=sub)
            if message:
                etree.SubElement(status, q(SAMLP, "StatusMessage")).text = message

        return edit

    def test_66_cancel(self, s):
        exc = expect(
            s, "cancelled", consumed=True, edit=self._status(c.STATUS_RESPONDER, c.STATUS_AUTHN_FAILED, "Geannuleerd")
        )
        assert isinstance(exc, LoginCancelled)
        assert exc.relay_target == "/aanvraag/42"
        assert exc.status.message == "Geannuleerd"

    def test_66_cancel_without_assertion(self, s):
        def cancel(root):
            self._status(c.STATUS_RESPONDER, c.STATUS_AUTHN_FAILED)(root)
            remove(A(root))

        assert isinstance(expect(s, "cancelled", consumed=True, edit=cancel, encrypt=False), LoginCancelled)

    def test_66_request_unsupported(self, s):
        exc = expect(
            s, "request_unsupported", consumed=True, edit=self._status(c.STATUS_REQUESTER, c.STATUS_REQUEST_UNSUPPORTED)
        )
        assert isinstance(exc, LoginFailed)

    @pytest.mark.parametrize(
        "top,sub",
        [
            (c.STATUS_REQUESTER, c.STATUS_AUTHN_FAILED),
            (c.STATUS_RESPONDER, None),
            (c.STATUS_REQUESTER, c.STATUS_NO_AUTHN_CONTEXT),
        ],
    )
    def test_66_other_failures_with_a_signed_assertion(self, s, top, sub):
        assert isinstance(expect(s, "login_failed", consumed=True, edit=self._status(top, sub)), LoginFailed)

    @pytest.mark.parametrize("which", ["response", "assertion"])
    def test_67_version(self, s, which):
        getter = response_of if which == "response" else A
        expect(s, "version_unsupported", consumed=False, edit=_set(getter, "Version", "1.1"))

    def test_67_two_authn_statements(self, s):
        expect(s, "statement_invalid", consumed=True, edit=lambda r: _authn(r).addnext(copy.deepcopy(_authn(r))))

    def test_67_no_authn_statement(self, s):
        expect(s, "statement_invalid", consumed=True, edit=lambda r: remove(_authn(r)))

    def test_67_no_attribute_statement(self, s):
        expect(s, "statement_invalid", consumed=True, encrypt=False, edit=lambda r: remove(attribute_statement(r)))

    def test_67_foreign_statement_at_top_level(self, s):
        def xacml(root):
            mr = assertion_child(root, "Advice").findall(q(SAML, "Assertion"))[1]
            statement = mr.find(q(SAML, "Statement"))
            _authn(root).addprevious(copy.deepcopy(statement))

        expect(s, "statement_invalid", consumed=True, edit=xacml)

    @pytest.mark.parametrize("level", ["loa2plus", "loa2"])
    def test_68_loa_downgrade(self, s, level):
        expect(
            s,
            "loa_too_low",
            consumed=True,
            edit=_text_of(
                lambda r: _authn(r).find(f".//{q(SAML, 'AuthnContextClassRef')}"),
                f"urn:etoegang:core:assurance-class:{level}",
            ),
        )

    @pytest.mark.parametrize(
        "urn,reason",
        [
            ("urn:etoegang:core:assurance-class:loa1", "loa_eh1_refused"),
            ("http://eidas.europa.eu/LoA/high", "loa_invalid"),
        ],
    )
    def test_68_unknown_or_retired_level(self, s, urn, reason):
        expect(
            s,
            reason,
            consumed=True,
            edit=_text_of(lambda r: _authn(r).find(f".//{q(SAML, 'AuthnContextClassRef')}"), urn),
        )

    def test_68_higher_level_accepted(self, s):
        """[pos] Comparison "minimum": EH4 for an EH3 service is fine."""

        def eh4(root):
            _authn(root).find(f".//{q(SAML, 'AuthnContextClassRef')}").text = "urn:etoegang:core:assurance-class:loa4"

        assert s.submit(edit=eh4).loa.label == "EH4"

    def test_68_authn_before_request_is_a_reused_session(self, s):
        expect(s, "authn_instant_stale", consumed=True, edit=_set(_authn, "AuthnInstant", "2000-01-01T00:00:00Z"))

    def test_69_proxy_restriction(self, s):
        def proxy(root):
            pr = etree.SubElement(_conditions(root), q(SAML, "ProxyRestriction"))
            etree.SubElement(pr, q(SAML, "Audience")).text = n.DV_ENTITY

        expect(s, "condition_unsupported", consumed=True, edit=proxy)

    def test_69_unknown_condition_type(self, s):
        def custom(root):
            cond = etree.SubElement(_conditions(root), q(SAML, "Condition"))
            cond.set(q(XSI, "type"), "ext:Anything")

        expect(s, "condition_unsupported", consumed=True, edit=custom)

    def test_69_one_time_use_is_supported(self, s):
        """[pos] OneTimeUse is enforced anyway (replay cache), so it is accepted."""
        assert s.submit(edit=lambda r: etree.SubElement(_conditions(r), q(SAML, "OneTimeUse"))) is not None

    def test_70_service_id_of_another_service(self, s):
        expect(s, "service_id_mismatch", consumed=True, service_id=n.OTHER_SERVICE_ID)

    def test_70_service_uuid_of_another_service(self, s):
        expect(s, "service_uuid_mismatch", consumed=True, service_uuid=n.OTHER_SERVICE_UUID)

    def test_70_instance_uuid_accepted(self, s):
        """[pos] Sources differ on which UUID brokers send; both of this service's are accepted."""
        assert s.submit(service_uuid=n.SERVICE_INSTANCE_UUID).service_uuid == n.SERVICE_INSTANCE_UUID

    def test_70_service_id_missing(self, s):
        expect(s, "attribute_missing", consumed=True, edit=lambda r: remove(attribute(r, urns.SERVICE_ID)))

    @pytest.mark.parametrize("variant", ["same-name", "other-name-format", "alias"])
    def test_71_duplicate_attributes(self, s, variant):
        def dup(root):
            if variant == "alias":
                add_attribute(root, "urn:etoegang:1.9:IntermediateEntityID:KvKnr", "12345678")
                add_attribute(root, "urn:etoegang:1.13:IntermediateEntityID:KvK", "87654321")
                return
            twin = copy.deepcopy(attribute(root, urns.VESTIGINGSNR))
            twin.find(q(SAML, "AttributeValue")).text = "000099999999"
            if variant == "other-name-format":
                twin.set("NameFormat", c.ATTRNAME_URI)
            attribute(root, urns.VESTIGINGSNR).addnext(twin)

        expect(s, "attribute_duplicate", consumed=True, edit=dup)

    def test_71_multivalued_identifier(self, s):
        def two(root):
            attr = attribute(root, urns.LEGAL_SUBJECT_ID)
            attr.append(copy.deepcopy(attr.find(q(SAML, "AttributeValue"))))

        expect(s, "attribute_multivalued", consumed=True, edit=two, encrypt=False)

    def test_71_attribute_named_like_an_internal_key(self, s):
        # The SP files identifier attributes under "type:<kind>"; a broker-sent Name of that
        # form must be refused as a typed rejection, not reach the identifier reader.
        expect(
            s,
            "attribute_value_invalid",
            consumed=True,
            edit=lambda root: add_attribute(root, "type:KVK", "12345678"),
            encrypt=False,
        )

    @pytest.mark.parametrize(
        "target",
        [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "javascript:alert(1)",
            "/a b",
            "/caf\u00e9",
            "x" * 10,
        ],
    )
    def test_72_relay_target_must_be_a_local_path(self, s, target):
        from ehkit.errors import ValidationError

        with pytest.raises(ValidationError) as info:
            s.sp.start_login("vergunning", relay_state=target, now=s.t0)
        assert info.value.reason == "relay_target_invalid"

    @pytest.mark.parametrize("relay", [None, "0" + "A" * 22, "x" * 81], ids=["missing", "tampered", "oversized"])
    def test_72_relay_state_must_come_back_unchanged(self, s, relay):
        exc = expect(s, "relay_state_invalid", consumed=True, relay_state=relay)
        assert exc.relay_target is None  # a rejected RelayState never yields the target

    def test_72_relay_state_fits_80_bytes_and_hides_the_target(self, s):
        assert len(s.start.relay_state.encode()) <= 80
        assert "aanvraag" not in s.start.relay_state
        assert s.submit().relay_state == "/aanvraag/42"


# ====================================================================== G. XML Encryption


def _legal_encrypted(root):
    return attribute(root, urns.LEGAL_SUBJECT_ID).find(f"{q(SAML, 'AttributeValue')}/{q(SAML, 'EncryptedID')}")


def _our_key(root):
    """Our EncryptedKey in the LegalSubjectID (the second one)."""
    return _legal_encrypted(root).findall(q(XENC, "EncryptedKey"))[1]


def _cipher_value(el):
    return el.find(f"{q(XENC, 'CipherData')}/{q(XENC, 'CipherValue')}")


def _flip_b64(el, offset):
    raw = bytearray(base64.b64decode(el.text))
    raw[offset] ^= 0x01
    el.text = base64.b64encode(bytes(raw)).decode()


class TestG_Encryption:
    def test_73_rsa_1_5_refused_before_any_rsa_operation(self, s):
        def pkcs1(root):
            for ek in _legal_encrypted(root).findall(q(XENC, "EncryptedKey")):
                ek.find(q(XENC, "EncryptionMethod")).set("Algorithm", alg.RSA_1_5)

        expect(s, "encryption_algorithm", consumed=True, edit=pkcs1)

    def test_74_cbc_when_policy_is_gcm(self, net, messages, t0):
        s = Scenario(net, messages, t0, allowed_data_algorithms=("aes256-gcm",))
        expect(s, "encryption_algorithm", consumed=True)

    def test_74_gcm_accepted_when_allowed(self, net, messages, t0):
        """[pos]"""
        s = Scenario(net, messages, t0, allowed_data_algorithms=("aes256-gcm",))
        assert s.submit(encrypt_data_algorithm="aes256-gcm").legal_subject.value == VALID_KVK

    @pytest.mark.parametrize("where", ["last-block", "iv"])
    def test_75_padding_oracle_probe_gets_the_generic_error(self, s, where):
        def flip(root):
            cv = _cipher_value(_legal_encrypted(root).find(q(XENC, "EncryptedData")))
            size = len(base64.b64decode(cv.text))
            _flip_b64(cv, size - 1 if where == "last-block" else 3)

        exc = s.reject(edit=flip)
        assert exc.reason == "decryption_failed"
        assert exc.message.endswith("the encrypted identifier could not be decrypted")
        assert not s.pending_intact()

    @pytest.mark.parametrize("change", ["tag", "truncated-tag"])
    def test_76_gcm_tag_tampering(self, net, messages, t0, change):
        s = Scenario(net, messages, t0)

        def tamper(root):
            cv = _cipher_value(_legal_encrypted(root).find(q(XENC, "EncryptedData")))
            raw = base64.b64decode(cv.text)
            raw = raw[:-1] + bytes([raw[-1] ^ 1]) if change == "tag" else raw[:-4]
            cv.text = base64.b64encode(raw).decode()

        assert s.reject(encrypt_data_algorithm="aes256-gcm", edit=tamper).reason == "decryption_failed"

    def test_77_wrong_session_key_length(self, s):
        def declare_256(root):
            _legal_encrypted(root).find(f"{q(XENC, 'EncryptedData')}/{q(XENC, 'EncryptionMethod')}").set(
                "Algorithm", alg.AES256_GCM
            )

        assert s.reject(encrypt_data_algorithm="aes128-gcm", edit=declare_256).reason == "decryption_failed"

    def test_78_ciphertext_swapped_after_signing(self, net, s):
        """An EncryptedID taken from elsewhere, outside the signature: caught by the digest, nothing decrypted."""

        def swap(root):
            nid = etree.fromstring(
                f'<saml2:NameID xmlns:saml2="{SAML}" NameQualifier="urn:etoegang:1.9:EntityConcernedID:KvKnr">11111111</saml2:NameID>'
            )
            old = _legal_encrypted(root)
            old.getparent().replace(
                old, encrypted_id(nid, [EncryptionRecipient(net.dv.public_key, n.DV_ENTITY, net.dv.key_name)])
            )

        expect(s, "signature_digest", consumed=False, after_sign=swap)

    @pytest.mark.parametrize(
        "plaintext,reason",
        [
            (
                b'<!DOCTYPE x [<!ENTITY e "1">]><saml2:NameID xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">&e;</saml2:NameID>',
                "decryption_failed",
            ),
            (
                b'<saml2:NameID xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">1</saml2:NameID><x/>',
                "decryption_failed",
            ),
            (
                b'<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0"/>',
                "nameid_invalid",
            ),
            (
                b'<saml2:NameID xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" NameQualifier="urn:etoegang:1.9:EntityConcernedID:KvKnr">1<x/></saml2:NameID>',
                "nameid_invalid",
            ),
        ],
        ids=["doctype", "two-elements", "assertion", "child-element"],
    )
    def test_79_hostile_plaintext(self, net, s, plaintext, reason):
        from ehkit.xml.encryption import encrypt_element

        def hostile(root):
            parts = encrypt_element(plaintext, [EncryptionRecipient(net.dv.public_key, n.DV_ENTITY, net.dv.key_name)])
            inner = "".join(etree.tostring(p, encoding="unicode") for p in parts)
            old = _legal_encrypted(root)
            old.getparent().replace(
                old, etree.fromstring(f'<saml2:EncryptedID xmlns:saml2="{SAML}">{inner}</saml2:EncryptedID>')
            )

        assert s.reject(edit=hostile).reason == reason

    def test_80_ours_is_the_second_recipient(self, s):
        """[pos] The default fixture puts another reader's EncryptedKey first."""
        result = s.submit()
        assert s.private_ops == 2  # one RSA operation per identifier: never tried on the other reader's key
        assert result.acting_subject.type.name == "PSEUDO"

    def test_80_no_key_for_us(self, net, s):
        others = [EncryptionRecipient(net.other.public_key, n.MR_ENTITY, net.other.key_name)]
        expect(s, "encryption_no_key_for_us", consumed=True, recipients=others)

    def test_81_external_retrieval_method(self, s):
        def external(root):
            rm = _legal_encrypted(root).find(
                f"{q(XENC, 'EncryptedData')}/{q(DS, 'KeyInfo')}/{q(DS, 'RetrievalMethod')}"
            )
            rm.set("URI", "http://127.0.0.1:9/key")

        expect(s, "encryption_external_reference", consumed=True, edit=external)

    def test_81_key_name_of_a_key_we_do_not_own(self, net, s):
        anonymous = [EncryptionRecipient(net.other.public_key, None, net.other.key_name)]
        expect(s, "encryption_no_key_for_us", consumed=True, recipients=anonymous)

    def test_82_plaintext_relying_on_outer_namespaces(self, net, s):
        """Decided: encrypted content must declare its own namespaces (afsprakenstelsel); else refused."""
        from ehkit.xml.encryption import encrypt_element

        def undeclared(root):
            parts = encrypt_element(
                b"<saml2:NameID>69599084</saml2:NameID>",
                [EncryptionRecipient(net.dv.public_key, n.DV_ENTITY, net.dv.key_name)],
            )
            inner = "".join(etree.tostring(p, encoding="unicode") for p in parts)
            old = _legal_encrypted(root)
            old.getparent().replace(
                old, etree.fromstring(f'<saml2:EncryptedID xmlns:saml2="{SAML}">{inner}</saml2:EncryptedID>')
            )

        assert s.reject(edit=undeclared).reason == "decryption_failed"


# ====================================================================== H. resource exhaustion


class TestH_ResourceExhaustion:
    def test_83_many_encrypted_ids_in_a_signed_message(self, net, s):
        def many(root):
            nid = etree.fromstring(
                f'<saml2:NameID xmlns:saml2="{SAML}" NameQualifier="urn:etoegang:1.9:EntityConcernedID:KvKnr">1</saml2:NameID>'
            )
            enc = encrypted_id(nid, [EncryptionRecipient(net.dv.public_key, n.DV_ENTITY, net.dv.key_name)])
            attr = etree.SubElement(
                attribute_statement(root), q(SAML, "Attribute"), Name="urn:etoegang:1.9:attribute:FirstName"
            )
            for i in range(11):
                value = etree.SubElement(attr, q(SAML, "AttributeValue"))
                copy_ = copy.deepcopy(enc)
                for el in copy_.iter():
                    if el.get("Id"):
                        el.set("Id", f"{el.get('Id')}{i}")
                    if el.get("URI"):
                        el.set("URI", f"{el.get('URI')}{i}")
                value.append(copy_)

        expect(s, "encrypted_id_limit", consumed=True, edit=many)

    def test_83_many_encrypted_ids_unsigned(self, s):
        blob = (
            '<saml2:EncryptedID><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml2:EncryptedID>'
            * 10_000
        )
        xml = s.build(sign=()).xml.replace(
            b"<saml2:AttributeStatement>", b"<saml2:AttributeStatement>" + blob.encode(), 1
        )
        exc = s.reject(xml)
        assert exc.reason in ("xml_too_large", "xml_too_many_elements")
        assert s.private_ops == 0

    def test_83_encrypted_keys_per_identifier_capped(self, net, s):
        recipients = [
            EncryptionRecipient(net.other.public_key, f"urn:etoegang:MR:{n.OTHER_OIN}:entities:{i}", net.other.key_name)
            for i in range(9)
        ]
        recipients.append(EncryptionRecipient(net.dv.public_key, n.DV_ENTITY, net.dv.key_name))
        expect(s, "encrypted_key_limit", consumed=True, recipients=recipients)

    @pytest.mark.parametrize("count,reason", [(1000, "signature_multiple"), (2000, "xml_too_many_elements")])
    def test_84_many_signatures(self, s, count, reason):
        signature = b"<ds:Signature><ds:SignedInfo/><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>"
        xml = s.build().xml.replace(
            b"<saml2p:ArtifactResponse ", b'<saml2p:ArtifactResponse xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ', 1
        )
        xml = xml.replace(b"</saml2p:ArtifactResponse>", signature * count + b"</saml2p:ArtifactResponse>")
        expect_raw(s, xml, reason)

    def test_84_two_signatures_on_one_element(self, s):
        def twice(root):
            a = A(root)
            sig(a).addnext(copy.deepcopy(sig(a)))

        expect(s, "signature_multiple", consumed=False, after_layer={"assertion": twice})

    def test_85_huge_cipher_value(self, s):
        xml = s.build().xml.replace(b"<xenc:CipherValue>", b"<xenc:CipherValue>" + b"A" * (300 * 1024), 1)
        expect_raw(s, xml, "xml_too_large")

    def test_86_huge_embedded_key_is_never_used(self, net, s):
        def huge(root):
            ki = sig(A(root)).find(q(DS, "KeyInfo"))
            xd = etree.SubElement(ki, q(DS, "X509Data"))
            etree.SubElement(xd, q(DS, "X509Certificate")).text = base64.b64encode(b"\x30" * 3000).decode()

        expect(
            s,
            "signature_untrusted",
            consumed=False,
            signers={"assertion": net.attacker},
            after_layer={"assertion": huge},
        )


# ====================================================================== I. metadata (the trust anchor)


class TestI_Metadata:
    def cache(self, net, tmp_path, xml: bytes):
        from ehkit.sp.metadata_cache import MetadataCache, PinnedTrust

        path = tmp_path / "hm.xml"
        path.write_bytes(xml)
        return path, MetadataCache(entity_id=n.HM_ENTITY, trust=PinnedTrust((net.hm.certificate,)), file=path)

    @pytest.mark.parametrize(
        "variant,reason",
        [("unsigned", "metadata_unsigned"), ("attacker", "metadata_signature"), ("wrapped", "metadata_signature")],
    )
    def test_87_bad_metadata_refused_and_last_good_kept(self, net, tmp_path, caplog, variant, reason):
        from support.metadata import build_metadata

        good = build_metadata(signer=net.hm, signing_keys=[net.hm])
        path, cache = self.cache(net, tmp_path, good)
        first = cache.get()
        bad = build_metadata(
            signer=None if variant == "unsigned" else (net.attacker if variant == "attacker" else net.hm),
            signing_keys=[net.attacker],
            extra_entity=variant == "wrapped",
        )
        path.write_bytes(bad)
        with caplog.at_level("WARNING", logger="ehkit.sp.metadata"):
            assert cache.refresh() is False
        assert cache.last_error.reason == reason
        assert cache.get() is first
        assert "keeping the last good copy" in caplog.text

    def test_87_second_broker_entity_appended(self, net, tmp_path):
        """Signed metadata plus an appended EntityDescriptor for the same broker with the attacker's key."""
        from ehkit.saml.metadata import MetadataError
        from support.metadata import build_metadata

        good = build_metadata(signer=net.hm, signing_keys=[net.hm])
        evil_entity = build_metadata(signer=None, signing_keys=[net.attacker]).decode()
        evil_entity = evil_entity[
            evil_entity.index("<md:EntityDescriptor") : evil_entity.index("</md:EntitiesDescriptor>")
        ]
        wrapped = good.replace(b"</md:EntitiesDescriptor>", evil_entity.encode() + b"</md:EntitiesDescriptor>")
        _, cache = self.cache(net, tmp_path, good)
        with pytest.raises(MetadataError) as info:
            cache.load(wrapped)
        assert info.value.reason == "metadata_entity"

    def test_88_expired_metadata_refused(self, net, tmp_path, t0):
        from ehkit.saml.metadata import MetadataError
        from support.metadata import build_metadata

        xml = build_metadata(signer=net.hm, signing_keys=[net.hm], valid_until=t0 - timedelta(hours=1))
        _, cache = self.cache(net, tmp_path, xml)
        with pytest.raises(MetadataError) as info:
            cache.get(now=t0)
        assert info.value.reason == "metadata_expired"

    def test_88_cached_copy_expires_and_login_stops(self, net, messages, tmp_path, t0):
        from support.metadata import build_metadata

        xml = build_metadata(signer=net.hm, signing_keys=[net.hm], valid_until=t0 + timedelta(minutes=10))
        _, cache = self.cache(net, tmp_path, xml)
        cache.get(now=t0)
        s = Scenario(net, messages, t0, metadata=cache)
        exc = s.reject(now=t0 + timedelta(minutes=11))
        assert exc.reason == "metadata_expired"
