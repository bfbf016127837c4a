"""The token request and its answer, as bytes in and bytes out.

Client authentication (OpenID Connect Core 9, RFC 8705):

* ``client_secret_basic``: HTTP Basic with the form-encoded client id and
  secret (RFC 6749 2.3.1);
* ``private_key_jwt``: a short-lived JWT signed RS256 with the DV's own key
  (its PKIoverheid signing key), audience the token endpoint;
* ``tls_client_auth``: the DV's PKIoverheid certificate on the TLS connection
  (the I/O layer presents it); the body only names the client.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

from ehkit.oidc.errors import OidcRejected, OidcUnavailable
from ehkit.oidc.jsondoc import parse_object

__all__ = [
    "ASSERTION_TYPE",
    "AuthMethod",
    "ClientAuth",
    "HttpRequest",
    "TokenResponse",
    "parse_token_response",
    "token_request",
]

AuthMethod = Literal["client_secret_basic", "private_key_jwt", "tls_client_auth"]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: An ID token with every eHerkenning claim is 2-4 KiB; a token response 8 KiB at most in practice.
MAX_TOKEN_RESPONSE = 64 * 1024
CLIENT_ASSERTION_LIFETIME = timedelta(seconds=60)


@dataclass(frozen=True)
class HttpRequest:
    """A request for the I/O layer to send."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class ClientAuth:
    """How this client proves itself at the token endpoint."""

    client_id: str
    method: AuthMethod
    secret: str | None = field(default=None, repr=False)
    private_key: rsa.RSAPrivateKey | None = field(default=None, repr=False)
    key_id: str | None = None

    def __post_init__(self) -> None:
        if self.method == "client_secret_basic" and not self.secret:
            raise ValueError("client_secret_basic needs a client secret")
        if self.method == "private_key_jwt" and self.private_key is None:
            raise ValueError("private_key_jwt needs the DV's private key")

    def client_assertion(self, audience: str, now: datetime) -> str:
        if self.private_key is None:
            raise ValueError("private_key_jwt needs the DV's private key")
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        key = RSAKey.import_key(pem)
        issued = int(now.timestamp())
        header: dict[str, Any] = {"alg": "RS256", "typ": "JWT"}
        if self.key_id:
            header["kid"] = self.key_id
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "jti": uuid.uuid4().hex,
            "iat": issued,
            "exp": issued + int(CLIENT_ASSERTION_LIFETIME.total_seconds()),
        }
        return jwt.encode(header, claims, key, algorithms=["RS256"])


def _basic(client_id: str, secret: str) -> str:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def token_request(
    endpoint: str, *, code: str, redirect_uri: str, code_verifier: str, auth: ClientAuth, now: datetime
) -> HttpRequest:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if auth.method == "client_secret_basic":
        headers["Authorization"] = _basic(auth.client_id, auth.secret or "")
    elif auth.method == "private_key_jwt":
        form["client_id"] = auth.client_id
        form["client_assertion_type"] = ASSERTION_TYPE
        form["client_assertion"] = auth.client_assertion(endpoint, now)
    else:
        form["client_id"] = auth.client_id
    return HttpRequest("POST", endpoint, headers, urlencode(form).encode("ascii"))


@dataclass(frozen=True)
class TokenResponse:
    id_token: str
    access_token: str | None
    token_type: str | None
    expires_in: int | None = None
    scope: str | None = None


def parse_token_response(status: int, body: bytes, content_type: str | None = None) -> TokenResponse:
    """The provider's answer to the token request.

    An OAuth error (HTTP 400/401 with ``error``) is the provider refusing the
    code (``oidc_token_error``); HTTP 5xx or an unreadable error is the
    provider being down (``oidc_token_unavailable``).
    """
    if status >= 500:
        raise OidcUnavailable(f"the token endpoint answered HTTP {status}", reason="oidc_token_unavailable")
    if status != 200:
        try:
            doc = parse_object(body, what="token error response", reason="oidc_token_error", max_bytes=8192)
        except OidcRejected:
            raise OidcRejected(
                f"the token endpoint refused the code with HTTP {status}", reason="oidc_token_error"
            ) from None
        error = str(doc.get("error", "?"))[:80]
        raise OidcRejected(f"the token endpoint refused the code: {error} (HTTP {status})", reason="oidc_token_error")
    if content_type is not None and not content_type.lower().startswith("application/json"):
        raise OidcRejected(
            f"the token response has content type {content_type[:60]!r}, not application/json",
            reason="oidc_token_response_invalid",
        )
    doc = parse_object(body, what="token response", reason="oidc_token_response_invalid", max_bytes=MAX_TOKEN_RESPONSE)
    id_token = doc.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise OidcRejected("the token response carries no ID token", reason="oidc_token_response_invalid")
    access = doc.get("access_token")
    if access is not None and not isinstance(access, str):
        raise OidcRejected("access_token is not a string", reason="oidc_token_response_invalid")
    token_type = doc.get("token_type")
    if access is not None and (not isinstance(token_type, str) or token_type.lower() != "bearer"):
        raise OidcRejected("the access token is not a Bearer token", reason="oidc_token_response_invalid")
    expires = doc.get("expires_in")
    return TokenResponse(
        id_token=id_token,
        access_token=access,
        token_type=token_type if isinstance(token_type, str) else None,
        expires_in=expires if isinstance(expires, int) and not isinstance(expires, bool) else None,
        scope=doc.get("scope") if isinstance(doc.get("scope"), str) else None,
    )
