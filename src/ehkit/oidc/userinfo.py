"""The userinfo request and answer (OpenID Connect Core 5.3).

The answer is trusted only as far as it is tied to the validated ID token:
its ``sub`` must equal the ID token's (5.3.4: otherwise the claims may belong
to someone else, and must not be used). A signed answer (``application/jwt``)
is verified with the same JWKS and algorithm allow-list as the ID token.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError

from ehkit.oidc.errors import OidcRejected, OidcUnavailable
from ehkit.oidc.idtoken import _check_alg, read_header
from ehkit.oidc.jsondoc import parse_object
from ehkit.oidc.jwks import ALGORITHMS, JsonWebKeys
from ehkit.oidc.token import HttpRequest

__all__ = ["parse_userinfo", "userinfo_request"]

_INVALID = "oidc_userinfo_invalid"


def userinfo_request(endpoint: str, access_token: str) -> HttpRequest:
    return HttpRequest("GET", endpoint, {"Authorization": f"Bearer {access_token}", "Accept": "application/json"})


def parse_userinfo(
    status: int,
    body: bytes,
    content_type: str | None,
    *,
    subject: str,
    keys: JsonWebKeys | None = None,
    issuer: str | None = None,
    client_id: str | None = None,
    algorithms: Sequence[str] = ALGORITHMS,
) -> dict[str, Any]:
    """The userinfo claims, once their ``sub`` is the ID token's ``subject``."""
    if status >= 500:
        raise OidcUnavailable(f"the userinfo endpoint answered HTTP {status}", reason="oidc_userinfo_unavailable")
    if status != 200:
        raise OidcRejected(f"the userinfo endpoint refused the access token (HTTP {status})", reason=_INVALID)
    kind = (content_type or "application/json").split(";")[0].strip().lower()
    if kind == "application/jwt":
        if keys is None:
            raise OidcRejected("a signed userinfo answer needs the provider's keys", reason=_INVALID)
        token = body.decode("ascii", "replace").strip()
        header = read_header(token)
        alg = _check_alg(header, algorithms)
        key = keys.select(header.get("kid") if isinstance(header.get("kid"), str) else None, alg)
        try:
            claims = jwt.decode(token, key.key, algorithms=[alg]).claims
        except BadSignatureError:
            raise OidcRejected("the userinfo signature does not verify", reason="oidc_signature_invalid") from None
        except (JoseError, ValueError) as exc:
            raise OidcRejected(f"the userinfo JWT cannot be read: {str(exc)[:120]}", reason=_INVALID) from None
        if issuer is not None and claims.get("iss", issuer) != issuer:
            raise OidcRejected("the signed userinfo names another issuer", reason="oidc_issuer_mismatch")
        aud = claims.get("aud", client_id)
        if client_id is not None and aud != client_id and not (isinstance(aud, list) and client_id in aud):
            raise OidcRejected("the signed userinfo is meant for another client", reason="oidc_audience_mismatch")
    elif kind == "application/json":
        claims = parse_object(body, what="userinfo answer", reason=_INVALID)
    else:
        raise OidcRejected(f"the userinfo answer has content type {kind[:60]!r}", reason=_INVALID)
    sub = claims.get("sub")
    if not isinstance(sub, str) or not hmac.compare_digest(sub.encode(), subject.encode()):
        raise OidcRejected(
            "the userinfo answer is about another subject than the ID token (sub)",
            reason="oidc_userinfo_sub_mismatch",
        )
    return dict(claims)
