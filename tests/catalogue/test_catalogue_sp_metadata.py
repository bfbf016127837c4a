"""SP metadata per service group: XSD-valid and in the shape brokers accept (AS 1.24a)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from ehkit.catalogue import build_all_sp_metadata, build_sp_metadata
from ehkit.catalogue.ns import ARTIFACT_BINDING, POST_BINDING
from ehkit.catalogue.schema import METADATA_XSD, validate_xsd
from ehkit.errors import ConfigError
from ehkit.pki import key_name_sha256, load_certificate
from ehkit.xml.ns import DS, MD
from ehkit.xml.signature import verify_element
from ehkit.xml.trust import TrustSet

NS = {"md": MD, "ds": DS}


def _root(config, group, at):
    return etree.fromstring(build_sp_metadata(config, group, at))


@pytest.mark.parametrize("group", ["eherkenning", "eidas"])
def test_xsd_valid_and_signed(fixed_config, golden_at, group):
    root = _root(fixed_config, group, golden_at)
    assert validate_xsd(root, METADATA_XSD) == []
    assert root[0].tag == f"{{{DS}}}Signature"
    verify_element(root, TrustSet.from_certificates([load_certificate(fixed_config.keys.signing_cert)]))


def test_groups_split_eidas(fixed_config, golden_at):
    docs = build_all_sp_metadata(fixed_config, golden_at)
    assert set(docs) == {"eherkenning", "eidas"}
    eh = etree.fromstring(docs["eherkenning"])
    eidas = etree.fromstring(docs["eidas"])
    assert eh.get("entityID") == "urn:etoegang:DV:00000001234567890000:entities:0"
    assert eidas.get("entityID") == "urn:etoegang:DV:00000001234567890000:entities:1"
    assert [a.get("index") for a in eh.iterfind(".//md:AttributeConsumingService", NS)] == ["1", "2"]
    assert [a.get("index") for a in eidas.iterfind(".//md:AttributeConsumingService", NS)] == ["3"]


def test_shape_brokers_accept(fixed_config, golden_at):
    root = _root(fixed_config, "eherkenning", golden_at)
    sp = root.find("md:SPSSODescriptor", NS)
    assert sp.get("AuthnRequestsSigned") == "true" and sp.get("WantAssertionsSigned") == "true"
    assert root.find(".//md:NameIDFormat", NS) is None
    assert root.get("validUntil") is None and root.get("cacheDuration") is None
    kds = sp.findall("md:KeyDescriptor", NS)
    assert len(kds) == 1 and kds[0].get("use") is None
    cert = load_certificate(fixed_config.keys.signing_cert)
    assert kds[0].findtext("ds:KeyInfo/ds:KeyName", namespaces=NS) == key_name_sha256(cert)
    acs = sp.findall("md:AssertionConsumerService", NS)
    assert [(a.get("Binding"), a.get("index"), a.get("isDefault")) for a in acs] == [(ARTIFACT_BINDING, "0", "true")]
    services = sp.findall("md:AttributeConsumingService", NS)
    assert [s.get("isDefault") for s in services] == ["true", None]
    names = [[r.get("Name") for r in s.findall("md:RequestedAttribute", NS)] for s in services]
    assert names == [
        ["urn:etoegang:DV:00000001234567890000:services:1"],
        ["urn:etoegang:DV:00000001234567890000:services:2", "urn:etoegang:1.11:attribute-represented:CompanyName"],
    ]
    langs = [n.get("{http://www.w3.org/XML/1998/namespace}lang") for n in services[0].findall("md:ServiceName", NS)]
    assert langs == ["nl", "en"]
    contact = root.find("md:ContactPerson", NS)
    assert contact.get("contactType") == "administrative"
    assert contact.findtext("md:EmailAddress", namespaces=NS) == "eherkenning@voorbeeldstad.example"
    assert root.findtext("md:Organization/md:OrganizationURL", namespaces=NS) == "https://www.voorbeeldstad.example"


def test_post_binding_when_configured(make_config, fixed_text, golden_at):
    text = fixed_text.replace(
        'acs_url = "https://eherkenning.voorbeeldstad.example/acs"',
        'acs_url = "https://eherkenning.voorbeeldstad.example/acs"\npost_acs_url = "https://eherkenning.voorbeeldstad.example/acs-post"',
    )
    root = _root(make_config(text), "eherkenning", golden_at)
    acs = root.findall(".//md:AssertionConsumerService", NS)
    assert [(a.get("Binding"), a.get("index")) for a in acs] == [(ARTIFACT_BINDING, "0"), (POST_BINDING, "1")]
    assert acs[1].get("isDefault") is None
    assert validate_xsd(root, METADATA_XSD) == []


def test_only_next_certificate_once_activation_reached(rollover_config):
    activation = rollover_config.keys.activation
    current = load_certificate(rollover_config.keys.signing_cert)
    nxt = load_certificate(rollover_config.keys.next.cert)

    def published(at):
        root = _root(rollover_config, "eherkenning", at)
        return [k.text for k in root.iterfind(".//md:KeyDescriptor//ds:KeyName", NS)], root

    names, root = published(activation - timedelta(seconds=1))
    assert names == [key_name_sha256(current)]
    verify_element(root, TrustSet.from_certificates([current]))
    names, root = published(activation)
    assert names == [key_name_sha256(nxt)]
    verify_element(root, TrustSet.from_certificates([nxt]))


def test_unknown_group(fixed_config, golden_at):
    with pytest.raises(ConfigError) as exc:
        build_sp_metadata(fixed_config, "nope", golden_at)
    assert exc.value.reason == "unknown_group"
    assert "eherkenning, eidas" in exc.value.message


def _sso_text(fixed_text: str, *, slo: bool) -> str:
    text = fixed_text.replace('loa = "EH2+"\n', 'loa = "EH2+"\nsso_support = true\n', 1)
    if slo:
        text = text.replace("[dv]\n", '[dv]\nslo_url = "https://eherkenning.voorbeeldstad.example/slo"\n', 1)
    return text


def test_single_logout_service_when_a_service_has_sso(make_config, fixed_text, golden_at):
    from ehkit.catalogue import build_catalogue, validate_sp_metadata
    from ehkit.saml import constants as c

    config = make_config(_sso_text(fixed_text, slo=True))
    data = build_sp_metadata(config, "eherkenning", golden_at)
    root = etree.fromstring(data)
    assert validate_xsd(root, METADATA_XSD) == []
    slo = root.findall("md:SPSSODescriptor/md:SingleLogoutService", NS)
    assert {(e.get("Binding"), e.get("Location")) for e in slo} == {
        (c.BINDING_REDIRECT, "https://eherkenning.voorbeeldstad.example/slo"),
        (c.BINDING_POST, "https://eherkenning.voorbeeldstad.example/slo"),
    }
    report = validate_sp_metadata(data, catalogue=build_catalogue(config, at=golden_at), now=golden_at)
    assert "META-SSO-SLO" not in report.rule_ids()
    # The eIDAS group has no SSO service: no SingleLogoutService there.
    eidas = _root(config, "eidas", golden_at)
    assert eidas.findall("md:SPSSODescriptor/md:SingleLogoutService", NS) == []


def test_sso_without_slo_url_is_a_configuration_error(make_config, fixed_text):
    from ehkit.config import ConfigInvalidError

    with pytest.raises(ConfigInvalidError) as info:
        make_config(_sso_text(fixed_text, slo=False))
    assert "dv.slo_url" in str(info.value)
