"""A scriptable OpenID provider behind httpx.MockTransport, for the relying party's unit tests.

Unlike the simulator it can misbehave at the transport level (time out,
answer garbage, rotate keys between calls) and counts every request, so the
cache and refetch rules can be asserted exactly.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

ISSUER = "https://op.example/realm"
CLIENT = "dv-client"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

_RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "use": "sig"})
_RSA2 = RSAKey.generate_key(2048, parameters={"kid": "rsa-2", "use": "sig"})
_EC = ECKey.generate_key("P-256", parameters={"kid": "ec-1", "use": "sig"})


def rsa_key() -> RSAKey:
    return _RSA


def second_rsa_key() -> RSAKey:
    return _RSA2


def ec_key() -> ECKey:
    return _EC


def discovery_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "issuer": ISSUER,
        "authorization_endpoint": ISSUER + "/authorize",
        "token_endpoint": ISSUER + "/token",
        "userinfo_endpoint": ISSUER + "/userinfo",
        "jwks_uri": ISSUER + "/jwks",
        "response_types_supported": ["code"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt", "tls_client_auth"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def jwks_of(*keys: RSAKey | ECKey) -> dict[str, Any]:
    return {"keys": [k.as_dict(private=False) for k in keys]}


def claims(nonce: str = "n" * 43, now: datetime = NOW, **changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "a" * 64 + "@" + "b" * 32,
        "aud": CLIENT,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "nonce": nonce,
        "acr": "urn:etoegang:core:assurance-class:loa3",
        "urn:etoegang:core:LegalSubjectID": "30123456",
        "namequalifier": "urn:etoegang:1.9:EntityConcernedID:KvKnr",
        "urn:etoegang:core:ActingSubjectID": "a" * 64 + "@" + "b" * 32,
    }
    out.update(changes)
    return {k: v for k, v in out.items() if v is not None}


def sign(payload: dict[str, Any], key: RSAKey | ECKey | None = None, alg: str = "RS256", **header: Any) -> str:
    key = key or _RSA
    head = {"alg": alg, "typ": "JWT", "kid": key.kid, **header}
    head = {k: v for k, v in head.items() if v is not None}
    return jwt.encode(head, payload, key, algorithms=[alg])


@dataclass
class FakeProvider:
    """Answers discovery, JWKS, token and userinfo; ``behaviour[path]`` overrides an answer."""

    discovery: dict[str, Any] = field(default_factory=discovery_doc)
    keys: list[RSAKey | ECKey] = field(default_factory=lambda: [_RSA, _EC])
    id_token: str = ""
    access_token: str | None = "at-1"  # noqa: S105 - a test token
    userinfo: dict[str, Any] = field(default_factory=dict)
    behaviour: dict[str, Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    requests: list[httpx.Request] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/realm")
        self.calls[path] += 1
        self.requests.append(request)
        if path in self.behaviour:
            return self.behaviour[path](request)
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=self.discovery)
        if path == "/jwks":
            return httpx.Response(200, json=jwks_of(*self.keys))
        if path == "/token":
            body: dict[str, Any] = {"id_token": self.id_token, "token_type": "Bearer"}
            if self.access_token:
                body["access_token"] = self.access_token
            return httpx.Response(200, json=body)
        if path == "/userinfo":
            return httpx.Response(200, json=self.userinfo)
        return httpx.Response(404)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


def raw(
    status: int, body: bytes | str, content_type: str = "application/json"
) -> Callable[[httpx.Request], httpx.Response]:
    data = body.encode() if isinstance(body, str) else body
    return lambda request: httpx.Response(status, content=data, headers={"Content-Type": content_type})


def fails(exc: type[Exception] = httpx.ConnectError) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("simulated failure", request=request)  # type: ignore[call-arg]

    return handler


def as_json(value: Any) -> str:
    return json.dumps(value)
