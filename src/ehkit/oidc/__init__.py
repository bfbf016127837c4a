"""OpenID Connect relying party beside :mod:`ehkit.saml`: discovery, code flow with PKCE,
ID token validation, claim profiles per broker front. See docs/oidc.md.

The modules other than :mod:`ehkit.oidc.client` and :mod:`ehkit.oidc.relying_party`
do no I/O and read no clock: the caller moves the bytes and passes the time in.
JOSE (JWS, JWK, JWT) is joserfc's (the ``oidc`` extra). Names are re-exported
lazily, so reading a claim profile (configuration checks) does not import joserfc.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "ALGORITHMS": "ehkit.oidc.jwks",
    "authorization_url": "ehkit.oidc.authorize",
    "AuthorizationResponse": "ehkit.oidc.authorize",
    "available_profiles": "ehkit.oidc.profiles",
    "ClaimedIdentifier": "ehkit.oidc.profiles",
    "ClaimedIdentity": "ehkit.oidc.profiles",
    "ClaimProfile": "ehkit.oidc.profiles",
    "ClientAuth": "ehkit.oidc.token",
    "code_challenge": "ehkit.oidc.authorize",
    "discovery_url": "ehkit.oidc.discovery",
    "IdToken": "ehkit.oidc.idtoken",
    "JsonWebKeys": "ehkit.oidc.jwks",
    "KeyUnknown": "ehkit.oidc.errors",
    "load_profile": "ehkit.oidc.profiles",
    "OidcRejected": "ehkit.oidc.errors",
    "OidcUnavailable": "ehkit.oidc.errors",
    "parse_callback": "ehkit.oidc.authorize",
    "parse_discovery": "ehkit.oidc.discovery",
    "parse_jwks": "ehkit.oidc.jwks",
    "parse_token_response": "ehkit.oidc.token",
    "profile_from_table": "ehkit.oidc.profiles",
    "ProviderClient": "ehkit.oidc.client",
    "ProviderMetadata": "ehkit.oidc.discovery",
    "RelyingParty": "ehkit.oidc.relying_party",
    "RelyingPartySettings": "ehkit.oidc.relying_party",
    "token_request": "ehkit.oidc.token",
    "TokenResponse": "ehkit.oidc.token",
    "validate_id_token": "ehkit.oidc.idtoken",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ehkit.oidc' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = sorted(_LAZY)  # noqa: PLE0605
