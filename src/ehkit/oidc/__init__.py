"""OpenID Connect relying party beside :mod:`ehkit.saml`: discovery, code flow with PKCE,
ID token validation, claim profiles per broker front. See docs/oidc.md.

The modules other than :mod:`ehkit.oidc.client` and
:mod:`ehkit.oidc.relying_party` do no I/O and read no clock: the caller moves
the bytes and passes the time in. JOSE (JWS, JWK, JWT) is joserfc's.
"""

from ehkit.oidc.authorize import AuthorizationResponse, authorization_url, code_challenge, parse_callback
from ehkit.oidc.discovery import ProviderMetadata, discovery_url, parse_discovery
from ehkit.oidc.errors import KeyUnknown, OidcRejected, OidcUnavailable
from ehkit.oidc.idtoken import IdToken, validate_id_token
from ehkit.oidc.jwks import ALGORITHMS, JsonWebKeys, parse_jwks
from ehkit.oidc.profiles import (
    ClaimedIdentifier,
    ClaimedIdentity,
    ClaimProfile,
    available_profiles,
    load_profile,
    profile_from_table,
)
from ehkit.oidc.token import ClientAuth, TokenResponse, parse_token_response, token_request

__all__ = [
    "ALGORITHMS",
    "AuthorizationResponse",
    "ClaimProfile",
    "ClaimedIdentifier",
    "ClaimedIdentity",
    "ClientAuth",
    "IdToken",
    "JsonWebKeys",
    "KeyUnknown",
    "OidcRejected",
    "OidcUnavailable",
    "ProviderMetadata",
    "TokenResponse",
    "authorization_url",
    "available_profiles",
    "code_challenge",
    "discovery_url",
    "load_profile",
    "parse_callback",
    "parse_discovery",
    "parse_jwks",
    "parse_token_response",
    "profile_from_table",
    "token_request",
    "validate_id_token",
]
