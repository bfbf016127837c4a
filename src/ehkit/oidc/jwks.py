"""The provider's signing keys, only from its JWKS (RFC 7517).

Keys are never taken from a token (no ``jwk``, ``jku`` or ``x5u`` header is
followed) and never symmetric: an ``oct`` key in a JWKS is public, so an HMAC
made with it proves nothing. A set holding private key material is refused as
a whole, because a provider that publishes its private key has no key left
worth trusting. Keys too weak for the allow-list are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from ehkit.oidc.errors import KeyUnknown, OidcRejected
from ehkit.oidc.jsondoc import parse_object

__all__ = ["ALGORITHMS", "JsonWebKeys", "ProviderKey", "parse_jwks"]

#: The algorithm allow-list: RSA PKCS#1 v1.5 and PSS with SHA-256, ECDSA P-256. Never ``none``, never HS*.
ALGORITHMS: tuple[str, ...] = ("RS256", "PS256", "ES256")
#: More keys than this is no real provider (they publish one to three during a rollover).
MAX_KEYS = 32
_INVALID = "oidc_jwks_invalid"
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_KTY_FOR = {"RS256": "RSA", "PS256": "RSA", "ES256": "EC"}


@dataclass(frozen=True)
class ProviderKey:
    kid: str | None
    kty: str
    alg: str | None
    key: RSAKey | ECKey

    def fits(self, alg: str) -> bool:
        """May this key verify a signature with ``alg``?"""
        if _KTY_FOR.get(alg) != self.kty:
            return False
        if self.alg is not None and self.alg != alg:
            return False
        return not (isinstance(self.key, ECKey) and self.key.curve_name != "P-256")


@dataclass(frozen=True)
class JsonWebKeys:
    """A checked key set; ``select`` finds the key for a token header."""

    keys: tuple[ProviderKey, ...]

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(k.kid for k in self.keys if k.kid)

    def select(self, kid: str | None, alg: str) -> ProviderKey:
        """The key named by ``kid`` (or the only key that fits ``alg`` when the token names none).

        Raises :class:`KeyUnknown` when no key matches: the caller refetches
        the JWKS once (the provider may have rotated) and asks again.
        """
        if kid is not None:
            for key in self.keys:
                if key.kid == kid:
                    if not key.fits(alg):
                        raise OidcRejected(
                            f"key {kid[:80]!r} cannot verify {alg} (its type or algorithm differs)",
                            reason="oidc_alg_not_allowed",
                        )
                    return key
            raise KeyUnknown(f"the ID token is signed with key {kid[:80]!r}, which the provider's JWKS does not hold")
        fitting = [k for k in self.keys if k.fits(alg)]
        if len(fitting) == 1:
            return fitting[0]
        if not fitting:
            raise KeyUnknown(f"the provider's JWKS holds no key for {alg}")
        raise KeyUnknown("the ID token names no key (kid) and the provider's JWKS holds several that fit")


def _import(jwk: Mapping[str, Any], algorithms: Sequence[str]) -> ProviderKey | None:
    kty = jwk.get("kty")
    if not isinstance(kty, str):
        raise OidcRejected("a key in the JWKS has no kty", reason=_INVALID)
    if _PRIVATE_MEMBERS & set(jwk):
        raise OidcRejected(
            "the provider's JWKS publishes private or symmetric key material; no key in it is trusted",
            reason=_INVALID,
        )
    use = jwk.get("use")
    if use is not None and use != "sig":
        return None  # an encryption key: not for verifying ID tokens
    alg = jwk.get("alg")
    if alg is not None and (not isinstance(alg, str) or alg not in algorithms):
        return None  # published for an algorithm we do not accept
    kid = jwk.get("kid")
    if kid is not None and (not isinstance(kid, str) or not kid or len(kid) > 256):
        raise OidcRejected("a key in the JWKS has an unusable kid", reason=_INVALID)
    public = {k: v for k, v in jwk.items() if k not in ("x5c", "x5u", "x5t", "x5t#S256", "key_ops")}
    try:
        if kty == "RSA":
            key: RSAKey | ECKey = RSAKey.import_key(public)
            if key.raw_value.key_size < 2048:
                return None
        elif kty == "EC":
            key = ECKey.import_key(public)
        else:
            return None  # oct, OKP and others: never used for ID tokens here
    except (JoseError, ValueError, TypeError) as exc:
        raise OidcRejected(f"a key in the JWKS cannot be read: {str(exc)[:120]}", reason=_INVALID) from None
    return ProviderKey(kid=kid, kty=kty, alg=alg, key=key)


def parse_jwks(data: bytes | str, *, algorithms: Sequence[str] = ALGORITHMS) -> JsonWebKeys:
    doc = parse_object(data, what="JWKS", reason=_INVALID)
    raw_keys = doc.get("keys")
    if not isinstance(raw_keys, list):
        raise OidcRejected("the JWKS has no keys list", reason=_INVALID)
    if len(raw_keys) > MAX_KEYS:
        raise OidcRejected(f"the JWKS holds {len(raw_keys)} keys, more than {MAX_KEYS}", reason=_INVALID)
    keys: list[ProviderKey] = []
    for jwk in raw_keys:
        if not isinstance(jwk, dict):
            raise OidcRejected("a key in the JWKS is not a JSON object", reason=_INVALID)
        imported = _import(jwk, algorithms)
        if imported is not None:
            keys.append(imported)
    kids = [k.kid for k in keys if k.kid is not None]
    if len(set(kids)) != len(kids):
        raise OidcRejected("two signing keys in the JWKS share a kid", reason=_INVALID)
    if not keys:
        raise OidcRejected("the JWKS holds no signing key usable with the allowed algorithms", reason=_INVALID)
    return JsonWebKeys(tuple(keys))
