"""The HM metadata cache: trust (pinned or CA + OIN), validity, schedule,
last-good-copy, rollover, file and URL sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ehkit.pki import load_certificates
from ehkit.saml import constants as c
from ehkit.saml.metadata import MetadataError
from ehkit.sp.metadata_cache import CaTrust, MetadataCache, PinnedTrust
from support import network as n
from support.metadata import build_metadata
from support.scenario import VALID_KVK, Scenario

REAL_HM = "urn:etoegang:HM:00000003520354760000:entities:9632"


def _real_cert(reference_dir):
    import base64
    import re

    from cryptography import x509

    text = (reference_dir / "hm-onewelcome-preprod-1.13.xml").read_text()
    b64 = re.search(r"<ds:X509Certificate>(.*?)</ds:X509Certificate>", text, re.S).group(1)
    return x509.load_der_x509_certificate(base64.b64decode("".join(b64.split())))


def test_real_broker_metadata_loads_with_its_pinned_certificate(reference_dir):
    cert = _real_cert(reference_dir)
    cache = MetadataCache(
        entity_id=REAL_HM, trust=PinnedTrust((cert,)), file=reference_dir / "hm-onewelcome-preprod-1.13.xml", jitter=0
    )
    md = cache.get(now=datetime(2020, 6, 1, tzinfo=UTC))
    assert md.entity_id == REAL_HM
    assert md.signed
    assert md.interface_version == "1.13"
    assert md.cache_duration == timedelta(days=7)
    assert md.sso_url(c.BINDING_REDIRECT) == "https://eh01.staging.iwelcome.nl/broker/sso/1.13"
    assert md.artifact_resolution_url(0) == "https://eh02.staging.iwelcome.nl/broker/ars/1.13"
    assert md.key_names[0] == "e6e04e0a22bbc8a036a8a243abc9655e92907f73a4ba5a2ad28485ec3f4c82d1"
    assert cache.next_refresh == datetime(2020, 6, 2, tzinfo=UTC)  # the shorter of P7D and the 24 h interval


def test_real_broker_metadata_after_its_certificate_expired(reference_dir):
    cert = _real_cert(reference_dir)
    cache = MetadataCache(
        entity_id=REAL_HM, trust=PinnedTrust((cert,)), file=reference_dir / "hm-onewelcome-preprod-1.13.xml"
    )
    with pytest.raises(MetadataError) as info:
        cache.get(now=datetime(2024, 1, 1, tzinfo=UTC))
    assert info.value.reason == "metadata_untrusted"


def test_real_broker_metadata_with_another_pinned_certificate(net, reference_dir):
    cache = MetadataCache(
        entity_id=REAL_HM,
        trust=PinnedTrust((net.hm.certificate,), check_validity=False),
        file=reference_dir / "hm-onewelcome-preprod-1.13.xml",
    )
    with pytest.raises(MetadataError) as info:
        cache.get(now=datetime(2020, 6, 1, tzinfo=UTC))
    assert info.value.reason == "metadata_signature"


def test_ca_trust_with_the_broker_oin(net, tmp_path):
    path = tmp_path / "md.xml"
    path.write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm]))
    cache = MetadataCache(
        entity_id=n.HM_ENTITY, trust=CaTrust(roots=net.ca.roots, oin=n.HM_OIN, intermediates=net.ca.chain), file=path
    )
    assert cache.get().entity_id == n.HM_ENTITY


def test_ca_trust_refuses_another_oin(net, tmp_path):
    """A certificate from the right CA but of another organisation does not make metadata trusted."""
    path = tmp_path / "md.xml"
    path.write_bytes(build_metadata(signer=net.other, signing_keys=[net.other]))
    cache = MetadataCache(
        entity_id=n.HM_ENTITY, trust=CaTrust(roots=net.ca.roots, oin=n.HM_OIN, intermediates=net.ca.chain), file=path
    )
    with pytest.raises(MetadataError) as info:
        cache.get()
    assert info.value.reason == "metadata_untrusted"


def test_ca_trust_refuses_another_ca(net, tmp_path):
    from ehkit.pki import TestCA

    other_ca = net.extra.get("other_ca") or net.extra.setdefault("other_ca", TestCA.create())
    path = tmp_path / "md.xml"
    path.write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm]))
    cache = MetadataCache(entity_id=n.HM_ENTITY, trust=CaTrust(roots=other_ca.roots, oin=n.HM_OIN), file=path)
    with pytest.raises(MetadataError) as info:
        cache.get()
    assert info.value.reason == "metadata_untrusted"


def test_refresh_on_schedule_picks_up_a_rollover(net, tmp_path, t0):
    path = tmp_path / "md.xml"
    path.write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm], cache_duration="PT1H"))
    cache = MetadataCache(
        entity_id=n.HM_ENTITY,
        trust=PinnedTrust((net.hm.certificate,)),
        file=path,
        refresh_interval=timedelta(hours=24),
        jitter=0,
    )
    first = cache.get(now=t0)
    assert len(first.signing_certificates) == 1
    assert cache.next_refresh == t0 + timedelta(hours=1)  # cacheDuration is shorter than the interval
    path.write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm, net.hm_next], cache_duration="PT1H"))
    assert cache.get(now=t0 + timedelta(minutes=30)) is first  # not due yet
    assert not cache.refreshing
    # Due: this call starts the refresh in the background and still answers with the cached copy.
    cache.get(now=t0 + timedelta(minutes=61))
    assert cache.wait_for_refresh(timeout=10)
    second = cache.get(now=t0 + timedelta(minutes=61))
    assert len(second.signing_certificates) == 2


def test_refresh_on_demand(net, tmp_path, t0):
    path = tmp_path / "md.xml"
    path.write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm]))
    cache = MetadataCache(entity_id=n.HM_ENTITY, trust=PinnedTrust((net.hm.certificate,)), file=path)
    first = cache.get(now=t0)
    path.write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm, net.hm_next]))
    assert cache.refresh(now=t0) is True
    assert cache.get(now=t0) is not first


def test_valid_until_bounds_the_schedule(net, tmp_path, t0):
    path = tmp_path / "md.xml"
    path.write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm], valid_until=t0 + timedelta(minutes=10)))
    cache = MetadataCache(entity_id=n.HM_ENTITY, trust=PinnedTrust((net.hm.certificate,)), file=path, jitter=0)
    cache.get(now=t0)
    # Ahead of validUntil by a tenth of the remaining lifetime: the copy is replaced while still usable.
    assert cache.next_refresh == t0 + timedelta(minutes=9)


def test_url_source_and_failures_keep_last_good(net, t0, caplog):
    body = build_metadata(signer=net.hm, signing_keys=[net.hm], cache_duration="PT1H")
    state = {"status": 200, "calls": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        state["calls"] += 1
        if state["status"] == "timeout":
            raise httpx.ConnectTimeout("slow", request=request)
        return httpx.Response(state["status"], content=body)

    cache = MetadataCache(
        entity_id=n.HM_ENTITY,
        trust=PinnedTrust((net.hm.certificate,)),
        url="https://hm.ehkit.test/metadata",
        transport=httpx.MockTransport(handler),
    )
    first = cache.get(now=t0)
    for failure in (500, "timeout"):
        state["status"] = failure
        with caplog.at_level("WARNING", logger="ehkit.sp.metadata"):
            assert cache.get(now=t0 + timedelta(hours=2)) is first
            assert cache.wait_for_refresh(timeout=10)
        assert cache.get(now=t0 + timedelta(hours=2)) is first
        assert cache.last_error.reason == "metadata_unavailable"
        assert cache.last_refresh.reason == "metadata_unavailable" and cache.last_refresh.background
        assert "keeping the last good copy" in caplog.text
        # A failed refresh is retried after a few minutes, not at once on every login.
        calls = state["calls"]
        cache.get(now=t0 + timedelta(hours=2, minutes=1))
        assert not cache.refreshing
        assert state["calls"] == calls
        t0 = t0 + timedelta(hours=1)


def test_nothing_loaded_is_an_error(net, tmp_path):
    cache = MetadataCache(
        entity_id=n.HM_ENTITY, trust=PinnedTrust((net.hm.certificate,)), file=tmp_path / "missing.xml"
    )
    with pytest.raises(MetadataError) as info:
        cache.get()
    assert info.value.reason == "metadata_unavailable"


def test_sp_uses_the_cache_and_accepts_both_keys_during_rollover(net, messages, tmp_path, t0):
    path = tmp_path / "md.xml"
    path.write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm, net.hm_next]))
    cache = MetadataCache(entity_id=n.HM_ENTITY, trust=PinnedTrust((net.hm.certificate,)), file=path)
    for signer in (net.hm, net.hm_next):
        s = Scenario(net, messages, t0, metadata=cache)
        assert s.submit(signer=signer).legal_subject.value == VALID_KVK


def test_pinned_trust_files(net, tmp_path):
    path = tmp_path / "hm.crt"
    path.write_bytes(net.hm.certificate_pem())
    assert load_certificates(path)[0] == net.hm.certificate


def test_url_source_saves_the_verified_copy(net, tmp_path, t0):
    body = build_metadata(signer=net.hm, signing_keys=[net.hm])
    target = tmp_path / "hm-metadata.xml"
    cache = MetadataCache(
        entity_id=n.HM_ENTITY,
        trust=PinnedTrust((net.hm.certificate,)),
        url="https://hm.ehkit.test/metadata",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body)),
        save_to=target,
    )
    cache.get(now=t0)
    assert target.read_bytes() == body


def test_unverified_copy_is_never_saved(net, tmp_path, t0):
    body = build_metadata(signer=net.attacker, signing_keys=[net.attacker])
    target = tmp_path / "hm-metadata.xml"
    cache = MetadataCache(
        entity_id=n.HM_ENTITY,
        trust=PinnedTrust((net.hm.certificate,)),
        url="https://hm.ehkit.test/metadata",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body)),
        save_to=target,
    )
    with pytest.raises(MetadataError):
        cache.get(now=t0)
    assert not target.exists()


def test_expired_metadata_log_line_names_the_date(net, tmp_path, t0, caplog):
    """validUntil on the EntitiesDescriptor only (the common layout): the message must carry that date."""
    expiry = t0 - timedelta(days=3)
    path = tmp_path / "md.xml"
    path.write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm], valid_until=expiry))
    cache = MetadataCache(entity_id=n.HM_ENTITY, trust=PinnedTrust((net.hm.certificate,)), file=path)
    with caplog.at_level("WARNING", logger="ehkit.sp.metadata"), pytest.raises(MetadataError) as info:
        cache.get(now=t0)
    assert info.value.reason == "metadata_expired"
    stamp = expiry.strftime("%Y-%m-%dT%H:%M:%S")
    assert stamp in info.value.message
    assert "None" not in caplog.text
    assert stamp in caplog.text


def test_last_good_copy_expiring_names_the_date(net, tmp_path, t0):
    expiry = t0 + timedelta(hours=1)
    path = tmp_path / "md.xml"
    path.write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm], valid_until=expiry))
    cache = MetadataCache(entity_id=n.HM_ENTITY, trust=PinnedTrust((net.hm.certificate,)), file=path)
    cache.get(now=t0)
    path.write_bytes(b"not metadata")
    with pytest.raises(MetadataError) as info:
        cache.get(now=t0 + timedelta(hours=2))
    assert info.value.reason == "metadata_expired"
    assert expiry.strftime("%Y-%m-%dT%H:%M:%S") in info.value.message


def test_static_metadata_has_the_status_surface(net):
    """A scheduler or health check can treat fixed metadata like the cache."""
    static = MetadataCache.from_metadata(net.idp_metadata())
    assert static.refresh() is True and static.wait_for_refresh() is True
    assert static.last_refresh is None and static.next_refresh is None and not static.refreshing
