"""The SP's policy on OIDC logins, against a scriptable provider: level, freshness, identifiers, expiry."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fake_provider import ISSUER, NOW, FakeProvider, claims, sign
from oidc_harness import MELDING_UUID, Keys, Variant, write_variant

from ehkit.errors import LoginFailed, LoginRejected
from ehkit.sp import ServiceProvider


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Path:
    directory = tmp_path_factory.mktemp("policy")
    write_variant(directory, keys, Variant("policy"), dv_url="https://dv.example", issuer=ISSUER)
    return directory


def provider_sp(config_dir: Path, provider: FakeProvider) -> ServiceProvider:
    return ServiceProvider.from_config(config_dir / "ehkit.toml", oidc_transport=provider.transport())


def login(config_dir: Path, provider: FakeProvider, service: str = "melding", *, now: Any = NOW, **changes: Any) -> Any:
    sp = provider_sp(config_dir, provider)
    try:
        start = sp.start_login(service, now=NOW)
        q = {k: v[0] for k, v in parse_qs(urlsplit(start.url).query).items()}
        changes.setdefault("auth_time", int(now.timestamp()))
        changes.setdefault("aud", sp.oidc.party_for(sp.settings.service(service)).settings.client_id)  # type: ignore[union-attr]
        provider.id_token = sign(claims(nonce=q["nonce"], now=now, **changes))
        return sp.finish_oidc_login(
            {"state": q["state"], "code": "c", "iss": ISSUER}, request_id=start.request_id, now=now
        )
    finally:
        sp.close()


def refusal(config_dir: Path, provider: FakeProvider, service: str = "melding", **changes: Any) -> str:
    with pytest.raises(LoginRejected) as caught:
        login(config_dir, provider, service, **changes)
    return caught.value.reason


def test_a_good_login(config_dir: Path) -> None:
    result = login(config_dir, FakeProvider())
    assert result.binding == "oidc" and result.service_uuid == MELDING_UUID and result.loa.label == "EH3"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"acr": "urn:etoegang:core:assurance-class:loa2"}, "loa_too_low"),
        ({"acr": "urn:etoegang:core:assurance-class:loa1"}, "loa_eh1_refused"),
        ({"auth_time": int((NOW - timedelta(minutes=30)).timestamp())}, "authn_instant_stale"),
        ({"urn:etoegang:core:ServiceUUID": "00000000-0000-4000-8000-000000000000"}, "service_uuid_mismatch"),
        (
            {
                "namequalifier": "urn:etoegang:1.9:EntityConcernedID:RSIN",
                "urn:etoegang:core:LegalSubjectID": "843464097",
            },
            "identifier_type_not_allowed",
        ),
        ({"urn:etoegang:core:LegalSubjectID": "3012345"}, "kvk_invalid"),
        ({"urn:etoegang:core:ActingSubjectID": "not-a-pseudonym"}, "pseudonym_invalid"),
        ({"urn:etoegang:1.9:EntityConcernedID:KvKnr": "30123457"}, "legal_subject_conflict"),
    ],
)
def test_policy(config_dir: Path, changes: dict, reason: str) -> None:
    assert refusal(config_dir, FakeProvider(), **changes) == reason


def test_vestiging_and_intermediary_are_validated(config_dir: Path) -> None:
    ok = login(
        config_dir,
        FakeProvider(),
        "vergunning",
        **{
            "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr": "000012345602",
            "urn:etoegang:1.9:IntermediateEntityID:KvKnr": "30111111",
        },
    )
    assert ok.vestigingsnummer == "000012345602" and ok.intermediary is not None and ok.intermediary.kvk == "30111111"
    bad = {"urn:etoegang:1.9:ServiceRestriction:Vestigingsnr": "1234"}
    assert refusal(config_dir, FakeProvider(), "vergunning", **bad) == "vestigingsnummer_invalid"


def test_an_expired_pending_login_and_provider_errors(config_dir: Path) -> None:
    provider = FakeProvider()
    sp = provider_sp(config_dir, provider)
    try:
        start = sp.start_login("melding", now=NOW)
        state = parse_qs(urlsplit(start.url).query)["state"][0]
        with pytest.raises(LoginRejected) as late:
            sp.finish_oidc_login({"state": state, "code": "c", "iss": ISSUER}, now=NOW + timedelta(hours=1))
        assert late.value.reason == "request_expired"
        start = sp.start_login("melding", now=NOW)
        state = parse_qs(urlsplit(start.url).query)["state"][0]
        with pytest.raises(LoginFailed) as failed:
            sp.finish_oidc_login({"state": state, "error": "server_error", "iss": ISSUER}, now=NOW)
        assert failed.value.reason == "oidc_provider_error"
    finally:
        sp.close()


def test_a_saml_only_sp_has_no_oidc_callback(tmp_path: Path, keys: Keys) -> None:
    write_variant(tmp_path, keys, Variant("s", protocol="saml"), dv_url="https://dv.example", issuer=ISSUER)
    sp = ServiceProvider.from_config(tmp_path / "ehkit.toml")
    try:
        with pytest.raises(LoginRejected) as caught:
            sp.finish_oidc_login({"state": "s" * 43, "code": "c"})
        assert caught.value.reason == "binding_not_enabled"
    finally:
        sp.close()
