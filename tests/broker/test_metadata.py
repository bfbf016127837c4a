"""The simulator's HM metadata: signed, and shaped like a real broker's 1.13 metadata."""

from __future__ import annotations

from datetime import timedelta

import pytest
from broker_harness import HM_ENTITY, BrokerEnv
from starlette.testclient import TestClient

from ehkit.domain.urns import METADATA_EXTENSION
from ehkit.pki import key_name_sha256, load_certificate
from ehkit.saml import constants as c
from ehkit.saml.metadata import MetadataError, parse_idp_metadata
from ehkit.xml import TrustSet, parse_document, verify_element
from ehkit.xml.ns import DS, MD, q


def test_metadata_is_signed_and_readable_by_the_sp_parser(client: TestClient, env: BrokerEnv) -> None:
    response = client.get("/broker/metadata/1.13")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/samlmetadata+xml")
    hm = env.keys.broker.hm
    md = parse_idp_metadata(response.content, trust=TrustSet.from_certificates([hm.certificate]), now=env.broker.now())
    assert md.signed and md.entity_id == HM_ENTITY
    assert md.want_authn_requests_signed
    assert md.interface_version == "1.13"
    assert (
        md.sso_url(c.BINDING_REDIRECT)
        == md.sso_url(c.BINDING_POST)
        == md.sso_url(c.BINDING_ARTIFACT)
        == "http://127.0.0.1:8801/broker/sso/1.13"
    )
    assert md.artifact_resolution_url(0) == "http://127.0.0.1:8801/broker/ars/1.13"
    assert hm.key_name in md.key_names
    assert md.cache_duration == timedelta(days=1)
    assert "urn:etoegang:1.12:EntityConcernedID:BSN" in md.name_id_formats
    assert "urn:etoegang:1.9:EntityConcernedID:KvKnr" in md.name_id_formats


def test_metadata_signature_does_not_verify_with_another_key(client: TestClient, env: BrokerEnv) -> None:
    xml = client.get("/broker/metadata/1.13").content
    with pytest.raises(MetadataError) as err:
        parse_idp_metadata(
            xml, trust=TrustSet.from_certificates([env.keys.broker.mr.certificate]), now=env.broker.now()
        )
    assert err.value.reason == "metadata_signature"


def test_metadata_details_match_the_real_brokers(client: TestClient, env: BrokerEnv) -> None:
    root = parse_document(
        client.get("/broker/metadata/1.13").content,
    ).root
    assert root.tag == q(MD, "EntityDescriptor")
    assert root.get(q(METADATA_EXTENSION, "version")) == "1.13"
    assert root.get("cacheDuration") == "P1D" and root.get("validUntil")
    # Metadata signatures carry the certificate (AS "Digitale ondertekening").
    sig = root.find(q(DS, "Signature"))
    assert sig.find(f"{q(DS, 'KeyInfo')}/{q(DS, 'X509Data')}/{q(DS, 'X509Certificate')}") is not None
    verify_element(root, TrustSet.from_certificates([env.keys.broker.hm.certificate]))
    idp = root.find(q(MD, "IDPSSODescriptor"))
    assert idp.get("WantAuthnRequestsSigned") == "true"
    uses = sorted(kd.get("use") for kd in idp.findall(q(MD, "KeyDescriptor")))
    assert uses == ["encryption", "signing"]
    for kd in idp.findall(q(MD, "KeyDescriptor")):
        name = kd.findtext(f"{q(DS, 'KeyInfo')}/{q(DS, 'KeyName')}")
        assert len(name) == 64 and name == env.keys.broker.hm.key_name
    bindings = sorted(e.get("Binding") for e in idp.findall(q(MD, "SingleSignOnService")))
    assert bindings == sorted([c.BINDING_ARTIFACT, c.BINDING_POST, c.BINDING_REDIRECT])
    ars = idp.findall(q(MD, "ArtifactResolutionService"))
    assert [e.get("Binding") for e in ars] == [c.BINDING_SOAP]
    assurance = root.find(f"{q(MD, 'Extensions')}//{{urn:oasis:names:tc:SAML:2.0:assertion}}AttributeValue")
    assert assurance.text == "urn:etoegang:core:assurance-class:loa4"


def test_signing_certificate_and_ca_are_published(client: TestClient, env: BrokerEnv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pem = client.get("/broker/metadata/1.13/signing.pem")
    (tmp_path / "hm.pem").write_bytes(pem.content)
    assert key_name_sha256(load_certificate(tmp_path / "hm.pem")) == env.keys.broker.hm.key_name
    ca = client.get("/broker/ca.pem")
    (tmp_path / "ca.pem").write_bytes(ca.content)
    env.keys.broker.ca.verify(env.keys.broker.hm.certificate)
    assert load_certificate(tmp_path / "ca.pem") == env.keys.broker.ca.root


def test_keys_persist_in_the_state_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ehkit.broker.keys import load_or_create_keys

    ads = {"alfa": "urn:etoegang:AD:00000009222222220000:entities:9101"}
    first = load_or_create_keys(
        tmp_path, hm_entity_id=HM_ENTITY, mr_entity_id="urn:etoegang:MR:00000009111111110000:entities:9201", ads=ads
    )
    again = load_or_create_keys(
        tmp_path, hm_entity_id=HM_ENTITY, mr_entity_id="urn:etoegang:MR:00000009111111110000:entities:9201", ads=ads
    )
    assert first.hm.key_name == again.hm.key_name and first.ad("alfa").key_name == again.ad("alfa").key_name
    assert (tmp_path / "keys" / "hm.key").stat().st_mode & 0o077 == 0
    moved = load_or_create_keys(
        tmp_path,
        hm_entity_id="urn:etoegang:HM:00000001111111110000:entities:9001",
        mr_entity_id="urn:etoegang:MR:00000009111111110000:entities:9201",
        ads=ads,
    )
    assert moved.hm.key_name != first.hm.key_name  # another OIN: a new key
    assert moved.mr.key_name == first.mr.key_name


def test_pinnable_certificate_file_holds_the_leaf_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ehkit.broker.keys import load_or_create_keys
    from ehkit.pki import load_certificates

    keys = load_or_create_keys(
        tmp_path, hm_entity_id=HM_ENTITY, mr_entity_id="urn:etoegang:MR:00000009111111110000:entities:9201", ads={}
    )
    assert load_certificates(tmp_path / "keys" / "hm.crt") == [keys.hm.certificate]
    assert load_certificates(tmp_path / "keys" / "hm-chain.pem") == [keys.ca.intermediate]
