"""ServiceProvider.from_config: the whole SP from an ehkit.toml, then a login."""

from __future__ import annotations

import httpx
import pytest

from ehkit import ServiceProvider
from ehkit.config.example import FIXED_UUIDS, example_toml
from ehkit.domain.loa import LevelOfAssurance
from ehkit.saml import soap
from ehkit.saml.artifact import Artifact
from ehkit.saml.artifact_resolution import parse_artifact_resolve
from ehkit.sp.stores.sqlite import SQLiteStore
from ehkit.xml.trust import TrustSet
from support import network as n
from support.metadata import build_metadata
from support.scenario import valid_formats

DV_ENTITY_0 = f"urn:etoegang:DV:{n.DV_OIN}:entities:0"


@pytest.fixture
def config_dir(net, tmp_path):
    (tmp_path / "keys").mkdir()
    (tmp_path / "broker").mkdir()
    (tmp_path / "keys" / "dv.key").write_bytes(net.dv.private_pem())
    (tmp_path / "keys" / "dv.crt").write_bytes(net.dv.certificate_pem())
    (tmp_path / "broker" / "metadata-signing.crt").write_bytes(net.hm.certificate_pem())
    (tmp_path / "broker" / "metadata.xml").write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm]))
    (tmp_path / "ehkit.toml").write_text(
        example_toml(oin=n.DV_OIN, broker_entity_id=n.HM_ENTITY, acs_url=n.ACS_URL, fresh_uuids=False), encoding="utf-8"
    )
    return tmp_path


def test_from_config_builds_the_settings(config_dir, net):
    sp = ServiceProvider.from_config(
        config_dir / "ehkit.toml", transport=httpx.MockTransport(lambda r: httpx.Response(500))
    )
    s = sp.settings
    assert s.entity_id == DV_ENTITY_0
    assert s.broker_entity_id == n.HM_ENTITY
    assert [svc.key for svc in s.services] == ["melding", "vergunning", "eidas"]
    vergunning = s.service("vergunning")
    assert vergunning.loa is LevelOfAssurance.EH3
    assert FIXED_UUIDS["vergunning"] in vergunning.uuids and len(vergunning.uuids) == 2
    assert s.service("eidas").entity_id == f"urn:etoegang:DV:{n.DV_OIN}:entities:1"
    assert sp.entity_ids == (DV_ENTITY_0, f"urn:etoegang:DV:{n.DV_OIN}:entities:1")
    assert isinstance(sp.store, SQLiteStore) and sp.store.path == str(config_dir / "state.db")
    assert s.audit_key is not None and len(s.audit_key) == 32
    assert sp.signing_certificate == net.dv.certificate
    sp.close()


def test_login_through_a_configured_sp(config_dir, net, messages, t0):
    holder = {}

    def ars(request):
        payload, _ = soap.unwrap(request.content)
        resolve = parse_artifact_resolve(payload, lambda issuer: TrustSet.from_certificates([net.dv.certificate]))
        built = messages.build(
            request_id=holder["start"].request_id,
            resolve_id=resolve.id,
            now=t0,
            dv_entity=DV_ENTITY_0,
            service_id=f"urn:etoegang:DV:{n.DV_OIN}:services:2",
            service_uuid=FIXED_UUIDS["vergunning"],
            edit_plain=valid_formats,
            soap=True,
        )
        return httpx.Response(200, content=built.xml, headers={"Content-Type": "text/xml"})

    sp = ServiceProvider.from_config(config_dir / "ehkit.toml", transport=httpx.MockTransport(ars), store="memory://")
    holder["start"] = sp.start_login("vergunning", relay_state="/vergunning/7", now=t0)
    result = sp.finish_login(
        saml_art=Artifact.new(n.HM_ENTITY).encode(), relay_state=holder["start"].relay_state, now=t0
    )
    assert result.service == "vergunning"
    assert result.relay_state == "/vergunning/7"
    assert result.legal_subject.is_kvk
    sp.close()


def test_exchange_deadline_reaches_both_outgoing_calls(config_dir):
    """[broker] exchange_deadline bounds artifact resolution and the metadata download."""
    path = config_dir / "ehkit.toml"
    text = path.read_text(encoding="utf-8")
    assert "exchange_deadline = 10\n" in text
    path.write_text(text.replace("exchange_deadline = 10\n", "exchange_deadline = 4.5\n", 1), encoding="utf-8")
    sp = ServiceProvider.from_config(path, transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    try:
        assert sp._artifact_client._deadline == 4.5
        assert sp._metadata._deadline == 4.5
    finally:
        sp.close()
    path.write_text(text.replace("exchange_deadline = 10\n", "", 1), encoding="utf-8")
    sp = ServiceProvider.from_config(path, transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    try:
        assert sp._artifact_client._deadline == 10.0  # the default
    finally:
        sp.close()
