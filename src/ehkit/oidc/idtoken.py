"""ID token validation (OpenID Connect Core 3.1.3.7), authenticity before content.

Order of checks, so that nothing from a forged token is believed:

1. size and compact form; the header (read, not trusted) must name an
   allowed ``alg``: RS256, PS256 or ES256, never ``none``, never HS* (a
   "secret" that is the provider's public key proves nothing) and no ``crit``;
2. the key comes from the provider's JWKS only (``kid``), and must fit the
   algorithm; joserfc verifies the signature;
3. only then the claims: ``iss`` exactly, ``aud`` holds our client id (and
   ``azp`` is ours when there are several audiences), ``exp``/``iat``/``nbf``
   with the clock skew, ``nonce`` of this login, ``sub``; ``at_hash`` when
   present.

Time is passed in. ``acr`` and the eHerkenning claims are the claim
profile's business (:mod:`ehkit.oidc.profiles`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, JoseError

from ehkit.oidc.errors import OidcRejected
from ehkit.oidc.jsondoc import MAX_DEPTH, _depth, _no_duplicates
from ehkit.oidc.jwks import ALGORITHMS, JsonWebKeys

__all__ = ["MAX_ID_TOKEN_BYTES", "IdToken", "read_header", "token_hash", "validate_id_token"]

#: An eHerkenning ID token with every identifier and a few attributes is 2-4 KiB.
MAX_ID_TOKEN_BYTES = 16 * 1024
_MALFORMED = "oidc_token_malformed"


def token_hash(token: str) -> str:
    """A stable name for a token without a ``jti``: ``sha256:`` and the hex digest."""
    return "sha256:" + hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class IdToken:
    """A validated ID token. ``claims`` is the whole verified payload."""

    claims: dict[str, Any] = field(repr=False)
    issuer: str
    subject: str
    audience: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime
    auth_time: datetime | None
    nonce: str
    acr: str | None
    jti: str | None
    sid: str | None
    alg: str
    kid: str | None
    hash: str


def _b64json(part: str, what: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw, object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError):
        raise OidcRejected(f"the ID token's {what} is not base64url JSON", reason=_MALFORMED) from None


def read_header(token: str) -> dict[str, Any]:
    """The protected header, for choosing the key; nothing in it is trusted yet."""
    if not isinstance(token, str) or len(token) > MAX_ID_TOKEN_BYTES:
        raise OidcRejected(f"the ID token is larger than {MAX_ID_TOKEN_BYTES} bytes", reason=_MALFORMED)
    parts = token.split(".")
    if len(parts) == 5:
        raise OidcRejected(
            "the ID token is encrypted (JWE), which this relying party does not accept", reason=_MALFORMED
        )
    if len(parts) != 3:
        raise OidcRejected("the ID token is not a compact JWS (three dot-separated parts)", reason=_MALFORMED)
    header = _b64json(parts[0], "header")
    if not isinstance(header, dict):
        raise OidcRejected("the ID token's header is not a JSON object", reason=_MALFORMED)
    return header


def _check_alg(header: dict[str, Any], algorithms: Sequence[str]) -> str:
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise OidcRejected("the ID token's header names no algorithm", reason="oidc_alg_not_allowed")
    if alg.lower() == "none":
        raise OidcRejected("the ID token is unsigned (alg none)", reason="oidc_alg_not_allowed")
    if alg.upper().startswith("HS"):
        raise OidcRejected(
            f"the ID token is signed with {alg} (a shared secret), never accepted from an OpenID provider here",
            reason="oidc_alg_not_allowed",
        )
    if alg not in algorithms or alg not in ALGORITHMS:
        raise OidcRejected(
            f"the ID token is signed with {alg[:20]}, not one of {', '.join(algorithms)}",
            reason="oidc_alg_not_allowed",
        )
    if "crit" in header:
        raise OidcRejected("the ID token's header has critical extensions (crit)", reason=_MALFORMED)
    for name in ("jku", "jwk", "x5u"):
        if name in header:
            # Never followed; a token that tries to bring its own key is treated as an attack.
            raise OidcRejected(f"the ID token's header carries {name}: keys come from the JWKS only", reason=_MALFORMED)
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.upper() not in ("JWT", "APPLICATION/JWT")):
        raise OidcRejected(f"the ID token's typ is {str(typ)[:30]!r}, not JWT", reason=_MALFORMED)
    return alg


def _number(claims: dict[str, Any], name: str, *, required: bool) -> datetime | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise OidcRejected(f"the ID token has no {name}", reason="oidc_claim_missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value < 10**11):
        raise OidcRejected(f"the ID token's {name} is not a time in seconds", reason="oidc_claim_invalid")
    return datetime.fromtimestamp(value, UTC)


def _string(claims: dict[str, Any], name: str, *, required: bool, max_len: int = 1024) -> str | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise OidcRejected(f"the ID token has no {name}", reason="oidc_claim_missing")
        return None
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise OidcRejected(f"the ID token's {name} is not a usable string", reason="oidc_claim_invalid")
    return value


def _at_hash(access_token: str, alg: str) -> str:
    # RS256, PS256 and ES256 all hash with SHA-256: the left half of the digest, base64url.
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def validate_id_token(
    token: str,
    *,
    keys: JsonWebKeys,
    issuer: str,
    client_id: str,
    nonce: str,
    now: datetime,
    clock_skew: timedelta = timedelta(minutes=2),
    max_age: timedelta = timedelta(minutes=10),
    algorithms: Sequence[str] = ALGORITHMS,
    access_token: str | None = None,
) -> IdToken:
    """Validate ``token`` for this login or raise :class:`OidcRejected`.

    ``max_age`` bounds how long ago the token may have been issued (a token is
    fetched seconds after it is made). :class:`~ehkit.oidc.errors.KeyUnknown`
    means the JWKS may be stale: refetch once and call again.
    """
    header = read_header(token)
    alg = _check_alg(header, algorithms)
    kid = header.get("kid")
    if kid is not None and (not isinstance(kid, str) or len(kid) > 256):
        raise OidcRejected("the ID token's kid is not a usable string", reason=_MALFORMED)
    key = keys.select(kid, alg)
    try:
        jws.extract_compact(token.encode("ascii"))
        verified = jwt.decode(token, key.key, algorithms=[alg])
    except BadSignatureError:
        raise OidcRejected("the ID token's signature does not verify", reason="oidc_signature_invalid") from None
    except (JoseError, ValueError, UnicodeError) as exc:
        raise OidcRejected(f"the ID token cannot be read: {str(exc)[:120]}", reason=_MALFORMED) from None
    claims = verified.claims
    if not isinstance(claims, dict):
        raise OidcRejected("the ID token's payload is not a JSON object", reason=_MALFORMED)
    # joserfc parsed the payload with the standard decoder; refuse duplicates and deep nesting as elsewhere.
    _b64json(token.split(".")[1], "payload")
    if _depth(claims, MAX_DEPTH) > MAX_DEPTH:
        raise OidcRejected(f"the ID token nests deeper than {MAX_DEPTH} levels", reason=_MALFORMED)

    iss = claims.get("iss")
    if iss != issuer:
        shown = iss[:200] if isinstance(iss, str) else repr(iss)[:60]
        raise OidcRejected(f"the ID token was issued by {shown!r}, not by {issuer!r}", reason="oidc_issuer_mismatch")
    aud = claims.get("aud")
    audience: tuple[str, ...]
    if isinstance(aud, str):
        audience = (aud,)
    elif isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud) and len(aud) <= 16:
        audience = tuple(aud)
    else:
        raise OidcRejected("the ID token has no usable aud", reason="oidc_audience_mismatch")
    if client_id not in audience:
        raise OidcRejected("the ID token is not meant for this client (aud)", reason="oidc_audience_mismatch")
    azp = claims.get("azp")
    if len(audience) > 1 and azp is None:
        raise OidcRejected("the ID token has several audiences but no azp", reason="oidc_audience_mismatch")
    if azp is not None and azp != client_id:
        raise OidcRejected("the ID token was issued to another party (azp)", reason="oidc_audience_mismatch")

    expires = _number(claims, "exp", required=True)
    issued = _number(claims, "iat", required=True)
    not_before = _number(claims, "nbf", required=False)
    auth_time = _number(claims, "auth_time", required=False)
    if expires is None or issued is None:  # pragma: no cover - _number(required=True) raised
        raise OidcRejected("the ID token has no exp or iat", reason="oidc_claim_missing")
    if expires <= now - clock_skew:
        raise OidcRejected("the ID token has expired (exp)", reason="oidc_token_expired")
    if issued > now + clock_skew:
        raise OidcRejected("the ID token was issued in the future (iat)", reason="oidc_token_not_yet_valid")
    if issued < now - max_age - clock_skew:
        raise OidcRejected("the ID token was issued too long ago (iat)", reason="oidc_token_expired")
    if not_before is not None and not_before > now + clock_skew:
        raise OidcRejected("the ID token is not yet valid (nbf)", reason="oidc_token_not_yet_valid")
    if auth_time is not None and auth_time > now + clock_skew:
        raise OidcRejected("the ID token's auth_time lies in the future", reason="oidc_token_not_yet_valid")

    got_nonce = claims.get("nonce")
    if not isinstance(got_nonce, str) or not hmac.compare_digest(got_nonce.encode(), nonce.encode()):
        raise OidcRejected("the ID token's nonce is not this login's", reason="oidc_nonce_mismatch")
    subject = _string(claims, "sub", required=True, max_len=255)
    if subject is None:  # pragma: no cover - _string(required=True) raised
        raise OidcRejected("the ID token has no sub", reason="oidc_claim_missing")
    at_hash = claims.get("at_hash")
    if (
        at_hash is not None
        and access_token is not None
        and (
            not isinstance(at_hash, str)
            or not hmac.compare_digest(at_hash.encode(), _at_hash(access_token, alg).encode())
        )
    ):
        raise OidcRejected("the ID token's at_hash does not match the access token", reason="oidc_at_hash_mismatch")
    acr = claims.get("acr")
    return IdToken(
        claims=claims,
        issuer=issuer,
        subject=subject,
        audience=audience,
        issued_at=issued,
        expires_at=expires,
        auth_time=auth_time,
        nonce=got_nonce,
        acr=acr if isinstance(acr, str) else None,
        jti=_string(claims, "jti", required=False, max_len=256),
        sid=_string(claims, "sid", required=False, max_len=256),
        alg=alg,
        kid=kid,
        hash=token_hash(token),
    )
