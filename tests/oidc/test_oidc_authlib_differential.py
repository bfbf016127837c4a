"""Differential: Authlib's OAuth 2.0 / OIDC client (an independent implementation, test-only)
completes a login against the simulator's OpenID provider and validates its ID token."""

from __future__ import annotations

import secrets
import warnings

import httpx
import pytest
from oidc_harness import SECRET, OidcWorld

authlib_client = pytest.importorskip("authlib.integrations.httpx_client")


@pytest.mark.network
@pytest.mark.parametrize("alg_check", ["rs256"])
def test_authlib_logs_in_at_the_simulator(world: OidcWorld, alg_check: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib.jose import JsonWebKey
        from authlib.jose import jwt as authlib_jwt
        from authlib.oidc.core import CodeIDToken

    metadata = httpx.get(world.issuer + "/.well-known/openid-configuration", timeout=5).json()
    assert metadata["issuer"] == world.issuer
    redirect_uri = f"{world.dv_url}/oidc/callback"
    client = authlib_client.OAuth2Client(
        client_id="urn-client",
        client_secret=SECRET,
        scope="openid",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier
    )
    answer = world.api_login(url, person="anna")
    assert answer.get("status") == "success", answer
    callback = answer["delivery"]["url"]
    token = client.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier, state=state
    )
    keys = JsonWebKey.import_key_set(httpx.get(metadata["jwks_uri"], timeout=5).json())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        claims = authlib_jwt.decode(
            token["id_token"],
            keys,
            claims_cls=CodeIDToken,
            claims_options={"iss": {"value": world.issuer}},
            claims_params={"nonce": nonce, "client_id": "urn-client", "access_token": token["access_token"]},
        )
        claims.validate()
    assert claims["aud"] == "urn-client" and claims["nonce"] == nonce
    assert claims["urn:etoegang:core:LegalSubjectID"] and claims["acr"].startswith("urn:etoegang:core:assurance-class:")
    userinfo = client.get(metadata["userinfo_endpoint"]).json()
    assert userinfo["sub"] == claims["sub"]
    client.close()


@pytest.mark.network
def test_authlib_is_refused_a_code_without_pkce(world: OidcWorld) -> None:
    metadata = httpx.get(world.issuer + "/.well-known/openid-configuration", timeout=5).json()
    client = authlib_client.OAuth2Client(
        client_id="urn-client", client_secret=SECRET, scope="openid", redirect_uri=f"{world.dv_url}/oidc/callback"
    )
    url, _ = client.create_authorization_url(metadata["authorization_endpoint"], nonce="n" * 16)
    answer = world.api_login(url, person="anna")
    assert answer["error"] == "invalid_request" and "PKCE" in answer["message"]
    client.close()
