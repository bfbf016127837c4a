"""The simulator's OpenID provider at the HTTP level: what it announces, what it refuses, how clients register."""

from __future__ import annotations

import base64
import hashlib
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from broker_harness import DV_ENTITY, VERGUNNING_UUID, SessionKeys, make_env
from starlette.testclient import TestClient

from ehkit.broker.oidc_clients import load_client_file
from ehkit.errors import ConfigError

BASE = "http://127.0.0.1:8801"
PROFILE = (
    'profile = { name = "sim", title = "Test", extends = "urn-claims", authorize = { service_param = "service_uuid" } }'
)


@pytest.fixture
def oidc_client(tmp_path: Path, session_keys: SessionKeys):  # type: ignore[no-untyped-def]
    (tmp_path / "secret.txt").write_text("geheim-geheim", encoding="utf-8")
    extra = f"""protocol = "oidc"

[broker.oidc]
issuer = "{BASE}/oidc"
client_id = "testdorp"
redirect_uri = "http://127.0.0.1:9/oidc/callback"
client_secret_file = "secret.txt"
{PROFILE}
"""
    env = make_env(tmp_path, session_keys, base_url=BASE, dv_url="http://127.0.0.1:9", broker_toml=extra)
    with TestClient(env.app, base_url=BASE, follow_redirects=False) as client:
        yield client


def authorize(client: TestClient, **changes: str):  # type: ignore[no-untyped-def]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "response_type": "code",
        "client_id": "testdorp",
        "redirect_uri": "http://127.0.0.1:9/oidc/callback",
        "scope": "openid",
        "state": "s" * 43,
        "nonce": "n" * 43,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "service_uuid": VERGUNNING_UUID,
    }
    params.update(changes)
    params = {k: v for k, v in params.items() if v != ""}
    return client.get("/oidc/authorize?" + urlencode(params)), verifier


def test_discovery_and_jwks(oidc_client: TestClient) -> None:
    doc = oidc_client.get("/oidc/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"{BASE}/oidc" and doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert set(doc["id_token_signing_alg_values_supported"]) == {"RS256", "PS256", "ES256"}
    keys = oidc_client.get("/oidc/jwks").json()["keys"]
    assert {k["kty"] for k in keys} == {"RSA", "EC"} and all("d" not in k for k in keys)


def test_authorize_opens_the_saml_login_screens_for_the_chosen_service(oidc_client: TestClient) -> None:
    answer, _ = authorize(oidc_client)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/broker/login/")
    page = oidc_client.get(answer.headers["location"])
    assert page.status_code == 200 and "Omgevingsvergunning" in page.text
    missing, _ = authorize(oidc_client, service_uuid="")
    assert parse_qs(urlsplit(missing.headers["location"]).query)["error"] == ["invalid_request"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"nonce": ""}, "invalid_request"),
        ({"prompt": "none"}, "login_required"),
    ],
)
def test_authorize_errors_go_back_to_the_registered_redirect_uri(
    oidc_client: TestClient, change: dict, error: str
) -> None:
    answer, _ = authorize(oidc_client, **change)
    location = answer.headers["location"]
    assert location.startswith("http://127.0.0.1:9/oidc/callback?")
    q = parse_qs(urlsplit(location).query)
    assert q["error"] == [error] and q["iss"] == [f"{BASE}/oidc"] and q["state"] == ["s" * 43]


def test_no_redirect_to_an_unregistered_uri_or_for_an_unknown_client(oidc_client: TestClient) -> None:
    for change in ({"redirect_uri": "https://evil.example/cb"}, {"client_id": "nobody"}):
        answer, _ = authorize(oidc_client, **change)
        assert answer.status_code == 400 and "location" not in answer.headers
    twice = oidc_client.get("/oidc/authorize?client_id=testdorp&client_id=other")
    assert twice.status_code == 400


def test_the_token_endpoint_authenticates_the_client(oidc_client: TestClient) -> None:
    form = {"grant_type": "authorization_code", "code": "nope", "redirect_uri": "x", "code_verifier": "v" * 43}
    assert (
        oidc_client.post("/oidc/token", content=b"{}", headers={"content-type": "application/json"}).status_code == 400
    )
    assert oidc_client.post("/oidc/token", data=form).json()["error"] == "invalid_client"
    wrong = oidc_client.post("/oidc/token", data=form, auth=("testdorp", "wrong"))
    assert wrong.status_code == 401 and "Basic" in wrong.headers["www-authenticate"]
    unknown_code = oidc_client.post("/oidc/token", data=form, auth=("testdorp", "geheim-geheim"))
    assert unknown_code.status_code == 400 and unknown_code.json()["error"] == "invalid_grant"
    assert unknown_code.headers["cache-control"] == "no-store"
    assert oidc_client.get("/oidc/userinfo").status_code == 401
    assert oidc_client.get("/oidc/userinfo", headers={"authorization": "Bearer nope"}).status_code == 401


def test_client_files(tmp_path: Path, session_keys: SessionKeys) -> None:
    cert = tmp_path / "dv.crt"
    cert.write_bytes(session_keys.dv.certificate_pem())
    good = tmp_path / "clients.toml"
    good.write_text(
        f"""
[[clients]]
client_id = "portal"
dv = "{DV_ENTITY}"
services = [2]
redirect_uris = ["https://portal.example/cb"]
auth_method = "tls_client_auth"
certificates = ["dv.crt"]
profile = "keycloak"
id_token_alg = "ES256"
""",
        encoding="utf-8",
    )
    (client,) = load_client_file(good)
    assert client.profile.name == "keycloak" and client.certificates
    assert client.id_token_alg == "ES256"  # noqa: S105 - an algorithm name
    bad = {
        "missing.toml": None,
        "empty.toml": "",
        "unknown.toml": '[[clients]]\nclient_id = "a"\nsurprise = 1\n',
        "noprofile.toml": f'[[clients]]\nclient_id = "a"\ndv = "{DV_ENTITY}"\nredirect_uris = ["https://x/cb"]\n',
        "nosecret.toml": f'[[clients]]\nclient_id = "a"\ndv = "{DV_ENTITY}"\nredirect_uris = ["https://x/cb"]\nprofile = "urn-claims"\n',
        "badalg.toml": f'[[clients]]\nclient_id = "a"\ndv = "{DV_ENTITY}"\nredirect_uris = ["https://x/cb"]\nprofile = "urn-claims"\nclient_secret = "s"\nid_token_alg = "HS256"\n',
    }
    for name, text in bad.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_client_file(path)
        assert caught.value.reason == "oidc_client_invalid", name
