"""Discovery and JWKS: strict parsing, the cache with its last good copy, key rotation with one refetch."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from fake_provider import ISSUER, NOW, FakeProvider, discovery_doc, ec_key, fails, jwks_of, raw, rsa_key, second_rsa_key

from ehkit.oidc.client import Deadline, ProviderClient
from ehkit.oidc.discovery import parse_discovery
from ehkit.oidc.errors import KeyUnknown, OidcRejected, OidcUnavailable
from ehkit.oidc.jwks import parse_jwks


def discover(doc: dict, **kwargs) -> object:  # type: ignore[no-untyped-def]
    options = {
        "expected_issuer": ISSUER,
        "algorithms": ("RS256", "PS256", "ES256"),
        "auth_method": "client_secret_basic",
    }
    options.update(kwargs)
    return parse_discovery(json.dumps(doc), **options)


def discovery_reason(doc: dict, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(OidcRejected) as caught:
        discover(doc, **kwargs)
    return caught.value.reason


def test_a_good_discovery_document() -> None:
    meta = discover(discovery_doc(mtls_endpoint_aliases={"token_endpoint": ISSUER + "/mtls/token"}))
    assert meta.issuer == ISSUER and meta.iss_parameter_supported
    assert meta.token_endpoint_for("tls_client_auth") == ISSUER + "/mtls/token"
    assert meta.token_endpoint_for("client_secret_basic") == ISSUER + "/token"
    assert meta.id_token_algorithms == ("RS256", "ES256")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"issuer": ISSUER + "/"}, "oidc_issuer_mismatch"),
        ({"issuer": "https://evil.example/realm"}, "oidc_issuer_mismatch"),
        ({"issuer": None}, "oidc_discovery_invalid"),
        ({"token_endpoint": "http://op.example/token"}, "oidc_endpoint_insecure"),
        ({"jwks_uri": "https://op.example/jwks#x"}, "oidc_discovery_invalid"),
        ({"authorization_endpoint": None}, "oidc_discovery_invalid"),
        ({"response_types_supported": ["id_token"]}, "oidc_discovery_invalid"),
        ({"response_types_supported": None}, "oidc_discovery_invalid"),
        ({"id_token_signing_alg_values_supported": ["HS256", "none"]}, "oidc_alg_not_allowed"),
        ({"token_endpoint_auth_methods_supported": ["private_key_jwt"]}, "oidc_discovery_invalid"),
        ({"code_challenge_methods_supported": ["plain"]}, "oidc_discovery_invalid"),
        ({"authorization_response_iss_parameter_supported": "yes"}, "oidc_discovery_invalid"),
        ({"response_types_supported": "code"}, "oidc_discovery_invalid"),
    ],
)
def test_discovery_rules(change: dict, expected: str) -> None:
    assert discovery_reason(discovery_doc(**change)) == expected


def test_discovery_that_is_no_document() -> None:
    for text in ("[]", "not json", '{"issuer": "a", "issuer": "b"}', "x" * 70000):
        with pytest.raises(OidcRejected) as caught:
            parse_discovery(text, expected_issuer=ISSUER, algorithms=("RS256",), auth_method="client_secret_basic")
        assert caught.value.reason == "oidc_discovery_invalid"


def test_loopback_http_only_when_allowed() -> None:
    local = "http://127.0.0.1:8801/oidc"
    doc = discovery_doc(
        issuer=local, **{k: local + "/" + k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")}
    )
    doc["userinfo_endpoint"] = local + "/userinfo"
    assert discover(doc, expected_issuer=local, allow_http_loopback=True).issuer == local
    assert discovery_reason(doc, expected_issuer=local) == "oidc_endpoint_insecure"


def test_jwks_rules() -> None:
    assert parse_jwks(json.dumps(jwks_of(rsa_key(), ec_key()))).kids == ("rsa-1", "ec-1")
    private = {"keys": [rsa_key().as_dict(private=True)]}
    oct_only = {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "h"}]}
    dup = {"keys": [rsa_key().as_dict(private=False), {**second_rsa_key().as_dict(private=False), "kid": "rsa-1"}]}
    many = {"keys": [rsa_key().as_dict(private=False)] * 33}
    for doc in (private, oct_only, dup, many, {"keys": "x"}, {"nokeys": []}, {"keys": [{"kid": "x"}]}):
        with pytest.raises(OidcRejected) as caught:
            parse_jwks(json.dumps(doc))
        assert caught.value.reason == "oidc_jwks_invalid", doc
    encryption = {**second_rsa_key().as_dict(private=False), "use": "enc"}
    hs_alg = {**second_rsa_key().as_dict(private=False), "kid": "rs512", "alg": "RS512"}
    okp = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "ed"}
    kept = parse_jwks(json.dumps({"keys": [rsa_key().as_dict(private=False), encryption, hs_alg, okp]}))
    assert kept.kids == ("rsa-1",)


def client(provider: FakeProvider, **kwargs) -> ProviderClient:  # type: ignore[no-untyped-def]
    options = {"issuer": ISSUER, "auth_method": "client_secret_basic", "transport": provider.transport()}
    options.update(kwargs)
    return ProviderClient(**options)


def test_discovery_is_cached_and_refreshed_after_half_its_time() -> None:
    provider = FakeProvider()
    c = client(provider, discovery_cache=timedelta(hours=2))
    c.metadata(now=NOW)
    c.metadata(now=NOW + timedelta(minutes=59))
    assert provider.calls["/.well-known/openid-configuration"] == 1
    c.metadata(now=NOW + timedelta(minutes=61))
    assert provider.calls["/.well-known/openid-configuration"] == 2


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (fails(), "oidc_discovery_unavailable"),
        (fails(httpx.ReadTimeout), "oidc_discovery_unavailable"),
        (raw(500, "oops"), "oidc_discovery_unavailable"),
        (raw(200, "not json"), "oidc_discovery_invalid"),
        (raw(200, json.dumps(discovery_doc(issuer="https://x.example"))), "oidc_issuer_mismatch"),
    ],
    ids=["connect", "timeout", "http500", "garbage", "other-issuer"],
)
def test_a_failed_refresh_keeps_the_last_good_copy_within_its_cache_time(failure, expected) -> None:  # type: ignore[no-untyped-def]
    provider = FakeProvider()
    c = client(provider, discovery_cache=timedelta(hours=2))
    good = c.metadata(now=NOW)
    provider.behaviour["/.well-known/openid-configuration"] = failure
    assert c.metadata(now=NOW + timedelta(minutes=90)) is good  # refresh due, failed, last good copy kept
    assert c.discovery_cache.last_error
    # Past the cache time there is no good copy left: the error names what went wrong.
    with pytest.raises(OidcRejected) as caught:
        c.metadata(now=NOW + timedelta(hours=2, minutes=1))
    assert caught.value.reason == expected
    assert caught.value.reason in __import__("ehkit.reasons").reasons.REASONS


def test_without_any_good_copy_the_error_says_why() -> None:
    provider = FakeProvider()
    provider.behaviour["/.well-known/openid-configuration"] = raw(
        200, json.dumps(discovery_doc(issuer="https://x.example"))
    )
    with pytest.raises(OidcRejected) as first:
        client(provider).metadata(now=NOW)
    assert first.value.reason == "oidc_issuer_mismatch"
    provider.behaviour["/.well-known/openid-configuration"] = fails()
    c = client(provider)
    with pytest.raises(OidcUnavailable) as down:
        c.metadata(now=NOW)
    assert down.value.reason == "oidc_discovery_unavailable" and "ConnectError" in down.value.message
    # Failures are not retried on every login: the next attempt waits retry_after.
    calls = provider.calls["/.well-known/openid-configuration"]
    with pytest.raises(OidcUnavailable):
        c.metadata(now=NOW + timedelta(seconds=5))
    assert provider.calls["/.well-known/openid-configuration"] == calls


def test_jwks_failure_keeps_the_last_good_keys() -> None:
    provider = FakeProvider()
    c = client(provider, jwks_cache=timedelta(hours=1))
    good = c.keys(now=NOW)
    provider.behaviour["/jwks"] = raw(200, '{"keys": [{"kty": "RSA", "d": "private"}]}')
    assert c.keys(now=NOW + timedelta(minutes=45)) is good
    with pytest.raises(OidcRejected) as caught:
        c.keys(now=NOW + timedelta(minutes=61))
    assert caught.value.reason == "oidc_jwks_invalid"
    with pytest.raises(OidcUnavailable) as held_back:  # within retry_after the failure is not refetched
        c.keys(now=NOW + timedelta(minutes=61, seconds=5))
    assert held_back.value.reason == "oidc_jwks_unavailable" and "oidc_jwks_invalid" in held_back.value.message


def test_an_unknown_kid_refetches_once_and_is_rate_limited() -> None:
    provider = FakeProvider(keys=[rsa_key()])
    c = client(provider, min_refetch=timedelta(seconds=60))
    first = c.keys(now=NOW)
    provider.keys = [rsa_key(), second_rsa_key()]  # the provider rotates
    rotated = c.keys(now=NOW + timedelta(seconds=1), force=True)
    assert rotated is not first and "rsa-2" in rotated.kids and provider.calls["/jwks"] == 2
    again = c.keys(now=NOW + timedelta(seconds=2), force=True)
    assert again is rotated and provider.calls["/jwks"] == 2  # no second refetch within a minute
    c.keys(now=NOW + timedelta(seconds=62), force=True)
    assert provider.calls["/jwks"] == 3


def test_answers_are_size_limited_and_redirects_not_followed() -> None:
    provider = FakeProvider()
    provider.behaviour["/.well-known/openid-configuration"] = raw(200, "x" * 70000)
    with pytest.raises(OidcUnavailable):
        client(provider).metadata(now=NOW)
    redirect = FakeProvider()
    redirect.behaviour["/.well-known/openid-configuration"] = lambda r: httpx.Response(
        302, headers={"Location": "https://evil.example/"}
    )
    with pytest.raises(OidcUnavailable) as caught:
        client(redirect).metadata(now=NOW)
    assert "HTTP 302" in caught.value.message


def test_the_deadline_bounds_each_call() -> None:
    deadline = Deadline(0.0)
    with pytest.raises(httpx.TimeoutException):
        deadline.timeout(5.0)
    assert Deadline(3.0).timeout(5.0).connect <= 3.0


def test_unknown_kid_error_type() -> None:
    keys = parse_jwks(json.dumps(jwks_of(rsa_key())))
    with pytest.raises(KeyUnknown):
        keys.select("nope", "RS256")
