"""``ServiceProvider``: log companies in through an eHerkenning broker.

Three calls::

    sp = ServiceProvider.from_config("ehkit.toml")
    start = sp.start_login("vergunning", relay_state="/aanvraag/42")
    result = sp.finish_login(saml_art=..., relay_state=..., request_id=...)

``process_response`` is the sans-IO core that ``finish_login`` feeds after the
artifact resolution; call it directly when you move the bytes yourself.

The order of work in ``process_response`` is the security design:

1. **authenticity**, no state touched: hardened parse (once), every signature
   (ArtifactResponse, Response, Assertion), Issuers, element positions;
2. **replay cache** on the Response and Assertion IDs;
3. **the pending request is consumed** (atomically; exactly once across
   processes). A forgery never gets here, so it cannot burn a user's pending
   login; a genuine response that then fails policy has consumed it;
4. **status**, then the **policy** (destination, times, audience, LoA,
   service, RelayState);
5. only then **decryption** of the identifiers addressed to us, with a cap on
   their number, and the typed :class:`~ehkit.sp.result.LoginResult`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import ConfigError, EhkitError, LoginRejected, ValidationError
from ehkit.saml import constants as c
from ehkit.saml import soap
from ehkit.saml.artifact import Artifact
from ehkit.saml.artifact_resolution import build_artifact_resolve
from ehkit.saml.authn_request import AuthnRequest
from ehkit.saml.bindings import b64encode, decode_post, post_form, redirect_url
from ehkit.saml.ids import new_id
from ehkit.saml.metadata import IdpMetadata
from ehkit.saml.response import (
    AssertionContent,
    Binding,
    VerifiedMessage,
    read_assertion,
    read_response,
    verify_message,
)
from ehkit.saml.timefmt import utcnow
from ehkit.sp import policy
from ehkit.sp import relay_state as relay
from ehkit.sp.audit import AuditEvent, keyed_hash
from ehkit.sp.identity import Identity, IdentityReader
from ehkit.sp.result import LoginResult
from ehkit.sp.settings import RequestBinding, ServiceSettings, SpSettings
from ehkit.sp.stores.base import PendingRequest, StateStore
from ehkit.sp.stores.factory import open_store
from ehkit.xml.encryption import DecryptionPolicy, decrypt_element, decryption_policy
from ehkit.xml.parse import DEFAULT_LIMITS, ParsedDocument, ParseLimits, parse_document
from ehkit.xml.trust import TrustSet

if TYPE_CHECKING:  # the HTTP client is imported only where it is used: the core stays sans-IO
    from collections.abc import Callable, Iterable

    from ehkit.saml.logout import VerifiedLogout
    from ehkit.sp.artifact_client import ArtifactClient
    from ehkit.sp.logout import LogoutAnswer, LogoutResult, LogoutStart
    from ehkit.sp.oidc_login import OidcLogin

NO_CACHE_HEADERS: Mapping[str, str] = MappingProxyType({"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"})
_RELAY_PREFIX = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class MetadataSource(Protocol):
    def get(self, *, now: datetime | None = None) -> IdpMetadata: ...


class _FixedMetadata:
    def __init__(self, metadata: IdpMetadata) -> None:
        self._metadata = metadata

    def get(self, *, now: datetime | None = None) -> IdpMetadata:
        return self._metadata


@dataclass(frozen=True)
class LoginStart:
    """Where to send the browser. ``method`` "redirect": answer 302/303 to ``url``;
    "post": answer 200 with ``form_html`` (it posts itself to ``url``). Send
    ``headers`` along; store ``request_id`` in the user's session and pass it
    to ``finish_login`` to bind the answer to this browser."""

    request_id: str
    method: Literal["redirect", "post"]
    url: str
    relay_state: str
    expires_at: datetime
    form_html: str | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: NO_CACHE_HEADERS, hash=False)


class StateStoreUnavailable(EhkitError):
    reason = "store_unavailable"


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _as_rejection(exc: EhkitError) -> LoginRejected:
    if isinstance(exc, LoginRejected):
        return exc
    return LoginRejected(exc.message, reason=exc.reason)


class ServiceProvider:
    """The DV side of eHerkenning. Thread-safe; build once at start-up."""

    def __init__(
        self,
        settings: SpSettings,
        *,
        metadata: MetadataSource | IdpMetadata,
        store: StateStore | str = "memory://",
        artifact_client: ArtifactClient | None = None,
        limits: ParseLimits = DEFAULT_LIMITS,
        oidc: OidcLogin | None = None,
    ) -> None:
        self.settings = settings
        self.oidc = oidc
        self._metadata: MetadataSource = _FixedMetadata(metadata) if isinstance(metadata, IdpMetadata) else metadata
        self.store = open_store(store) if isinstance(store, str) else store
        self._artifact_client = artifact_client
        self._limits = limits
        # Built once: decryption policies per EntityID we may be addressed as, and the trust set per metadata copy.
        keys = [(k.private_key, k.key_names) for k in settings.decryption_keys]
        self._decryption: dict[str, DecryptionPolicy] = {
            eid: decryption_policy(keys, entity_id=eid, data_algorithms=settings.allowed_data_algorithms)
            for eid in self.entity_ids
        }
        self._trust_cache: tuple[IdpMetadata, TrustSet] | None = None
        self._entity_by_prefix = {_RELAY_PREFIX[i]: eid for i, eid in enumerate(self.entity_ids)}

    # ------------------------------------------------------------------ configuration

    @classmethod
    def from_config(
        cls,
        config: Any,
        *,
        now: datetime | None = None,
        store: StateStore | str | None = None,
        transport: Any = None,
        metadata_transport: Any = None,
        request_binding: RequestBinding = "redirect",
        validate_identifier_formats: bool = True,
        oidc_transport: Any = None,
    ) -> ServiceProvider:
        """Build from ``ehkit.toml`` (a path) or an already loaded ``EhkitConfig``.

        ``transport``/``metadata_transport`` are httpx transports for tests;
        without them artifact resolution uses mutual TLS with the DV signing
        certificate. ``oidc_transport`` does the same for the OpenID provider
        of services with ``protocol = "oidc"``.
        """
        from ehkit.sp.artifact_client import ArtifactClient, tls_context
        from ehkit.sp.config_bridge import provider_parts

        parts = provider_parts(
            config,
            now=_aware(now),
            request_binding=request_binding,
            validate_identifier_formats=validate_identifier_formats,
            metadata_transport=metadata_transport,
        )
        client_ctx = None
        if transport is None:
            client_ctx = tls_context(client_cert=parts.tls_cert, client_key=parts.tls_key, ca_file=parts.tls_ca)
        client = ArtifactClient(transport=transport, ssl_context=client_ctx, timeouts=parts.timeouts)
        oidc = None
        if any(s.protocol == "oidc" for s in parts.settings.services):
            from ehkit.sp.config_bridge import oidc_login

            oidc = oidc_login(parts.config, parts, transport=oidc_transport)
        return cls(
            parts.settings,
            metadata=parts.metadata,
            store=store if store is not None else parts.store,
            artifact_client=client,
            oidc=oidc,
        )

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """Every DV EntityID in use (the main one first), for SP metadata per group."""
        out = [self.settings.entity_id]
        for s in self.settings.services:
            if s.entity_id and s.entity_id not in out:
                out.append(s.entity_id)
        return tuple(out)

    @property
    def services(self) -> tuple[ServiceSettings, ...]:
        return self.settings.services

    @property
    def signing_certificate(self) -> Any:
        return self.settings.signing_key.certificate

    @property
    def encryption_certificates(self) -> tuple[Any, ...]:
        return tuple(k.certificate for k in self.settings.decryption_keys)

    def metadata(self, *, now: datetime | None = None) -> IdpMetadata:
        return self._metadata.get(now=now)

    def _trust(self, metadata: IdpMetadata, now: datetime) -> TrustSet:
        cached = self._trust_cache
        if cached is None or cached[0] is not metadata:
            cached = (metadata, metadata.trust_set())
            self._trust_cache = cached
        trust = cached[1]
        return trust.valid_at(now) if self.settings.check_certificate_validity else trust

    # ------------------------------------------------------------------ start

    def start_login(
        self,
        service: str,
        relay_state: str | None = None,
        *,
        now: datetime | None = None,
        loa: LevelOfAssurance | str | None = None,
        binding: RequestBinding | None = None,
        provider_name: str | None = None,
    ) -> LoginStart:
        """Make a signed AuthnRequest for ``service`` and remember it.

        ``relay_state`` is where the user goes afterwards: a path on this site
        (``/aanvraag/42``), kept server-side. ``loa`` adds a
        RequestedAuthnContext (comparison "minimum"); it may not exceed the
        service's catalogue level. Without it the catalogue decides, as the
        brokers advise; ``ServiceSettings.send_requested_authn_context`` sends
        the catalogue level explicitly.
        """
        now = _aware(now)
        settings = self.settings
        svc = settings.service(service)
        target = relay.check_target(relay_state) if relay_state is not None else None
        requested: LevelOfAssurance | None = None
        if loa is not None:
            requested = LevelOfAssurance.parse(loa)
            if requested > svc.loa:
                raise ValidationError(
                    f"a request may not ask for {requested} when the catalogue registers {svc.loa} for {svc.key}",
                    reason="loa_above_catalogue",
                )
        elif svc.send_requested_authn_context:
            requested = svc.loa
        if svc.protocol == "oidc":
            return self._start_oidc(svc, target, requested, now)
        request_binding = binding or settings.request_binding
        if request_binding not in ("redirect", "post"):
            raise ValueError(f"unknown request binding {request_binding!r}")
        metadata = self._metadata.get(now=now)
        sso = metadata.sso_url(c.BINDING_REDIRECT if request_binding == "redirect" else c.BINDING_POST)
        entity_id = settings.entity_id_for(svc)
        response_binding = settings.response_binding
        request = AuthnRequest(
            id=new_id(),
            issue_instant=now,
            destination=sso,
            issuer=entity_id,
            attribute_consuming_service_index=svc.index,
            force_authn=not svc.sso,
            requested_loa=requested,
            protocol_binding=c.BINDING_ARTIFACT if response_binding == "artifact" else c.BINDING_POST,
            assertion_consumer_service_url=settings.acs_for(response_binding),
            provider_name=provider_name or settings.provider_name,
        )
        token = _RELAY_PREFIX[self.entity_ids.index(entity_id)] + relay.new_token()
        pending = PendingRequest(
            request_id=request.id,
            service=svc.key,
            loa=svc.loa,
            requested_loa=requested,
            response_binding=response_binding,
            created_at=now,
            expires_at=now + settings.pending_ttl,
            relay_target=target,
            relay_token=token,
        )
        self._store_call(self.store.put_pending, pending, now=now)
        key = settings.signing_key
        if request_binding == "redirect":
            url = redirect_url(sso, request.to_xml(), relay_state=token, private_key=key.private_key)
            return LoginStart(request.id, "redirect", url, token, pending.expires_at)
        xml = request.to_signed_xml(key.private_key, key.key_name)
        form = post_form(sso, {"SAMLRequest": b64encode(xml), "RelayState": token})
        return LoginStart(request.id, "post", sso, token, pending.expires_at, form_html=form)

    def _start_oidc(
        self, svc: ServiceSettings, target: str | None, requested: LevelOfAssurance | None, now: datetime
    ) -> LoginStart:
        """An OIDC service: a redirect to the provider's authorize endpoint (see ehkit.sp.oidc_login)."""
        if self.oidc is None:
            raise ConfigError(
                f"service {svc.key!r} uses OIDC but no [broker.oidc] is configured", reason="config_invalid"
            )

        def put(pending: PendingRequest, *, now: datetime) -> None:
            self._store_call(self.store.put_pending, pending, now=now)

        try:
            started = self.oidc.start(self.settings, put, svc, target=target, requested=requested, now=now)
        except EhkitError as exc:
            raise _as_rejection(exc) from None
        return LoginStart(started.request_id, "redirect", started.url, started.state, started.expires_at)

    # ------------------------------------------------------------------ finish

    def finish_oidc_login(
        self,
        params: Mapping[str, str] | Iterable[tuple[str, str]],
        *,
        request_id: str | None = None,
        now: datetime | None = None,
    ) -> LoginResult:
        """Complete an OIDC login from the callback's query parameters, as received.

        Pass the whole query (``request.query_params``, or its pairs so a
        repeated parameter is seen) and the ``request_id`` of
        :meth:`start_login` from the user's session. ``error=access_denied``
        raises :class:`~ehkit.errors.LoginCancelled`; every other refusal a
        :class:`~ehkit.errors.LoginRejected` with a stable reason, as for SAML.
        """
        now = _aware(now)
        audit = self._audit_start("oidc", request_id)
        try:
            if self.oidc is None:
                raise LoginRejected("no service of this SP uses OIDC", reason="binding_not_enabled")
            result = self.oidc.finish(
                self.settings, self.store, self._store_call, params, request_id=request_id, now=now, audit=audit
            )
        except BaseException as exc:
            audit.emit_error(exc)
            raise
        audit.emit("success")
        return result

    def finish_login(
        self,
        *,
        saml_art: str | None = None,
        saml_response: str | None = None,
        relay_state: str | None = None,
        request_id: str | None = None,
        now: datetime | None = None,
    ) -> LoginResult:
        """Complete a login from what the browser brought back to the ACS.

        Artifact binding: ``saml_art`` (SAMLart from the query string or the
        form). POST binding (only when configured): ``saml_response``. Pass
        the ``RelayState`` as received, and the ``request_id`` from the
        user's session. Raises :class:`~ehkit.errors.LoginRejected` (or its
        subclasses ``LoginCancelled``/``LoginFailed``) with a stable reason.
        """
        now = _aware(now)
        audit = self._audit_start("artifact" if saml_art is not None else "post", request_id)
        try:
            if saml_art is not None and saml_response is None:
                doc, resolve_id = self._resolve(saml_art, relay_state, now)
                result = self._process(
                    doc,
                    binding="artifact",
                    now=now,
                    request_id=request_id,
                    artifact_resolve_id=resolve_id,
                    relay_state=relay_state,
                    audit=audit,
                )
            elif saml_response is not None and saml_art is None:
                if self.settings.post_acs_url is None:
                    raise LoginRejected("the POST response binding is not enabled", reason="binding_not_enabled")
                xml = decode_post(saml_response, max_chars=self._limits.max_bytes * 4 // 3 + 4)
                doc = self._parse(xml)
                result = self._process(
                    doc,
                    binding="post",
                    now=now,
                    request_id=request_id,
                    artifact_resolve_id=None,
                    relay_state=relay_state,
                    audit=audit,
                )
            else:
                raise LoginRejected("expected exactly one of SAMLart and SAMLResponse", reason="message_missing")
        except BaseException as exc:
            audit.emit_error(exc)
            raise
        audit.emit("success")
        return result

    def process_response(
        self,
        xml: bytes,
        *,
        binding: Binding = "artifact",
        now: datetime | None = None,
        request_id: str | None = None,
        artifact_resolve_id: str | None = None,
        relay_state: str | None = None,
    ) -> LoginResult:
        """The sans-IO core: validate an ArtifactResponse (bare or in its SOAP
        envelope; ``artifact_resolve_id`` is then the ID of our ArtifactResolve)
        or a POST-binding Response, and return the login. See the module
        docstring for the order of checks."""
        now = _aware(now)
        audit = self._audit_start(binding, request_id)
        try:
            doc = self._parse(xml)
            result = self._process(
                doc,
                binding=binding,
                now=now,
                request_id=request_id,
                artifact_resolve_id=artifact_resolve_id,
                relay_state=relay_state,
                audit=audit,
            )
        except BaseException as exc:
            audit.emit_error(exc)
            raise
        audit.emit("success")
        return result

    # ------------------------------------------------------------------ single logout (docs/logout.md)

    def start_logout(
        self,
        result_or_session: Any,
        relay_state: str | None = None,
        *,
        now: datetime | None = None,
        binding: Literal["redirect", "post"] | None = None,
    ) -> LogoutStart:
        """A signed LogoutRequest for the login in ``result_or_session`` (a LoginResult, or a
        stored login holding one as ``.result``), remembered until the broker answers.

        End the local session *before* calling this. Raises
        :class:`~ehkit.saml.logout.LogoutRejected` (``logout_not_supported`` when the
        broker metadata has no SingleLogoutService): the user is then logged out locally.
        """
        from ehkit.sp import logout

        return logout.start_logout(self, result_or_session, relay_state=relay_state, now=_aware(now), binding=binding)

    def finish_logout(
        self,
        *,
        query_string: str | None = None,
        saml_response: str | None = None,
        relay_state: str | None = None,
        request_id: str | None = None,
        now: datetime | None = None,
    ) -> LogoutResult:
        """The broker's LogoutResponse at our SLO endpoint: the raw ``query_string`` for the
        Redirect binding (the signature is over its exact bytes), or ``saml_response`` and
        ``relay_state`` from the POST form. ``request_id`` is the one of ``start_logout``
        when the application kept it. Raises LogoutRejected with a stable reason."""
        from ehkit.sp import logout

        return logout.finish_logout(
            self,
            query_string=query_string,
            saml_response=saml_response,
            relay_state=relay_state,
            request_id=request_id,
            now=_aware(now),
        )

    def handle_logout_request(
        self,
        *,
        end_session: Callable[[VerifiedLogout], bool],
        query_string: str | None = None,
        saml_request: str | None = None,
        relay_state: str | None = None,
        now: datetime | None = None,
    ) -> LogoutAnswer:
        """A LogoutRequest from the broker: verify it, call ``end_session(message)`` (end the
        local session of ``message.session_indexes``; return whether one was found) and build
        the signed LogoutResponse to send back. Never raises for a bad request: the answer
        then carries ``rejected`` and a Requester status; end the browser's session anyway."""
        from ehkit.sp import logout

        return logout.handle_logout_request(
            self,
            query_string=query_string,
            saml_request=saml_request,
            relay_state=relay_state,
            end_session=end_session,
            now=_aware(now),
        )

    # ------------------------------------------------------------------ internals

    def _audit_start(self, binding: str, request_id: str | None) -> AuditEvent:
        audit = AuditEvent()
        audit.set(broker=self.settings.broker_entity_id, binding=binding, session_request_id=request_id)
        return audit

    def _store_call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EhkitError:
            raise
        except Exception as exc:
            raise StateStoreUnavailable(f"the state store failed: {type(exc).__name__}: {exc}") from exc

    def _parse(self, xml: bytes) -> ParsedDocument:
        try:
            return parse_document(xml, self._limits)
        except EhkitError as exc:
            raise _as_rejection(exc) from None

    def _resolve(self, saml_art: str, relay_state: str | None, now: datetime) -> tuple[ParsedDocument, str]:
        """SAMLart -> the broker's answer, parsed once. The SourceID is checked
        before any connection: an artifact from anyone else opens none."""
        artifact = Artifact.decode(saml_art)
        if not artifact.is_from(self.settings.broker_entity_id):
            raise LoginRejected(
                "the artifact was not issued by our broker (SourceID)", reason="artifact_source_unknown"
            )
        if self._artifact_client is None:
            raise ConfigError("no artifact client configured", reason="config_invalid")
        try:
            metadata = self._metadata.get(now=now)
            url = metadata.artifact_resolution_url(artifact.endpoint_index)
        except EhkitError as exc:
            raise _as_rejection(exc) from None
        issuer = self.settings.entity_id
        if relay_state:
            issuer = self._entity_by_prefix.get(relay_state[0], issuer)
        key = self.settings.signing_key
        resolve = build_artifact_resolve(
            saml_art, issuer=issuer, destination=url, now=now, key=key.private_key, key_name=key.key_name
        )
        answer = self._artifact_client.resolve(url, soap.wrap(resolve))
        return self._parse(answer), resolve.get("ID") or ""

    def _process(
        self,
        doc: ParsedDocument,
        *,
        binding: Binding,
        now: datetime,
        request_id: str | None,
        artifact_resolve_id: str | None,
        relay_state: str | None,
        audit: AuditEvent,
    ) -> LoginResult:
        settings = self.settings
        try:
            metadata = self._metadata.get(now=now)
            trust = self._trust(metadata, now)
            # 1. authenticity
            verified = verify_message(
                doc,
                binding=binding,
                broker_entity_id=settings.broker_entity_id,
                trust=trust,
                artifact_resolve_id=artifact_resolve_id,
                require_response_signature=settings.require_response_signature,
            )
        except EhkitError as exc:
            raise _as_rejection(exc) from None
        audit.set(response_id=verified.response_id, in_response_to=verified.in_response_to)

        # 2. replay cache
        self._check_replay(verified, now)

        # 3. session binding, then consume the pending request
        irt = verified.in_response_to
        if not irt:
            raise LoginRejected("the Response answers no request of ours (unsolicited)", reason="unsolicited")
        if request_id is not None and not hmac.compare_digest(irt.encode(), request_id.encode()):
            raise LoginRejected("the Response answers another browser session's request", reason="request_id_mismatch")
        pending = self._store_call(self.store.take_pending, irt, now=now)
        if pending is None:
            raise LoginRejected(
                "the Response answers no pending request (unknown, or already used)", reason="in_response_to_unknown"
            )
        audit.set(request_id=pending.request_id, service=pending.service, loa_required=pending.loa.label)
        try:
            if pending.expired(now):
                raise LoginRejected("the login took too long: the request has expired", reason="request_expired")
            return self._after_consume(
                verified, pending, binding=binding, now=now, relay_state=relay_state, audit=audit
            )
        except EhkitError as exc:
            # Context for the web layer (where to send the user after a cancel, for instance).
            rejection = _as_rejection(exc)
            rejection.request_id = pending.request_id
            rejection.service = pending.service
            relay_ok = (
                relay_state is not None
                and pending.relay_token is not None
                and hmac.compare_digest(relay_state.encode("utf-8", "replace"), pending.relay_token.encode())
            )
            rejection.relay_target = pending.relay_target if relay_ok else None
            if rejection is exc:
                raise
            raise rejection from None

    def _check_replay(self, verified: VerifiedMessage, now: datetime) -> None:
        s = self.settings
        newest = max(
            verified.response_issue_instant, verified.assertion_issue_instant or verified.response_issue_instant
        )
        # An instant older than max_message_age + skew fails the policy anyway: remember IDs that long.
        expires = min(max(newest, now) + s.max_message_age + 2 * s.clock_skew, now + timedelta(days=1))
        keys = [f"response:{verified.response_id}"]
        if verified.assertion_id:
            keys.append(f"assertion:{verified.assertion_id}")
        for key in keys:
            if not self._store_call(self.store.mark_seen, key, expires_at=expires, now=now):
                raise LoginRejected("this message was already processed (replay)", reason="replay")

    def _after_consume(
        self,
        verified: VerifiedMessage,
        pending: PendingRequest,
        *,
        binding: Binding,
        now: datetime,
        relay_state: str | None,
        audit: AuditEvent,
    ) -> LoginResult:
        settings = self.settings
        if pending.response_binding != binding:
            raise LoginRejected(
                f"we asked for the {pending.response_binding} binding, the answer came by {binding}",
                reason="binding_mismatch",
            )
        service = settings.service(pending.service)
        response = read_response(verified)
        # 4. status, RelayState, policy
        policy.raise_for_status(response.status)
        relay.check_token(relay_state, pending.relay_token)
        acs = settings.acs_for(binding)
        policy.check_response(response, expected_destination=acs, now=now, settings=settings)
        if verified.artifact_response is not None:
            from ehkit.saml.timefmt import parse_instant

            policy.check_instant(
                parse_instant(verified.artifact_response.element.get("IssueInstant"), "ArtifactResponse IssueInstant"),
                now,
                settings,
                "ArtifactResponse",
            )
        assertion = read_assertion(verified)
        attributes = policy.attribute_index(assertion)
        loa = policy.check_assertion(
            assertion,
            attributes,
            response=response,
            pending=pending,
            service=service,
            expected_recipient=acs,
            now=now,
            settings=settings,
        )
        audit.set(loa=loa.label)
        # 5. decryption and identity
        decryption = self._decryption[settings.entity_id_for(service)]
        reader = IdentityReader(
            decrypt=lambda el: decrypt_element(el, decryption),
            validate_formats=settings.validate_identifier_formats,
            require_encrypted=settings.require_encrypted_identifiers,
        )
        identity = reader.read(assertion, attributes, service)
        if settings.audit_key is not None:
            audit.set(
                legal_subject_hash=keyed_hash(
                    settings.audit_key, identity.legal_subject.type.name, identity.legal_subject.value
                ),
                acting_subject_hash=keyed_hash(
                    settings.audit_key, identity.acting_subject.type.name, identity.acting_subject.value
                ),
            )
        return self._result(verified, assertion, identity, pending, service, loa, binding)

    def _result(
        self,
        verified: VerifiedMessage,
        assertion: AssertionContent,
        identity: Identity,
        pending: PendingRequest,
        service: ServiceSettings,
        loa: LevelOfAssurance,
        binding: Binding,
    ) -> LoginResult:
        from ehkit.domain.urns import SERVICE_UUID

        uuid_attr = next(a for a in assertion.attributes if a.name == SERVICE_UUID)
        return LoginResult(
            request_id=pending.request_id,
            service=service.key,
            service_id=service.service_id,
            service_uuid=policy.single_text(uuid_attr).lower(),
            legal_subject=identity.legal_subject,
            acting_subject=identity.acting_subject,
            loa=loa,
            loa_required=pending.loa,
            loa_requested=pending.requested_loa,
            authn_instant=assertion.authn.authn_instant,
            session_index=assertion.authn.session_index,
            broker=self.settings.broker_entity_id,
            authenticating_authority=identity.authenticating_authority,
            authorization_registry=identity.authorization_registry,
            response_id=verified.response_id,
            assertion_id=assertion.id,
            binding=binding,
            vestigingsnummer=identity.vestigingsnummer,
            subdossiernummer=identity.subdossiernummer,
            intermediary=identity.intermediary,
            additional_identifiers=identity.additional_identifiers,
            attributes=MappingProxyType(dict(identity.attributes)),
            relay_state=pending.relay_target,
            session_not_on_or_after=assertion.authn.session_not_on_or_after,
            name_id=(
                (
                    assertion.subject_name_id.value,
                    assertion.subject_name_id.format,
                    assertion.subject_name_id.name_qualifier,
                )
                if assertion.subject_name_id is not None
                else None
            ),
        )

    def close(self) -> None:
        self.store.close()
        if self._artifact_client is not None:
            self._artifact_client.close()
        if self.oidc is not None:
            self.oidc.close()


def audit_key_from(material: bytes) -> bytes:
    """Derive the audit hashing key from a deployment secret (never the secret itself)."""
    return hmac.new(b"ehkit audit v1", material, hashlib.sha256).digest()
