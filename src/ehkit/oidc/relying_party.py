"""One login over OpenID Connect, from authorize URL to checked claims.

:class:`RelyingParty` strings the sans-IO parts together with the I/O of
:class:`~ehkit.oidc.client.ProviderClient`. It keeps no state of its own:
``begin`` returns the secrets the caller must store server-side (the SP puts
them in its pending-request store) and ``complete`` takes them back. What it
returns is still claims, not a login: the SP validates identifiers and the
level against the service (:mod:`ehkit.sp.oidc_login`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ehkit.oidc.authorize import authorization_url, new_secret
from ehkit.oidc.client import Deadline, ProviderClient
from ehkit.oidc.errors import KeyUnknown, OidcRejected
from ehkit.oidc.idtoken import IdToken, validate_id_token
from ehkit.oidc.jwks import ALGORITHMS
from ehkit.oidc.profiles import ClaimedIdentity, ClaimProfile
from ehkit.oidc.token import ClientAuth

__all__ = ["LoginRequest", "RelyingParty", "RelyingPartySettings", "VerifiedLogin"]


@dataclass(frozen=True)
class RelyingPartySettings:
    issuer: str
    client_id: str
    redirect_uri: str
    auth: ClientAuth
    profile: ClaimProfile
    #: Scopes besides the profile's (``openid`` is always sent).
    scopes: tuple[str, ...] = ()
    #: Authorize parameters besides the profile's (config wins over profile).
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    algorithms: tuple[str, ...] = ALGORITHMS
    clock_skew: timedelta = timedelta(minutes=2)
    max_token_age: timedelta = timedelta(minutes=10)
    userinfo: bool = False


@dataclass(frozen=True)
class LoginRequest:
    """Where to send the browser, and the secrets to keep server-side until the callback."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class VerifiedLogin:
    id_token: IdToken
    claims: dict[str, Any] = field(repr=False)
    identity: ClaimedIdentity


class RelyingParty:
    def __init__(self, settings: RelyingPartySettings, client: ProviderClient) -> None:
        self.settings = settings
        self.client = client

    def scopes(self) -> tuple[str, ...]:
        out = list(self.settings.profile.authorize.scopes)
        for scope in self.settings.scopes:
            if scope not in out:
                out.append(scope)
        return tuple(out)

    def authorize_params(self, service_params: Mapping[str, str] | None = None) -> dict[str, str]:
        """Profile, then configuration, then the service's own parameters; later ones win."""
        profile = self.settings.profile.authorize
        params: dict[str, str] = {}
        if profile.prompt:
            params["prompt"] = profile.prompt
        if profile.acr_values:
            params["acr_values"] = profile.acr_values
        params.update(profile.params)
        params.update(self.settings.authorize_params)
        params.update(service_params or {})
        return params

    def begin(self, *, now: datetime, params: Mapping[str, str] | None = None) -> LoginRequest:
        """Fresh state, nonce and PKCE verifier, and the authorize URL that carries them."""
        meta = self.client.metadata(now=now)
        state, nonce, verifier = new_secret(), new_secret(), new_secret()
        url = authorization_url(
            meta.authorization_endpoint,
            client_id=self.settings.client_id,
            redirect_uri=self.settings.redirect_uri,
            scopes=self.scopes(),
            state=state,
            nonce=nonce,
            verifier=verifier,
            extra=self.authorize_params(params),
        )
        return LoginRequest(url=url, state=state, nonce=nonce, code_verifier=verifier)

    def check_issuer_parameter(self, iss: str | None, *, now: datetime) -> None:
        """RFC 9207: the callback's ``iss`` must be our provider; it must be there when the provider says it sends it."""
        meta = self.client.metadata(now=now)
        if iss is None:
            if meta.iss_parameter_supported:
                raise OidcRejected(
                    "the provider sends iss in its callbacks, and this one has none (a mix-up?)",
                    reason="oidc_issuer_mismatch",
                )
            return
        if iss != self.settings.issuer:
            raise OidcRejected(
                f"the callback comes from issuer {iss[:200]!r}, not from {self.settings.issuer!r}",
                reason="oidc_issuer_mismatch",
            )

    def complete(self, *, code: str, nonce: str, code_verifier: str, now: datetime) -> VerifiedLogin:
        """Redeem the code, validate the ID token (refetching the JWKS once for an unknown key),
        fetch userinfo when configured, and read the claims with the profile."""
        s = self.settings
        deadline = Deadline(self.client.exchange_timeout)
        tokens = self.client.exchange_code(
            code=code, code_verifier=code_verifier, redirect_uri=s.redirect_uri, auth=s.auth, now=now, deadline=deadline
        )
        keys = self.client.keys(now=now, deadline=deadline)

        def validate(current: Any) -> IdToken:
            return validate_id_token(
                tokens.id_token,
                keys=current,
                issuer=s.issuer,
                client_id=s.client_id,
                nonce=nonce,
                now=now,
                clock_skew=s.clock_skew,
                max_age=s.max_token_age,
                algorithms=s.algorithms,
                access_token=tokens.access_token,
            )

        try:
            id_token = validate(keys)
        except KeyUnknown:
            refreshed = self.client.keys(now=now, deadline=deadline, force=True)
            if refreshed is keys:
                raise
            keys = refreshed
            id_token = validate(keys)
        claims: dict[str, Any] = dict(id_token.claims)
        if s.userinfo:
            if tokens.access_token is None:
                raise OidcRejected(
                    "userinfo is configured but the provider issued no access token",
                    reason="oidc_token_response_invalid",
                )
            info = self.client.userinfo(
                access_token=tokens.access_token,
                subject=id_token.subject,
                client_id=s.client_id,
                keys=keys,
                now=now,
                deadline=deadline,
            )
            # The signed ID token wins where both say something.
            claims = {**info, **claims}
        identity = s.profile.read(claims)
        return VerifiedLogin(id_token=id_token, claims=claims, identity=identity)

    def close(self) -> None:
        self.client.close()
