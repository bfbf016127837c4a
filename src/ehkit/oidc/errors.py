"""Typed errors of the OpenID Connect relying party.

Every refusal is an :class:`OidcRejected` (a :class:`~ehkit.errors.LoginRejected`,
so web layers that already handle SAML refusals handle these unchanged) with a
reason code from :mod:`ehkit.reasons`. A provider that cannot be reached is an
:class:`OidcUnavailable`, whose reasons are of kind "unavailable": the user is
told to try again later, not that the login was refused.
"""

from __future__ import annotations

from ehkit.errors import LoginRejected

__all__ = ["KeyUnknown", "OidcRejected", "OidcUnavailable"]


class OidcRejected(LoginRejected):
    """The relying party refuses an answer of the OpenID provider."""

    reason = "oidc_rejected"


class OidcUnavailable(OidcRejected):
    """The provider's discovery document, keys, token or userinfo endpoint did not answer usably."""

    reason = "oidc_unavailable"


class KeyUnknown(OidcRejected):
    """The ID token names a key the provider's JWKS does not hold (the caller may refetch once)."""

    reason = "oidc_key_unknown"
