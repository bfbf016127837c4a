"""The simulator as an OpenID provider: the broker's OIDC front, independent of HTTP.

The authorize endpoint opens the same :class:`~ehkit.broker.state.LoginFlow`
as a SAML AuthnRequest, so the user goes through the same screens (choose
the authentication service, log in as a persona, choose whom to represent)
and the same authorisation rules apply. Only the ends differ: the request is
an OAuth authorization request, and the answer is a code the DV redeems at
the token endpoint for an ID token whose claims follow the client's profile.

It behaves as a strict provider: exact redirect URIs, PKCE with S256 and a
nonce required (NL GOV), codes single-use and short-lived, bound to client,
redirect URI and verifier, client authentication as registered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from ehkit.broker.oidc_clients import OidcClient, OidcClientRegistry
from ehkit.broker.oidc_scenarios import OidcScenario, OidcTamper, get_oidc_scenario
from ehkit.broker.oidc_tokens import ProviderKeys, id_token_claims, sign_id_token
from ehkit.broker.state import LoginFlow
from ehkit.oidc.authorize import code_challenge
from ehkit.saml.metadata import Endpoint

if TYPE_CHECKING:
    from ehkit.broker.engine import Broker, Delivery
    from ehkit.broker.grant import Grant

__all__ = ["OidcAuthorization", "OidcProvider", "OidcRefused"]

CODE_TTL = timedelta(seconds=60)
TOKEN_LIFETIME = timedelta(minutes=5)
ACCESS_TOKEN_TTL = timedelta(minutes=5)
BINDING: Literal["oidc"] = "oidc"


@dataclass(frozen=True)
class OidcAuthorization:
    """The authorization request a flow answers."""

    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_challenge: str
    scope: tuple[str, ...]
    acr_values: str | None


class OidcRefused(Exception):
    """An authorization request refused with an OAuth error: sent to the redirect URI (``url``) or shown as a page."""

    def __init__(self, error: str, description: str, *, url: str | None = None, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.url, self.status = error, description, url, status


@dataclass
class _Code:
    flow_id: str
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    acr_values: str | None
    grant: Grant
    scenario: OidcScenario
    tamper: OidcTamper
    expires: datetime
    used: bool = False


@dataclass
class _Access:
    claims: dict[str, Any]
    expires: datetime


@dataclass
class _State:
    codes: dict[str, _Code] = field(default_factory=dict)
    access: dict[str, _Access] = field(default_factory=dict)
    assertion_ids: dict[str, datetime] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def purge(self, now: datetime) -> None:
        for key in [k for k, c in self.codes.items() if c.expires + timedelta(minutes=10) < now]:
            del self.codes[key]
        for key in [k for k, a in self.access.items() if a.expires < now]:
            del self.access[key]
        for key in [k for k, t in self.assertion_ids.items() if t < now]:
            del self.assertion_ids[key]


def _redirect(base: str, params: list[tuple[str, str]]) -> str:
    from urllib.parse import urlencode

    return base + ("&" if "?" in base else "?") + urlencode(params)


class OidcProvider:
    def __init__(self, broker: Broker, clients: OidcClientRegistry) -> None:
        self.broker = broker
        self.clients = clients
        self.keys = ProviderKeys.create(broker.keys.hm.private_key, broker.keys.rogue.private_key)
        self._state = _State()

    # ------------------------------------------------------------------ addresses

    @property
    def issuer(self) -> str:
        return self.broker.settings.base_url + "/oidc"

    def url(self, name: str) -> str:
        return f"{self.issuer}/{name}"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.url("authorize"),
            "token_endpoint": self.url("token"),
            "userinfo_endpoint": self.url("userinfo"),
            "jwks_uri": self.url("jwks"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256", "PS256", "ES256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt", "tls_client_auth"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "eherkenning-extra"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "authorization_response_iss_parameter_supported": True,
            "tls_client_certificate_bound_access_tokens": False,
            "ui_locales_supported": ["nl", "en"],
        }

    def jwks(self) -> dict[str, Any]:
        return self.keys.jwks()

    # ------------------------------------------------------------------ authorize

    def authorize(self, params: dict[str, str], *, lang: str) -> LoginFlow:
        """Open a login flow for an authorization request, or raise :class:`OidcRefused`."""
        client = self.clients.get(params.get("client_id"))
        if client is None:
            known = ", ".join(c.client_id for c in self.clients.all()) or "none"
            raise OidcRefused(
                "invalid_client",
                f"client_id {params.get('client_id', '')[:80]!r} is not registered at this simulator (known: {known}); "
                "register it with --config ehkit.toml or --oidc-client clients.toml",
            )
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            raise OidcRefused(
                "invalid_request",
                f"redirect_uri {redirect_uri[:200]!r} is not registered for {client.client_id} "
                f"(registered: {', '.join(client.redirect_uris)}); the provider only redirects to registered URIs",
            )
        state = params.get("state")

        def refuse(error: str, description: str) -> OidcRefused:
            back = [("error", error), ("error_description", description)]
            if state:
                back.append(("state", state))
            back.append(("iss", self.issuer))
            return OidcRefused(error, description, url=_redirect(redirect_uri, back))

        if params.get("response_type") != "code":
            raise refuse("unsupported_response_type", "only the authorization code flow (response_type=code)")
        scope = tuple(params.get("scope", "").split())
        if "openid" not in scope:
            raise refuse("invalid_scope", "the scope must include openid")
        if not state:
            raise refuse("invalid_request", "state is required")
        nonce = params.get("nonce")
        if not nonce:
            raise refuse("invalid_request", "nonce is required")
        challenge = params.get("code_challenge")
        if not challenge or params.get("code_challenge_method") != "S256":
            raise refuse("invalid_request", "PKCE with code_challenge_method=S256 is required")
        if params.get("prompt") == "none":
            raise refuse("login_required", "eHerkenning always shows the login screens")
        found = self._service(client, params)
        if found is None:
            raise refuse(
                "invalid_request",
                "this client serves several services and the request does not say which (give the service its own "
                "client id, or a service_param in the claim profile)",
            )
        dv, service = found
        now = self.broker.now()
        flow = LoginFlow(
            id=self.broker.state.new_flow_id(),
            dv=dv,
            service=service,
            request_id=None,
            relay_state=None,
            acs=Endpoint(BINDING, redirect_uri, None, False),
            response_binding="artifact",
            requested_loa=None,
            provider_name=None,
            created=now,
            lang=lang,
            scenario="oidc_none",
        )
        flow.oidc = OidcAuthorization(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            state=state,
            nonce=nonce,
            code_challenge=challenge,
            scope=scope,
            acr_values=params.get("acr_values"),
        )
        self.broker.state.add_flow(flow)
        return flow

    def _service(self, client: OidcClient, params: dict[str, str]) -> tuple[Any, Any] | None:
        """The (DV, service) this request is for: the client's only service, or the one its service_param names."""
        candidates: list[tuple[Any, Any]] = []
        for entity_id, index in client.bindings():
            dv = self.broker.registry.get(entity_id)
            if dv is None:
                raise OidcRefused("invalid_client", f"the DV {entity_id} of client {client.client_id} is not loaded")
            if index is None:
                candidates.extend((dv, s) for s in dv.services.values())
            elif index in dv.services:
                candidates.append((dv, dv.services[index]))
        if len(candidates) == 1:
            return candidates[0]
        name = client.profile.authorize.service_param
        if name and params.get(name):
            wanted = params[name].lower()
            return next(
                ((d, s) for d, s in candidates if wanted in (s.uuid.lower(), (s.instance_uuid or "").lower())), None
            )
        return None

    # ------------------------------------------------------------------ answering the browser

    def finish(self, flow: LoginFlow, grant: Grant, scenario_id: str | None = None) -> list[Delivery]:
        request: OidcAuthorization = flow.oidc
        scenario = get_oidc_scenario(scenario_id or flow.scenario)
        tamper = scenario.tamper(grant)
        code = secrets.token_urlsafe(32)
        now = self.broker.now()
        with self._state.lock:
            self._state.purge(now)
            self._state.codes[code] = _Code(
                flow_id=flow.id,
                client_id=request.client_id,
                redirect_uri=request.redirect_uri,
                challenge=request.code_challenge,
                nonce=request.nonce,
                acr_values=request.acr_values,
                grant=grant,
                scenario=scenario,
                tamper=tamper,
                expires=now + CODE_TTL,
            )
        flow.finished = True
        delivery = self._delivery(
            request, [("code", code), ("state", request.state), ("iss", tamper.iss_parameter or self.issuer)]
        )
        return [delivery, delivery] if scenario.delivery == "twice" else [delivery]

    def cancel(self, flow: LoginFlow) -> Delivery:
        request: OidcAuthorization = flow.oidc
        flow.finished = True
        return self._delivery(
            request,
            [
                ("error", "access_denied"),
                ("error_description", "the user cancelled"),
                ("state", request.state),
                ("iss", self.issuer),
            ],
        )

    def _delivery(self, request: OidcAuthorization, params: list[tuple[str, str]]) -> Delivery:
        from ehkit.broker.engine import Delivery

        return Delivery(request.redirect_uri, BINDING, None, oidc_params=tuple(params))

    # ------------------------------------------------------------------ token endpoint

    def token(
        self, form: dict[str, str], *, authorization: str | None, client_cert_der: bytes | None
    ) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (HTTP status, JSON body)."""
        now = self.broker.now()
        try:
            client = self._authenticate(form, authorization, client_cert_der, now)
        except OidcRefused as exc:
            return 401, {"error": exc.error, "error_description": exc.description}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type", "error_description": "only authorization_code"}
        code = form.get("code", "")
        with self._state.lock:
            entry = self._state.codes.get(code)
            if entry is None:
                return 400, {"error": "invalid_grant", "error_description": "unknown authorization code"}
            if entry.used:
                return 400, {"error": "invalid_grant", "error_description": "the authorization code was already used"}
            entry.used = True
        if entry.client_id != client.client_id:
            return 400, {"error": "invalid_grant", "error_description": "the code was issued to another client"}
        if entry.expires <= now:
            return 400, {"error": "invalid_grant", "error_description": "the authorization code has expired"}
        if form.get("redirect_uri") != entry.redirect_uri:
            return 400, {
                "error": "invalid_grant",
                "error_description": "redirect_uri differs from the authorization request",
            }
        verifier = form.get("code_verifier", "")
        if not (43 <= len(verifier) <= 128) or not hmac.compare_digest(code_challenge(verifier), entry.challenge):
            return 400, {"error": "invalid_grant", "error_description": "the PKCE code_verifier does not match"}
        access_token = secrets.token_urlsafe(32)
        alg = client.id_token_alg
        claims = id_token_claims(
            profile=client.profile,
            grant=entry.grant,
            tamper=entry.tamper,
            issuer=self.issuer,
            client_id=client.client_id,
            nonce=entry.nonce,
            acr_values=entry.acr_values,
            now=now,
            lifetime=TOKEN_LIFETIME,
            access_token=access_token,
        )
        id_token = sign_id_token(self.keys, claims, alg=alg, tamper=entry.tamper)
        info = {
            k: v
            for k, v in claims.items()
            if k not in ("iss", "aud", "iat", "exp", "nonce", "at_hash", "jti", "auth_time", "sid")
        }
        if entry.tamper.userinfo_sub:
            info["sub"] = entry.tamper.userinfo_sub
        with self._state.lock:
            self._state.access[access_token] = _Access(info, now + ACCESS_TOKEN_TTL)
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(ACCESS_TOKEN_TTL.total_seconds()),
            "id_token": id_token,
            "scope": "openid",
        }

    def _authenticate(
        self, form: dict[str, str], authorization: str | None, client_cert_der: bytes | None, now: datetime
    ) -> OidcClient:
        if authorization and authorization.lower().startswith("basic "):
            try:
                raw = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
                client_id, _, secret = raw.partition(":")
                client_id, secret = unquote(client_id), unquote(secret)
            except (ValueError, UnicodeDecodeError):
                raise OidcRefused("invalid_client", "the Basic credentials cannot be read") from None
            client = self.clients.get(client_id)
            if client is None or client.auth_method != "client_secret_basic" or not client.secret_matches(secret):
                raise OidcRefused("invalid_client", "client authentication failed")
            return client
        if form.get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return self._client_assertion(form.get("client_assertion", ""), form.get("client_id"), now)
        client = self.clients.get(form.get("client_id"))
        if client is None:
            raise OidcRefused("invalid_client", "no client authentication")
        if client.auth_method != "tls_client_auth":
            raise OidcRefused(
                "invalid_client", f"client {client.client_id} must authenticate with {client.auth_method}"
            )
        if client_cert_der is None:
            raise OidcRefused("invalid_client", "tls_client_auth needs a TLS client certificate")
        allowed = {hashlib.sha256(c.public_bytes(Encoding.DER)).hexdigest() for c in client.certificates}
        if hashlib.sha256(client_cert_der).hexdigest() not in allowed:
            raise OidcRefused("invalid_client", "the TLS client certificate is not the one registered for this client")
        return client

    def _client_assertion(self, assertion: str, client_id: str | None, now: datetime) -> OidcClient:
        client = self.clients.get(client_id)
        if client is None or client.auth_method != "private_key_jwt":
            raise OidcRefused("invalid_client", "unknown client, or it does not use private_key_jwt")
        token = None
        for cert in client.certificates:
            key = RSAKey.import_key(cert.public_key().public_bytes(Encoding.PEM, _spki()))
            try:
                token = jwt.decode(assertion, key, algorithms=["RS256", "PS256"])
                break
            except JoseError:
                continue
        if token is None:
            raise OidcRefused("invalid_client", "the client assertion is not signed by the client's registered key")
        claims = token.claims
        if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
            raise OidcRefused("invalid_client", "the client assertion's iss and sub must be the client id")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if not ({self.url("token"), self.issuer} & {a for a in audiences if isinstance(a, str)}):
            raise OidcRefused("invalid_client", "the client assertion is not addressed to this token endpoint")
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp < int(now.timestamp()) - 30:
            raise OidcRefused("invalid_client", "the client assertion has expired")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise OidcRefused("invalid_client", "the client assertion has no jti")
        with self._state.lock:
            if jti in self._state.assertion_ids:
                raise OidcRefused("invalid_client", "the client assertion was used before")
            self._state.assertion_ids[jti] = now + timedelta(minutes=10)
        return client

    # ------------------------------------------------------------------ userinfo

    def userinfo(self, authorization: str | None) -> tuple[int, dict[str, Any]]:
        if not authorization or not authorization.lower().startswith("bearer "):
            return 401, {"error": "invalid_token", "error_description": "a Bearer access token is required"}
        token = authorization[7:].strip()
        now = self.broker.now()
        with self._state.lock:
            entry = self._state.access.get(token)
        if entry is None or entry.expires <= now:
            return 401, {"error": "invalid_token", "error_description": "unknown or expired access token"}
        return 200, dict(entry.claims)


def _spki() -> Any:
    from cryptography.hazmat.primitives.serialization import PublicFormat

    return PublicFormat.SubjectPublicKeyInfo
