"""ID token validation: every check, each with its reason, authenticity before content."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from fake_provider import CLIENT, ISSUER, NOW, claims, ec_key, jwks_of, rsa_key, second_rsa_key, sign
from joserfc.jwk import RSAKey

from ehkit.oidc.errors import KeyUnknown, OidcRejected
from ehkit.oidc.idtoken import validate_id_token
from ehkit.oidc.jwks import parse_jwks

NONCE = "n" * 43
KEYS = parse_jwks(json.dumps(jwks_of(rsa_key(), ec_key())))


def check(token: str, **kwargs):  # type: ignore[no-untyped-def]
    options = {"keys": KEYS, "issuer": ISSUER, "client_id": CLIENT, "nonce": NONCE, "now": NOW}
    options.update(kwargs)
    return validate_id_token(token, **options)


def reason(token: str, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(OidcRejected) as caught:
        check(token, **kwargs)
    return caught.value.reason


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_correct_token_with_rsa_and_ec() -> None:
    for key, alg in ((rsa_key(), "RS256"), (ec_key(), "ES256"), (rsa_key(), "PS256")):
        token = check(sign(claims(jti="j-1", sid="s-1", auth_time=int(NOW.timestamp())), key, alg))
        assert token.alg == alg and token.jti == "j-1" and token.sid == "s-1"
        assert token.subject.endswith("@" + "b" * 32) and token.hash.startswith("sha256:")
        assert token.acr == "urn:etoegang:core:assurance-class:loa3"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"iss": "https://op.example/other"}, "oidc_issuer_mismatch"),
        ({"iss": ISSUER + "/"}, "oidc_issuer_mismatch"),
        ({"aud": "someone-else"}, "oidc_audience_mismatch"),
        ({"aud": [CLIENT, "other"]}, "oidc_audience_mismatch"),
        ({"aud": [CLIENT, "other"], "azp": "other"}, "oidc_audience_mismatch"),
        ({"azp": "other"}, "oidc_audience_mismatch"),
        ({"aud": None}, "oidc_audience_mismatch"),
        ({"exp": int((NOW - timedelta(minutes=3)).timestamp())}, "oidc_token_expired"),
        ({"iat": int((NOW - timedelta(hours=1)).timestamp())}, "oidc_token_expired"),
        ({"iat": int((NOW + timedelta(minutes=3)).timestamp())}, "oidc_token_not_yet_valid"),
        ({"nbf": int((NOW + timedelta(minutes=3)).timestamp())}, "oidc_token_not_yet_valid"),
        ({"auth_time": int((NOW + timedelta(minutes=3)).timestamp())}, "oidc_token_not_yet_valid"),
        ({"exp": None}, "oidc_claim_missing"),
        ({"iat": None}, "oidc_claim_missing"),
        ({"exp": "tomorrow"}, "oidc_claim_invalid"),
        ({"exp": True}, "oidc_claim_invalid"),
        ({"sub": None}, "oidc_claim_missing"),
        ({"sub": ""}, "oidc_claim_invalid"),
        ({"nonce": "other"}, "oidc_nonce_mismatch"),
        ({"nonce": None}, "oidc_nonce_mismatch"),
    ],
)
def test_claim_checks(change: dict, expected: str) -> None:
    assert reason(sign(claims(**change))) == expected


def test_several_audiences_with_our_azp_pass_and_skew_is_honoured() -> None:
    assert check(sign(claims(aud=[CLIENT, "other"], azp=CLIENT))).audience == (CLIENT, "other")
    just_expired = claims(exp=int((NOW - timedelta(seconds=60)).timestamp()))
    assert check(sign(just_expired)).subject  # within the two-minute skew
    assert reason(sign(just_expired), clock_skew=timedelta(0)) == "oidc_token_expired"


def test_unsigned_and_hmac_tokens_are_refused_before_any_key_lookup() -> None:
    payload = b64(json.dumps(claims()).encode())
    none = f"{b64(json.dumps({'alg': 'none'}).encode())}.{payload}."
    assert reason(none) == "oidc_alg_not_allowed"
    header = b64(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode())
    secret = json.dumps(rsa_key().as_dict(private=False)).encode()
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert reason(f"{header}.{payload}.{b64(mac)}") == "oidc_alg_not_allowed"
    assert reason(sign(claims()), algorithms=("ES256",)) == "oidc_alg_not_allowed"
    rs512 = f"{b64(json.dumps({'alg': 'RS512', 'kid': 'rsa-1'}).encode())}.{payload}.AAAA"
    assert reason(rs512) == "oidc_alg_not_allowed"


def test_keys_only_from_the_jwks() -> None:
    with pytest.raises(KeyUnknown) as unknown:
        check(sign(claims(), second_rsa_key()))
    assert unknown.value.reason == "oidc_key_unknown"
    forged = sign(claims(), RSAKey.generate_key(2048, parameters={"kid": "rsa-1"}))
    assert reason(forged) == "oidc_signature_invalid"
    # A key that does not fit the algorithm: the EC key's kid on an RS256 token.
    assert reason(sign(claims(), rsa_key(), "RS256", kid="ec-1")) == "oidc_alg_not_allowed"
    for bring_your_own in ({"jku": "https://evil.example/jwks"}, {"jwk": {"kty": "RSA"}}, {"x5u": "https://e"}):
        assert reason(sign(claims(), **bring_your_own)) == "oidc_token_malformed"
    crit = b64(json.dumps({"alg": "RS256", "kid": "rsa-1", "crit": ["x-ehkit"], "x-ehkit": 1}).encode())
    assert reason(f"{crit}.{b64(json.dumps(claims()).encode())}.AAAA") == "oidc_token_malformed"
    assert reason(sign(claims(), typ="at+jwt")) == "oidc_token_malformed"


def test_without_kid_the_only_fitting_key_is_used() -> None:
    single = parse_jwks(json.dumps(jwks_of(rsa_key())))
    assert check(sign(claims(), kid=None), keys=single).kid is None
    with pytest.raises(KeyUnknown):
        check(sign(claims(), kid=None), keys=parse_jwks(json.dumps(jwks_of(rsa_key(), second_rsa_key()))))


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "a.b.c.d.e", "a.b.c", "x" * 20000, "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.AAAA"],
)
def test_malformed_tokens(token: str) -> None:
    assert reason(token) in ("oidc_token_malformed", "oidc_signature_invalid")


def test_duplicate_claims_and_deep_nesting_are_refused() -> None:
    header = b64(json.dumps({"alg": "RS256", "kid": "rsa-1"}).encode())
    body = json.dumps(claims())[:-1] + ', "sub": "other"}'
    from joserfc import jws

    signed = jws.serialize_compact({"alg": "RS256", "kid": "rsa-1"}, body.encode(), rsa_key())
    assert header and reason(signed) == "oidc_token_malformed"
    deep: dict = {}
    node = deep
    for _ in range(12):
        node["x"] = {}
        node = node["x"]
    assert reason(sign(claims(deep=deep))) == "oidc_token_malformed"


def test_at_hash_binds_the_access_token() -> None:
    digest = hashlib.sha256(b"at-1").digest()
    good = b64(digest[:16])
    assert check(sign(claims(at_hash=good)), access_token="at-1").subject
    assert reason(sign(claims(at_hash=good)), access_token="at-2") == "oidc_at_hash_mismatch"
