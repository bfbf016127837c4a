"""The built catalogue: XSD-valid, every field present in schema order, correctly signed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from ehkit.catalogue import build_catalogue
from ehkit.catalogue.build import BuildOptions
from ehkit.catalogue.ns import ESC, esc
from ehkit.catalogue.schema import CATALOGUE_XSD, validate_xsd
from ehkit.config import EhkitConfig
from ehkit.domain.urns import VESTIGINGSNR
from ehkit.errors import SignatureError
from ehkit.pki import key_name_sha256, load_certificate
from ehkit.xml.ns import DS, MD, SAML
from ehkit.xml.signature import verify_element
from ehkit.xml.trust import TrustSet

NS = {"esc": ESC, "ds": DS, "md": MD, "saml": SAML}


def _root(config, at, **options):
    return etree.fromstring(build_catalogue(config, at=at, options=BuildOptions(**options)))


def test_xsd_valid(fixed_config, golden_at):
    assert validate_xsd(_root(fixed_config, golden_at), CATALOGUE_XSD) == []


def test_example_as_shipped_is_xsd_valid(fresh_config):
    root = _root(fresh_config, datetime.now(UTC))
    assert validate_xsd(root, CATALOGUE_XSD) == []


def test_signature_first_and_verifies(fixed_config, golden_at):
    root = _root(fixed_config, golden_at)
    assert root[0].tag == f"{{{DS}}}Signature"
    cert = load_certificate(fixed_config.keys.signing_cert)
    proof = verify_element(root, TrustSet.from_certificates([cert]))
    assert proof.element is root
    assert root.findtext("ds:Signature/ds:KeyInfo/ds:KeyName", namespaces=NS) == key_name_sha256(cert)
    assert root.find("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NS) is not None
    method = root.find("ds:Signature/ds:SignedInfo/ds:SignatureMethod", namespaces=NS).get("Algorithm")
    assert method.endswith("rsa-sha256")


def test_root_attributes(fixed_config, golden_at):
    root = _root(fixed_config, golden_at)
    assert root.get(esc("Version")) == "urn:etoegang:1.13:service-catalogue:T:1"
    assert root.get(esc("IssueInstant")) == "2026-01-15T10:00:00.000Z"
    assert root.get("ID").startswith("_")


def test_version_styles(fixed_config, golden_at):
    assert (
        _root(fixed_config, golden_at, version_style="sequence", sequence=53).get(esc("Version"))
        == "urn:etoegang:1.13:53"
    )
    assert _root(fixed_config, golden_at, sequence=7).get(esc("Version")).endswith(":T:7")


def test_definition_fields(fixed_config, golden_at):
    root = _root(fixed_config, golden_at)
    provider = root.find("esc:ServiceProvider", namespaces=NS)
    assert provider.get(esc("IsPublic")) == "true"
    assert provider.findtext("esc:ServiceProviderID", namespaces=NS) == "00000001234567890000"
    definitions = provider.findall("esc:ServiceDefinition", namespaces=NS)
    assert len(definitions) == 3
    vergunning = definitions[1]
    assert [etree.QName(c).localname for c in vergunning] == [
        "ServiceUUID",
        "ServiceName",
        "ServiceName",
        "ServiceDescription",
        "ServiceDescription",
        "ServiceDescriptionURL",
        "ServiceDescriptionURL",
        "AuthnContextClassRef",
        "HerkenningsmakelaarId",
        "EntityConcernedTypesAllowed",
        "EntityConcernedTypesAllowed",
        "EntityConcernedTypesAllowed",
        "ServiceRestrictionsAllowed",
        "RequestedAttribute",
    ]
    assert vergunning.findtext("saml:AuthnContextClassRef", namespaces=NS) == "urn:etoegang:core:assurance-class:loa3"
    assert vergunning.findtext("esc:HerkenningsmakelaarId", namespaces=NS) == "00000009876543210000"
    ecta = [(e.get("setNumber"), e.text) for e in vergunning.findall("esc:EntityConcernedTypesAllowed", namespaces=NS)]
    assert ecta == [
        ("1", "urn:etoegang:1.9:EntityConcernedID:KvKnr"),
        ("1", "urn:etoegang:1.9:EntityConcernedID:RSIN"),
        ("2", "urn:etoegang:1.9:EntityConcernedID:KvKnr"),
    ]
    assert vergunning.findtext("esc:ServiceRestrictionsAllowed", namespaces=NS) == VESTIGINGSNR
    attribute = vergunning.find("esc:RequestedAttribute", namespaces=NS)
    assert attribute.get("Name") == "urn:etoegang:1.11:attribute-represented:CompanyName"
    assert attribute.get("isRequired") == "false"
    purposes = {p.get("{http://www.w3.org/XML/1998/namespace}lang") for p in attribute}
    assert purposes == {"nl", "en"}


def test_instance_fields(fixed_config, golden_at):
    root = _root(fixed_config, golden_at)
    instances = root.findall("esc:ServiceProvider/esc:ServiceInstance", namespaces=NS)
    assert [i.findtext("esc:ServiceID", namespaces=NS) for i in instances] == [
        f"urn:etoegang:DV:00000001234567890000:services:{n}" for n in (1, 2, 3)
    ]
    vergunning = fixed_config.service("vergunning")
    inst = instances[1]
    assert [etree.QName(c).localname for c in inst] == [
        "ServiceID",
        "ServiceUUID",
        "InstanceOfService",
        "ServiceURL",
        "ServiceURL",
        "PrivacyPolicyURL",
        "PrivacyPolicyURL",
        "HerkenningsmakelaarId",
        "SSOSupport",
        "ServiceCertificate",
        "ServiceIntermediation",
    ]
    assert inst.findtext("esc:ServiceUUID", namespaces=NS) == str(vergunning.instance_uuid)
    assert inst.findtext("esc:InstanceOfService", namespaces=NS) == str(vergunning.uuid)
    assert inst.findtext("esc:SSOSupport", namespaces=NS) == "false"
    assert inst.find("esc:ServiceIntermediation", namespaces=NS).get("intermediationAllowed") == "noIntermediation"
    kd = inst.find("esc:ServiceCertificate/md:KeyDescriptor", namespaces=NS)
    assert kd.get("use") == "encryption"
    cert = load_certificate(fixed_config.keys.signing_cert)
    assert kd.findtext("ds:KeyInfo/ds:KeyName", namespaces=NS) == key_name_sha256(cert)
    eidas = instances[2]
    assert eidas.findtext("esc:Classifiers/esc:Classifier", namespaces=NS) == "eIDAS-inbound"


BSN_SERVICE = """
[[services]]
key = "eenmanszaak"
index = 4
uuid = "0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a04"
name_nl = "Eenmanszaak"
name_en = "Sole trader"
description_nl = "Dienst voor eenmanszaken."
description_en = "Service for sole traders."
loa = "EH3"
identifier_sets = [["KvKnr", "BSN"], ["KvKnr"]]
bsnk_structure_version = 1
bsnk_recipient_key_set_version = 20220101
acting_subject_types = ["Pseudo"]
intermediation = "requiresApproval"
sso_support = true
is_portal = false
"""


def test_optional_fields(make_config, fixed_text, golden_at):
    config = make_config(
        fixed_text.replace("[dv]\n", '[dv]\nslo_url = "https://dv.example.nl/eherkenning/slo/"\n', 1) + BSN_SERVICE
    )
    root = _root(config, golden_at)
    assert validate_xsd(root, CATALOGUE_XSD) == []
    definition = root.findall("esc:ServiceProvider/esc:ServiceDefinition", namespaces=NS)[3]
    assert definition.get(esc("IsPortal")) == "false"
    assert (
        definition.findtext("esc:ActingSubjectTypesAllowed", namespaces=NS)
        == "urn:etoegang:1.9:EntityConcernedID:Pseudo"
    )
    instance = root.findall("esc:ServiceProvider/esc:ServiceInstance", namespaces=NS)[3]
    assert instance.findtext("esc:BsnkStructureVersion", namespaces=NS) == "1"
    assert instance.findtext("esc:BsnkRecipientKeySetVersion", namespaces=NS) == "20220101"
    assert instance.findtext("esc:SSOSupport", namespaces=NS) == "true"
    assert instance.find("esc:ServiceIntermediation", namespaces=NS).get("intermediationAllowed") == "requiresApproval"
    # No BSNk elements where no BSN or PseudoID is used.
    first = root.findall("esc:ServiceProvider/esc:ServiceInstance", namespaces=NS)[0]
    assert first.find("esc:BsnkStructureVersion", namespaces=NS) is None


def test_rollover_certificates_in_catalogue(rollover_config, golden_at):
    current = load_certificate(rollover_config.keys.signing_cert)
    nxt = load_certificate(rollover_config.keys.next.cert)
    before = _root(rollover_config, golden_at)
    names = [
        k.text for k in before.findall(".//esc:ServiceInstance[1]/esc:ServiceCertificate//ds:KeyName", namespaces=NS)
    ]
    assert names == [key_name_sha256(current), key_name_sha256(nxt)]
    after = _root(rollover_config, rollover_config.keys.activation)
    names = [
        k.text for k in after.findall(".//esc:ServiceInstance[1]/esc:ServiceCertificate//ds:KeyName", namespaces=NS)
    ]
    assert names == [key_name_sha256(nxt)]
    # From the activation on the catalogue is signed with the next key.
    verify_element(after, TrustSet.from_certificates([nxt]))
    with pytest.raises(SignatureError) as refused:
        verify_element(after, TrustSet.from_certificates([current]))
    assert refused.value.reason == "signature_untrusted"


def test_build_writes_atomically(fixed_config, golden_at, tmp_path):
    from ehkit.catalogue.build import write_output

    target = tmp_path / "out.xml"
    write_output(target, build_catalogue(fixed_config, at=golden_at))
    assert etree.fromstring(target.read_bytes()).tag == esc("ServiceCatalogue")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_unsigned_build_is_for_inspection_only(fixed_config, golden_at):
    data = build_catalogue(fixed_config, at=golden_at, sign=False)
    assert b"Signature" not in data
    assert isinstance(fixed_config, EhkitConfig)
