"""Reading HM metadata, including the real signed broker metadata."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ehkit.saml import constants as c
from ehkit.saml.metadata import MetadataError, parse_duration, parse_idp_metadata
from ehkit.xml.trust import TrustSet
from support import network as n
from support.metadata import build_metadata

REAL_HM = "urn:etoegang:HM:00000003520354760000:entities:9632"
IN_2020 = datetime(2020, 6, 1, tzinfo=UTC)


def _real(reference_dir) -> bytes:
    return (reference_dir / "hm-onewelcome-preprod-1.13.xml").read_bytes()


def _embedded_trust(xml: bytes) -> TrustSet:
    md = parse_idp_metadata(xml, trust=None, now=IN_2020, require_signature=False)
    return TrustSet.from_certificates(md.signing_certificates)


def test_real_metadata_verifies_with_its_own_certificate(reference_dir):
    xml = _real(reference_dir)
    md = parse_idp_metadata(xml, trust=_embedded_trust(xml), now=IN_2020)
    assert md.signed and md.entity_id == REAL_HM
    assert md.want_authn_requests_signed
    assert md.interface_version == "1.13"
    assert md.cache_duration == timedelta(days=7)
    assert md.valid_until is None
    assert {e.binding for e in md.sso} == {c.BINDING_ARTIFACT, c.BINDING_POST, c.BINDING_REDIRECT}
    assert md.artifact_resolution_url() == "https://eh02.staging.iwelcome.nl/broker/ars/1.13"
    assert "urn:etoegang:1.9:EntityConcernedID:KvKnr" in md.name_id_formats
    assert md.signing_certificates[0].public_key().key_size == 4096
    assert md.trust_set().keys[0].key_names >= {"e6e04e0a22bbc8a036a8a243abc9655e92907f73a4ba5a2ad28485ec3f4c82d1"}


def test_real_metadata_tampered(reference_dir):
    xml = _real(reference_dir)
    tampered = xml.replace(b"https://eh02.staging.iwelcome.nl/broker/ars/1.13", b"https://evil.example/ars/1.13", 1)
    with pytest.raises(MetadataError) as info:
        parse_idp_metadata(tampered, trust=_embedded_trust(xml), now=IN_2020)
    assert info.value.reason == "metadata_signature"


def test_real_metadata_unsigned_is_refused_without_trust(reference_dir):
    with pytest.raises(MetadataError) as info:
        parse_idp_metadata(_real(reference_dir), trust=None, now=IN_2020)
    assert info.value.reason == "metadata_unsigned"


def test_entity_filter(net):
    xml = build_metadata(signer=net.hm, signing_keys=[net.hm])
    trust = TrustSet.from_certificates([net.hm.certificate])
    assert parse_idp_metadata(xml, trust=trust, now=IN_2020, entity_id=n.HM_ENTITY).entity_id == n.HM_ENTITY
    with pytest.raises(MetadataError) as info:
        parse_idp_metadata(xml, trust=trust, now=IN_2020, entity_id="urn:etoegang:HM:00000001111111110000:entities:1")
    assert info.value.reason == "metadata_entity"


def test_valid_until(net):
    when = datetime(2030, 1, 1, tzinfo=UTC)
    xml = build_metadata(signer=net.hm, signing_keys=[net.hm], valid_until=when)
    trust = TrustSet.from_certificates([net.hm.certificate])
    assert parse_idp_metadata(xml, trust=trust, now=when - timedelta(seconds=1)).valid_until == when
    with pytest.raises(MetadataError) as info:
        parse_idp_metadata(xml, trust=trust, now=when)
    assert info.value.reason == "metadata_expired"
    assert "expired at 2030-01-01T00:00:00" in str(info.value)  # the instant that expired, whichever element held it


@pytest.mark.parametrize(
    "text,expected",
    [
        ("P7D", timedelta(days=7)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("PT0.5S", timedelta(seconds=0.5)),
        ("P1Y", timedelta(days=365)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P", "PT", "7D", "P1W", "-P1D"])
def test_bad_durations(text):
    with pytest.raises(MetadataError):
        parse_duration(text)
