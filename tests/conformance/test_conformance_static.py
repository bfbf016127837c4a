"""Static checks: one passing and one failing example each, from the demo DV's real documents.

The passing examples are the documents ehkit builds for the demo DV; each
failing one changes exactly what the check is about. The document rules
themselves are ehkit.catalogue's (tested in tests/catalogue); here the point
is the mapping: a finding becomes a failed check with its evidence, the
severity follows the chosen broker profiles, and a rule that could not be
checked is not reported as passed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conformance_harness import publish
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from ehkit.catalogue import REGISTRY
from ehkit.catalogue.ns import md
from ehkit.conformance import CHECKS, Category, CheckResult, Severity, Status
from ehkit.conformance.static import Source, read_source, static_results
from ehkit.errors import ConfigError
from ehkit.pki import TestCA, key_name_sha256
from ehkit.xml.ns import DS

NOW = datetime.now(UTC)


@dataclass
class Docs:
    metadata: bytes  # the eHerkenning group
    eidas: bytes
    catalogue: bytes
    ca: TestCA
    oin: str


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Docs:
    from ehkit.config import load_config
    from ehkit.demo.setup import DEMO_OIN, prepare

    root = tmp_path_factory.mktemp("static")
    paths = prepare(root, portal_port=1, broker_port=2)
    files, catalogue = publish(load_config(paths.config), root)
    by_name = {f.name: f.read_bytes() for f in files}
    return Docs(
        by_name["metadata-eherkenning.xml"],
        by_name["metadata-eidas.xml"],
        catalogue.read_bytes(),
        TestCA.load(root / "dv-ca"),
        DEMO_OIN,
    )


def check(
    metadata: list[bytes],
    catalogue: bytes | None,
    *,
    profiles: list[str] | None = None,
    trusted_ca: list[Path] | None = None,
) -> dict[str, CheckResult]:
    results = static_results(
        [Source(f"metadata-{i}.xml", m) for i, m in enumerate(metadata)],
        Source("catalogue.xml", catalogue) if catalogue is not None else None,
        profiles=profiles,
        trusted_ca=trusted_ca or [],
        # The time of the check itself: the demo's certificates are issued when the fixture runs,
        # which in a long session is minutes after this module was imported (NOW).
        now=datetime.now(UTC),
        selected=lambda _: True,
    )
    return {r.check.id: r for r in results}


def edit(xml: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    root = etree.fromstring(xml)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def spsso(root: etree._Element) -> etree._Element:
    return root.find(md("SPSSODescriptor"))


def set_certificate(root: etree._Element, cert: x509.Certificate) -> None:
    for kd in root.iter(md("KeyDescriptor")):
        kd.find(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate").text = base64.b64encode(
            cert.public_bytes(serialization.Encoding.DER)
        ).decode()
        kd.find(f"{{{DS}}}KeyInfo/{{{DS}}}KeyName").text = key_name_sha256(cert)


def add_certificate(root: etree._Element, cert: x509.Certificate, use: str | None = None) -> None:
    """A second KeyDescriptor (the next certificate) after the first one of each holder."""
    for first in list(root.iter(md("KeyDescriptor"))):
        new = etree.fromstring(etree.tostring(first))
        if use is not None:
            new.set("use", use)
        first.addnext(new)
        new.find(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate").text = base64.b64encode(
            cert.public_bytes(serialization.Encoding.DER)
        ).decode()
        new.find(f"{{{DS}}}KeyInfo/{{{DS}}}KeyName").text = key_name_sha256(cert)


def self_signed(oin: str) -> x509.Certificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, oin), x509.NameAttribute(NameOID.COMMON_NAME, "self")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


# ---------------------------------------------------------------- the passing examples


def test_the_demo_documents_pass_every_mandatory_static_check(docs: Docs) -> None:
    results = check([docs.metadata, docs.eidas], docs.catalogue)
    assert {r.check.id for r in results.values()} >= {r.id for r in REGISTRY.all_rules()}
    mandatory = {
        k: r.summary for k, r in results.items() if r.status is Status.FAILED and r.severity is Severity.MANDATORY
    }
    assert mandatory == {}
    assert results["CERT-CHAIN"].status is Status.SKIPPED
    assert results["META-SIGNATURE-VALID"].status is Status.PASSED
    assert results["CAT-SIGNATURE-VALID"].status is Status.PASSED
    assert results["CERT-ROLLOVER"].summary.startswith("no rollover pending")


def test_every_catalogue_rule_is_a_check_with_its_source() -> None:
    for rule in REGISTRY.all_rules():
        c = CHECKS[rule.id]
        assert c.category in (Category.METADATA, Category.CATALOGUE)
        assert c.source == rule.source and c.fix
        assert c.severity is (Severity.MANDATORY if rule.severity.value == "error" else Severity.RECOMMENDED)


# ---------------------------------------------------------------- rejections brokers are known to give


def test_nameidformat_in_metadata(docs: Docs) -> None:
    def change(root: etree._Element) -> None:
        etree.SubElement(spsso(root), md("NameIDFormat")).text = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"

    bad = check([edit(docs.metadata, change)], None)
    assert bad["META-NAMEIDFORMAT"].status is Status.FAILED
    assert bad["META-NAMEIDFORMAT"].summary.startswith("remove NameIDFormat")
    assert bad["META-NAMEIDFORMAT"].evidence[0].label.startswith("metadata-0.xml /")
    assert check([docs.metadata], None)["META-NAMEIDFORMAT"].status is Status.PASSED


def test_use_attribute_on_the_key_descriptor(docs: Docs) -> None:
    bad = check([edit(docs.metadata, lambda r: spsso(r).find(md("KeyDescriptor")).set("use", "signing"))], None)
    assert bad["META-KEYDESCRIPTOR-USE"].status is Status.FAILED
    assert bad["META-KEYDESCRIPTOR-USE"].severity is Severity.MANDATORY
    assert check([docs.metadata], None)["META-KEYDESCRIPTOR-USE"].status is Status.PASSED


def test_identifier_as_requested_attribute(docs: Docs) -> None:
    def change(root: etree._Element) -> None:
        acs = spsso(root).find(md("AttributeConsumingService"))
        etree.SubElement(acs, md("RequestedAttribute"), Name="urn:etoegang:1.9:EntityConcernedID:KvKnr")

    assert check([edit(docs.metadata, change)], None)["META-IDENTIFYING-ATTR"].status is Status.FAILED
    assert check([docs.metadata], None)["META-IDENTIFYING-ATTR"].status is Status.PASSED


def test_missing_or_too_low_level_in_the_catalogue(docs: Docs) -> None:
    esc_loa = "{urn:oasis:names:tc:SAML:2.0:assertion}AuthnContextClassRef"

    def loa1(root: etree._Element) -> None:
        next(root.iter(esc_loa)).text = "urn:etoegang:core:assurance-class:loa1"

    def none(root: etree._Element) -> None:
        el = next(root.iter(esc_loa))
        el.getparent().remove(el)

    assert check([docs.metadata], edit(docs.catalogue, loa1))["CAT-LOA1"].status is Status.FAILED
    assert check([docs.metadata], edit(docs.catalogue, none))["CAT-XSD"].status is Status.FAILED
    good = check([docs.metadata], docs.catalogue)
    assert good["CAT-LOA1"].status is Status.PASSED and good["CAT-LOA"].status is Status.PASSED


def test_combined_eherkenning_and_eidas_metadata_for_kpn(docs: Docs) -> None:
    def combine(root: etree._Element) -> None:
        eidas = etree.fromstring(docs.eidas).find(md("SPSSODescriptor")).find(md("AttributeConsumingService"))
        eidas.set("isDefault", "false")
        spsso(root).append(eidas)

    combined = edit(docs.metadata, combine)
    recommended = check([combined], docs.catalogue)["KPN-SPLIT-METADATA"]
    assert recommended.status is Status.FAILED and recommended.severity is Severity.RECOMMENDED
    chosen = check([combined], docs.catalogue, profiles=["kpn"])
    assert chosen["KPN-SPLIT-METADATA"].severity is Severity.MANDATORY
    assert chosen["SIGNICAT-SETNUMBER"].status is Status.SKIPPED  # another broker's profile
    assert (
        check([docs.metadata, docs.eidas], docs.catalogue, profiles=["kpn"])["KPN-SPLIT-METADATA"].status
        is Status.PASSED
    )
    assert check([combined], None)["KPN-SPLIT-METADATA"].status is Status.SKIPPED  # needs the catalogue


# ---------------------------------------------------------------- signatures


def test_empty_signature_value_is_reported_as_such(docs: Docs) -> None:
    def empty(root: etree._Element) -> None:
        root.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue").text = ""

    result = check([edit(docs.metadata, empty)], None)["META-SIGNATURE-VALID"]
    assert result.status is Status.FAILED
    assert "signature does not verify" in result.summary and "SignatureValue" in result.summary


def test_changed_content_breaks_the_signature(docs: Docs) -> None:
    def change(root: etree._Element) -> None:
        acs = spsso(root).find(md("AssertionConsumerService"))
        acs.set("Location", acs.get("Location") + "/elders")

    result = check([edit(docs.metadata, change)], None)["META-SIGNATURE-VALID"]
    assert result.status is Status.FAILED and "signature_digest" in result.summary
    bad_catalogue = docs.catalogue.replace(b"Omgevingsvergunning", b"Omgevingsvergunninq", 1)
    assert check([docs.metadata], bad_catalogue)["CAT-SIGNATURE-VALID"].status is Status.FAILED


def test_unsigned_metadata(docs: Docs) -> None:
    def strip(root: etree._Element) -> None:
        root.remove(root.find(f"{{{DS}}}Signature"))

    results = check([edit(docs.metadata, strip)], None)
    assert results["META-SIGNATURE"].status is Status.FAILED
    assert results["META-SIGNATURE-VALID"].status is Status.SKIPPED
    assert "not signed" in results["META-SIGNATURE-VALID"].summary


def test_unreadable_documents_fail_their_xsd_check_and_nothing_passes_unseen(docs: Docs) -> None:
    results = check([b"<md:EntityDescriptor"], b"not xml at all")
    assert results["META-XSD"].status is Status.FAILED and "not readable XML" in results["META-XSD"].summary
    assert results["CAT-XSD"].status is Status.FAILED
    assert results["META-NAMEIDFORMAT"].status is Status.SKIPPED
    assert results["CAT-LOA1"].status is Status.SKIPPED
    assert {r.status for k, r in results.items() if k.startswith("CERT-")} == {Status.FAILED}


def test_no_catalogue(docs: Docs) -> None:
    results = check([docs.metadata], None)
    assert results["CAT-XSD"].status is Status.SKIPPED and results["CAT-XSD"].summary == "no service catalogue given"


# ---------------------------------------------------------------- certificates


def test_cert_pkio_shape(docs: Docs) -> None:
    bad = check([edit(docs.metadata, lambda r: set_certificate(r, self_signed(docs.oin)))], None)["CERT-PKIO-SHAPE"]
    assert bad.status is Status.FAILED and "self-signed" in bad.summary
    assert check([docs.metadata], docs.catalogue)["CERT-PKIO-SHAPE"].status is Status.PASSED


def test_cert_oin(docs: Docs) -> None:
    other = docs.ca.issue("00000009999999999999", "DV").certificate
    bad = check([edit(docs.metadata, lambda r: set_certificate(r, other))], None)["CERT-OIN"]
    assert bad.status is Status.FAILED and f"expected {docs.oin}" in bad.summary
    assert check([docs.metadata], docs.catalogue)["CERT-OIN"].status is Status.PASSED


def test_cert_valid(docs: Docs) -> None:
    expired = docs.ca.issue(docs.oin, "DV", days=1, not_before=NOW - timedelta(days=10)).certificate
    bad = check([edit(docs.metadata, lambda r: set_certificate(r, expired))], None)["CERT-VALID"]
    assert bad.status is Status.FAILED and "expired on" in bad.summary
    assert check([docs.metadata], docs.catalogue)["CERT-VALID"].status is Status.PASSED


def test_cert_chain(docs: Docs, tmp_path: Path) -> None:
    own = tmp_path / "dv-ca.pem"
    own.write_bytes(
        docs.ca.root.public_bytes(serialization.Encoding.PEM)
        + docs.ca.intermediate.public_bytes(serialization.Encoding.PEM)
    )
    other = tmp_path / "other.pem"
    other.write_bytes(TestCA.create("Not the DV's CA").root.public_bytes(serialization.Encoding.PEM))
    assert check([docs.metadata], docs.catalogue, trusted_ca=[own])["CERT-CHAIN"].status is Status.PASSED
    bad = check([docs.metadata], docs.catalogue, trusted_ca=[other])["CERT-CHAIN"]
    assert bad.status is Status.FAILED and "certificate_untrusted" in bad.summary


def test_cert_rollover(docs: Docs) -> None:
    soon = docs.ca.issue(docs.oin, "DV", days=30, not_before=NOW - timedelta(days=10)).certificate
    both = lambda r: set_certificate(r, soon)  # noqa: E731
    lonely = check([edit(docs.metadata, both)], edit(docs.catalogue, both))["CERT-ROLLOVER"]
    assert lonely.status is Status.FAILED and "no next certificate is published" in lonely.summary

    nxt = docs.ca.issue(docs.oin, "DV", days=365, not_before=NOW + timedelta(days=10)).certificate

    def with_next(root: etree._Element) -> None:
        set_certificate(root, soon)
        add_certificate(root, nxt)

    def with_next_encryption(root: etree._Element) -> None:
        set_certificate(root, soon)
        add_certificate(root, nxt, use="encryption")

    half = check([edit(docs.metadata, with_next)], edit(docs.catalogue, both))["CERT-ROLLOVER"]
    assert half.status is Status.FAILED and "not published in the catalogue" in half.summary
    ready = check([edit(docs.metadata, with_next)], edit(docs.catalogue, with_next_encryption))["CERT-ROLLOVER"]
    assert ready.status is Status.PASSED and ready.summary.startswith("rollover prepared")


def test_read_source_names_what_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        read_source(str(tmp_path / "missing.xml"), what="SP metadata")
    assert err.value.reason == "dv_source_unreadable" and "missing.xml" in err.value.message
    with pytest.raises(ConfigError) as err:
        read_source("http://127.0.0.1:9/metadata.xml", what="service catalogue", timeout=2)
    assert err.value.reason == "dv_source_unreachable" and "service catalogue" in err.value.message
