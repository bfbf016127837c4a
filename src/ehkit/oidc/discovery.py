"""The provider's discovery document (OpenID Connect Discovery 1.0, RFC 8414).

The issuer must equal the configured one exactly, character for character:
that comparison is what ties every later answer (the ID token's ``iss``, the
authorization response's ``iss``) to the provider the DV contracted, and is
the defence against a mix-up between providers (RFC 9207). Endpoints must be
https. Nothing else in the document is trusted beyond what is checked here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ehkit.oidc.errors import OidcRejected
from ehkit.oidc.jsondoc import check_endpoint, parse_object

__all__ = ["WELL_KNOWN", "ProviderMetadata", "discovery_url", "parse_discovery"]

WELL_KNOWN = "/.well-known/openid-configuration"
_INVALID = "oidc_discovery_invalid"


def discovery_url(issuer: str) -> str:
    """Where an issuer publishes its document: the issuer plus the well-known path (Discovery 4)."""
    return issuer.rstrip("/") + WELL_KNOWN


@dataclass(frozen=True)
class ProviderMetadata:
    """What the relying party uses from a checked discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    id_token_algorithms: tuple[str, ...]
    token_auth_methods: tuple[str, ...]
    code_challenge_methods: tuple[str, ...] | None
    iss_parameter_supported: bool
    mtls_token_endpoint: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    def token_endpoint_for(self, auth_method: str) -> str:
        """With mutual TLS the provider may publish a separate token endpoint (RFC 8705 section 5)."""
        if auth_method == "tls_client_auth" and self.mtls_token_endpoint:
            return self.mtls_token_endpoint
        return self.token_endpoint


def _strings(doc: dict[str, Any], name: str, *, required: bool) -> tuple[str, ...] | None:
    value = doc.get(name)
    if value is None:
        if required:
            raise OidcRejected(f"the discovery document lacks {name}", reason=_INVALID)
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 64:
        raise OidcRejected(f"{name} in the discovery document is not a list of strings", reason=_INVALID)
    return tuple(value)


def parse_discovery(
    data: bytes | str,
    *,
    expected_issuer: str,
    algorithms: Sequence[str],
    auth_method: str,
    allow_http_loopback: bool = False,
) -> ProviderMetadata:
    """Check a discovery document for this relying party's configuration.

    ``algorithms`` is the relying party's allow-list; the provider must offer
    one of them. ``auth_method`` must be one the provider supports (when it
    says which; the default per RFC 8414 is ``client_secret_basic``).
    """
    doc = parse_object(data, what="discovery document", reason=_INVALID)
    issuer = doc.get("issuer")
    if not isinstance(issuer, str):
        raise OidcRejected("the discovery document has no issuer", reason=_INVALID)
    if issuer != expected_issuer:
        raise OidcRejected(
            f"the discovery document names issuer {issuer[:200]!r}, not the configured {expected_issuer!r} "
            "(they must be identical, including a trailing slash)",
            reason="oidc_issuer_mismatch",
        )

    def endpoint(name: str) -> str:
        return check_endpoint(doc.get(name), what=name, reason=_INVALID, allow_http_loopback=allow_http_loopback)

    userinfo = doc.get("userinfo_endpoint")
    response_types = _strings(doc, "response_types_supported", required=True) or ()
    if "code" not in response_types:
        raise OidcRejected("the provider does not offer the authorization code flow", reason=_INVALID)
    offered = _strings(doc, "id_token_signing_alg_values_supported", required=True) or ()
    if not set(offered) & set(algorithms):
        raise OidcRejected(
            f"the provider signs ID tokens with {', '.join(offered)[:200]}; none is allowed here "
            f"({', '.join(algorithms)})",
            reason="oidc_alg_not_allowed",
        )
    methods = _strings(doc, "token_endpoint_auth_methods_supported", required=False) or ("client_secret_basic",)
    if auth_method not in methods:
        raise OidcRejected(
            f"the provider does not offer token endpoint authentication {auth_method!r} (it offers "
            f"{', '.join(methods)[:200]})",
            reason=_INVALID,
        )
    challenge = _strings(doc, "code_challenge_methods_supported", required=False)
    if challenge is not None and "S256" not in challenge:
        raise OidcRejected("the provider does not offer PKCE with S256", reason=_INVALID)
    iss_param = doc.get("authorization_response_iss_parameter_supported", False)
    if not isinstance(iss_param, bool):
        raise OidcRejected("authorization_response_iss_parameter_supported is not a boolean", reason=_INVALID)
    aliases = doc.get("mtls_endpoint_aliases")
    mtls_token = None
    if isinstance(aliases, dict) and aliases.get("token_endpoint") is not None:
        mtls_token = check_endpoint(
            aliases["token_endpoint"],
            what="mtls_endpoint_aliases.token_endpoint",
            reason=_INVALID,
            allow_http_loopback=allow_http_loopback,
        )
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=endpoint("authorization_endpoint"),
        token_endpoint=endpoint("token_endpoint"),
        jwks_uri=endpoint("jwks_uri"),
        userinfo_endpoint=endpoint("userinfo_endpoint") if userinfo is not None else None,
        id_token_algorithms=tuple(a for a in offered if a in algorithms),
        token_auth_methods=methods,
        code_challenge_methods=challenge,
        iss_parameter_supported=iss_param,
        mtls_token_endpoint=mtls_token,
        raw=doc,
    )
