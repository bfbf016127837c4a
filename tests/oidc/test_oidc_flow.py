"""The whole OIDC login against the simulator, headless, and the same login over SAML for comparison."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest
from oidc_harness import OidcWorld, callback_params

from ehkit.errors import LoginCancelled, LoginRejected
from ehkit.sp.result import LoginResult

#: Fields that say how the login travelled rather than who logged in (docs/oidc.md, "LoginResult").
PROTOCOL_FIELDS = {
    "request_id",
    "response_id",
    "assertion_id",
    "binding",
    "authn_instant",
    "session_index",
    "name_id",
    "authenticating_authority",
    "authorization_registry",
    "session_not_on_or_after",
}


def saml_login(world: OidcWorld, service: str, **choices: Any) -> LoginResult:
    sp = world.sp("saml")
    start = sp.start_login(service, relay_state="/welkom")
    answer = world.api_login(start.url, **choices)
    assert answer.get("status") == "success", answer
    return sp.finish_login(
        saml_art=answer["delivery"]["SAMLart"],
        relay_state=answer["delivery"]["RelayState"],
        request_id=start.request_id,
    )


def oidc_login(world: OidcWorld, variant: str, service: str, **choices: Any) -> LoginResult:
    sp = world.sp(variant)
    start = sp.start_login(service, relay_state="/welkom")
    assert start.method == "redirect" and start.url.startswith(world.issuer + "/authorize?")
    answer = world.api_login(start.url, **choices)
    assert answer.get("status") == "success", answer
    return sp.finish_oidc_login(callback_params(answer["delivery"]["url"]), request_id=start.request_id)


def identity(result: LoginResult) -> dict[str, Any]:
    out = {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name not in PROTOCOL_FIELDS}
    out["attributes"] = dict(out["attributes"])
    return out


@pytest.mark.network
@pytest.mark.parametrize("variant", ["urn", "idp", "kc", "pkjwt", "info"])
def test_oidc_login_gives_the_same_login_result_as_saml(world: OidcWorld, variant: str) -> None:
    saml = saml_login(world, "vergunning", person="bram")
    oidc = oidc_login(world, variant, "vergunning", person="bram")
    assert identity(oidc) == identity(saml)
    assert oidc.binding == "oidc" and saml.binding == "artifact"
    assert oidc.legal_subject.is_kvk and oidc.vestigingsnummer == "000012345602"
    assert oidc.relay_state == "/welkom" and oidc.loa_required.label == "EH3"
    assert oidc.response_id and oidc.assertion_id.startswith("sha256:")


@pytest.mark.network
def test_intermediary_and_attributes_travel_as_over_saml(world: OidcWorld) -> None:
    saml = saml_login(world, "vergunning", person="carla", company="vandijk")
    oidc = oidc_login(world, "urn", "vergunning", person="carla", company="vandijk")
    assert oidc.intermediary is not None and oidc.intermediary == saml.intermediary
    assert identity(oidc) == identity(saml)


@pytest.mark.network
def test_the_authorize_request_follows_the_profile(world: OidcWorld) -> None:
    from urllib.parse import parse_qs, urlsplit

    def query(variant: str) -> dict[str, list[str]]:
        return parse_qs(urlsplit(world.sp(variant).start_login("melding").url).query)

    urn, idp, kc = query("urn"), query("idp"), query("kc")
    for q in (urn, idp, kc):
        assert q["response_type"] == ["code"] and q["code_challenge_method"] == ["S256"]
        assert len(q["state"][0]) >= 43 and len(q["nonce"][0]) >= 43 and q["prompt"] == ["login"]
    assert idp["acr_values"] == ["idp:eherkenning"] and idp["scope"] == ["openid eherkenning-extra"]
    assert kc["kc_idp_hint"] == ["eherkenning"] and "acr_values" not in kc


@pytest.mark.network
def test_cancel_at_the_provider_is_login_cancelled(world: OidcWorld) -> None:
    sp = world.sp("urn")
    start = sp.start_login("melding", relay_state="/terug")
    answer = world.api_login(start.url, action="cancel")
    assert answer["status"] == "cancelled"
    params = dict(callback_params(answer["delivery"]["url"]))
    assert params["error"] == "access_denied"
    with pytest.raises(LoginCancelled) as caught:
        sp.finish_oidc_login(params, request_id=start.request_id)
    assert caught.value.reason == "cancelled"
    assert caught.value.relay_target == "/terug"  # type: ignore[attr-defined]


@pytest.mark.network
def test_a_callback_is_consumed_once_and_bound_to_its_session(world: OidcWorld) -> None:
    sp = world.sp("urn")
    first = sp.start_login("melding")
    other = sp.start_login("melding")
    answer = world.api_login(first.url, person="anna")
    params = callback_params(answer["delivery"]["url"])
    with pytest.raises(LoginRejected) as mixed:
        sp.finish_oidc_login(params, request_id=other.request_id)
    assert mixed.value.reason == "request_id_mismatch"
    assert sp.finish_oidc_login(params, request_id=first.request_id).service == "melding"
    with pytest.raises(LoginRejected) as again:
        sp.finish_oidc_login(params, request_id=first.request_id)
    assert again.value.reason == "oidc_state_unknown"


@pytest.mark.network
def test_the_provider_refuses_a_code_twice_and_a_wrong_verifier(world: OidcWorld) -> None:
    sp = world.sp("urn")
    start = sp.start_login("melding")
    answer = world.api_login(start.url, person="anna")
    code = dict(callback_params(answer["delivery"]["url"]))["code"]
    party = sp.oidc.party_for(sp.settings.service("melding"))
    token_url = world.issuer + "/token"
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": party.settings.redirect_uri,
        "code_verifier": "x" * 43,
    }
    auth = (party.settings.client_id, party.settings.auth.secret)
    wrong = httpx.post(token_url, data=form, auth=auth, timeout=5)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    again = httpx.post(token_url, data=form, auth=auth, timeout=5)
    assert again.json()["error_description"] == "the authorization code was already used"
    bad_client = httpx.post(token_url, data=form, auth=(party.settings.client_id, "wrong"), timeout=5)
    assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"
