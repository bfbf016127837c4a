"""Authorize URL, callback, token request and answer, userinfo, and a whole exchange with key rotation."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_provider import CLIENT, ISSUER, NOW, FakeProvider, claims, fails, raw, rsa_key, second_rsa_key, sign
from joserfc import jwt
from joserfc.jwk import RSAKey

from ehkit.errors import LoginRejected
from ehkit.oidc.authorize import authorization_url, code_challenge, parse_callback
from ehkit.oidc.client import ProviderClient
from ehkit.oidc.errors import OidcRejected, OidcUnavailable
from ehkit.oidc.profiles import load_profile
from ehkit.oidc.relying_party import RelyingParty, RelyingPartySettings
from ehkit.oidc.token import ClientAuth, parse_token_response, token_request
from ehkit.oidc.userinfo import parse_userinfo

STATE = "s" * 43


def test_pkce_s256_matches_rfc7636_appendix_b() -> None:
    assert (
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_authorization_url_keeps_the_endpoint_query_and_protects_its_parameters() -> None:
    url = authorization_url(
        ISSUER + "/authorize?tenant=x",
        client_id=CLIENT,
        redirect_uri="https://dv.example/cb",
        scopes=("openid",),
        state=STATE,
        nonce="n" * 43,
        verifier="v" * 43,
        extra={"kc_idp_hint": "eherkenning", "empty": ""},
    )
    q = parse_qs(urlsplit(url).query)
    assert q["tenant"] == ["x"] and q["kc_idp_hint"] == ["eherkenning"] and "empty" not in q
    assert q["code_challenge"] == [code_challenge("v" * 43)]
    with pytest.raises(ValueError):
        authorization_url(
            ISSUER,
            client_id=CLIENT,
            redirect_uri="r",
            scopes=("openid",),
            state=STATE,
            nonce="n",
            verifier="v",
            extra={"nonce": "x"},
        )


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ([("code", "c")], "oidc_state_unknown"),
        ([("state", "short"), ("code", "c")], "oidc_state_unknown"),
        ([("state", STATE)], "oidc_callback_invalid"),
        ([("state", STATE), ("code", "c"), ("error", "access_denied")], "oidc_callback_invalid"),
        ([("state", STATE), ("code", "c"), ("code", "d")], "oidc_callback_invalid"),
        ([("state", STATE), ("state", STATE), ("code", "c")], "oidc_callback_invalid"),
        ([("state", STATE), ("code", "c d")], "oidc_callback_invalid"),
        ([("state", STATE), ("error", 'bad"quote')], "oidc_callback_invalid"),
    ],
)
def test_callback_form(params: list, reason: str) -> None:
    with pytest.raises(OidcRejected) as caught:
        parse_callback(params)
    assert caught.value.reason == reason


def test_callback_reads_code_error_and_iss() -> None:
    ok = parse_callback({"state": STATE, "code": "abc", "iss": ISSUER, "unrelated": "x"})
    assert (ok.code, ok.iss, ok.error) == ("abc", ISSUER, None)
    err = parse_callback({"state": STATE, "error": "access_denied", "error_description": "user cancelled"})
    assert err.error == "access_denied" and err.error_description == "user cancelled"


def test_client_secret_basic_form_encodes_before_base64() -> None:
    auth = ClientAuth(client_id="dv:1", method="client_secret_basic", secret="p@ss w:rd")
    request = token_request(
        ISSUER + "/token", code="c", redirect_uri="https://dv/cb", code_verifier="v", auth=auth, now=NOW
    )
    decoded = base64.b64decode(request.headers["Authorization"].split()[1]).decode()
    assert decoded == "dv%3A1:p%40ss%20w%3Ard"
    assert b"client_secret" not in request.body and b"code_verifier=v" in request.body


def test_private_key_jwt_is_a_short_lived_rs256_assertion_for_the_token_endpoint() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    auth = ClientAuth(client_id=CLIENT, method="private_key_jwt", private_key=key, key_id="k1")
    request = token_request(
        ISSUER + "/token", code="c", redirect_uri="https://dv/cb", code_verifier="v", auth=auth, now=NOW
    )
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    assert "Authorization" not in request.headers and form["client_id"] == CLIENT
    from cryptography.hazmat.primitives import serialization

    public = RSAKey.import_key(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    token = jwt.decode(form["client_assertion"], public, algorithms=["RS256"])
    assert token.header["kid"] == "k1" and token.claims["aud"] == ISSUER + "/token"
    assert token.claims["iss"] == token.claims["sub"] == CLIENT and token.claims["exp"] - token.claims["iat"] == 60
    mtls = token_request(
        ISSUER + "/token",
        code="c",
        redirect_uri="r",
        code_verifier="v",
        auth=ClientAuth(CLIENT, "tls_client_auth"),
        now=NOW,
    )
    assert b"client_id=" in mtls.body and "Authorization" not in mtls.headers
    with pytest.raises(ValueError):
        ClientAuth(CLIENT, "client_secret_basic")


@pytest.mark.parametrize(
    ("status", "body", "ctype", "reason"),
    [
        (400, '{"error": "invalid_grant"}', "application/json", "oidc_token_error"),
        (401, "nope", "text/plain", "oidc_token_error"),
        (503, "down", "text/plain", "oidc_token_unavailable"),
        (200, "<html>", "text/html", "oidc_token_response_invalid"),
        (200, "{}", "application/json", "oidc_token_response_invalid"),
        (
            200,
            '{"id_token": "x", "access_token": "a", "token_type": "mac"}',
            "application/json",
            "oidc_token_response_invalid",
        ),
        (200, '{"id_token": "x", "access_token": 5}', "application/json", "oidc_token_response_invalid"),
    ],
)
def test_token_answers(status: int, body: str, ctype: str, reason: str) -> None:
    with pytest.raises(OidcRejected) as caught:
        parse_token_response(status, body.encode(), ctype)
    assert caught.value.reason == reason


def test_userinfo_must_be_about_the_same_subject() -> None:
    assert parse_userinfo(200, b'{"sub": "u1", "x": 1}', "application/json", subject="u1")["x"] == 1
    for status, body, ctype, reason in (
        (200, b'{"sub": "u2"}', "application/json", "oidc_userinfo_sub_mismatch"),
        (200, b"{}", "application/json", "oidc_userinfo_sub_mismatch"),
        (401, b"", None, "oidc_userinfo_invalid"),
        (502, b"", None, "oidc_userinfo_unavailable"),
        (200, b"<x/>", "text/xml", "oidc_userinfo_invalid"),
    ):
        with pytest.raises(OidcRejected) as caught:
            parse_userinfo(status, body, ctype, subject="u1")
        assert caught.value.reason == reason


def party(provider: FakeProvider, *, userinfo: bool = False) -> RelyingParty:
    client = ProviderClient(issuer=ISSUER, auth_method="client_secret_basic", transport=provider.transport())
    settings = RelyingPartySettings(
        issuer=ISSUER,
        client_id=CLIENT,
        redirect_uri="https://dv.example/oidc/callback",
        auth=ClientAuth(CLIENT, "client_secret_basic", secret="s"),
        profile=load_profile("urn-claims"),
        userinfo=userinfo,
    )
    return RelyingParty(settings, client)


def test_a_whole_exchange_survives_a_key_rotation_with_one_refetch() -> None:
    provider = FakeProvider(keys=[rsa_key()])
    rp = party(provider)
    login = rp.begin(now=NOW)
    rp.client.keys(now=NOW)  # the JWKS is cached with only rsa-1
    provider.keys = [rsa_key(), second_rsa_key()]
    provider.id_token = sign(claims(nonce=login.nonce), second_rsa_key())
    verified = rp.complete(
        code="c", nonce=login.nonce, code_verifier=login.code_verifier, now=NOW + timedelta(seconds=1)
    )
    assert verified.identity.legal_subject.value == "30123456" and provider.calls["/jwks"] == 2
    sent = next(r for r in provider.requests if r.url.path.endswith("/token"))
    assert b"code_verifier=" + login.code_verifier.encode() in sent.content


def test_a_key_still_unknown_after_the_refetch_is_refused() -> None:
    provider = FakeProvider(keys=[rsa_key()])
    rp = party(provider)
    login = rp.begin(now=NOW)
    provider.id_token = sign(claims(nonce=login.nonce), second_rsa_key())
    with pytest.raises(LoginRejected) as caught:
        rp.complete(code="c", nonce=login.nonce, code_verifier=login.code_verifier, now=NOW)
    assert caught.value.reason == "oidc_key_unknown"


def test_userinfo_fills_in_claims_but_never_overrides_the_id_token() -> None:
    provider = FakeProvider()
    rp = party(provider, userinfo=True)
    login = rp.begin(now=NOW)
    token_claims = claims(nonce=login.nonce)
    token_claims.pop("urn:etoegang:1.9:ServiceRestriction:Vestigingsnr", None)
    provider.id_token = sign(token_claims)
    provider.userinfo = {
        "sub": token_claims["sub"],
        "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr": "000012345602",
        "urn:etoegang:core:LegalSubjectID": "99999998",
    }
    verified = rp.complete(code="c", nonce=login.nonce, code_verifier=login.code_verifier, now=NOW)
    assert verified.identity.vestigingsnummer == "000012345602"
    assert verified.identity.legal_subject.value == "30123456"
    provider.access_token = None
    with pytest.raises(LoginRejected):
        rp.complete(code="c", nonce=login.nonce, code_verifier=login.code_verifier, now=NOW)


def test_a_provider_that_is_down_is_unavailable_not_refused() -> None:
    provider = FakeProvider()
    rp = party(provider)
    login = rp.begin(now=NOW)
    provider.behaviour["/token"] = fails(httpx.ReadTimeout)
    with pytest.raises(OidcUnavailable) as caught:
        rp.complete(code="c", nonce=login.nonce, code_verifier=login.code_verifier, now=NOW)
    assert caught.value.reason == "oidc_token_unavailable"
    from ehkit.reasons import outcome

    assert outcome(caught.value.reason) == "unavailable"
    provider.behaviour["/token"] = raw(400, json.dumps({"error": "invalid_grant"}))
    with pytest.raises(OidcRejected) as refused:
        rp.complete(code="c", nonce=login.nonce, code_verifier=login.code_verifier, now=NOW)
    assert outcome(refused.value.reason) == "refused"


def test_the_issuer_parameter_guards_against_mix_up() -> None:
    rp = party(FakeProvider())
    rp.check_issuer_parameter(ISSUER, now=NOW)
    for iss in (None, "https://evil.example"):
        with pytest.raises(OidcRejected) as caught:
            rp.check_issuer_parameter(iss, now=NOW)
        assert caught.value.reason == "oidc_issuer_mismatch"
    quiet = FakeProvider()
    quiet.discovery["authorization_response_iss_parameter_supported"] = False
    party(quiet).check_issuer_parameter(None, now=NOW)  # a provider that never sends iss


def test_a_signed_userinfo_answer_is_verified_like_the_id_token() -> None:
    keys = __import__("ehkit.oidc.jwks", fromlist=["parse_jwks"]).parse_jwks(
        json.dumps({"keys": [rsa_key().as_dict(private=False)]})
    )
    signed = sign({"sub": "u1", "iss": ISSUER, "aud": CLIENT, "x": "y"})
    options = {"subject": "u1", "keys": keys, "issuer": ISSUER, "client_id": CLIENT}
    assert parse_userinfo(200, signed.encode(), "application/jwt", **options)["x"] == "y"
    for token, reason in (
        (sign({"sub": "u1", "iss": "https://other.example"}), "oidc_issuer_mismatch"),
        (sign({"sub": "u1", "aud": "other"}), "oidc_audience_mismatch"),
        (sign({"sub": "u1"}, RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})), "oidc_signature_invalid"),
    ):
        with pytest.raises(OidcRejected) as caught:
            parse_userinfo(200, token.encode(), "application/jwt", **options)
        assert caught.value.reason == reason
    with pytest.raises(OidcRejected):
        parse_userinfo(200, signed.encode(), "application/jwt", subject="u1")
