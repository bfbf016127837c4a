"""Logins over the broker's OpenID Connect front, ending in the same ``LoginResult`` as SAML.

:class:`OidcLogin` is what ``ServiceProvider`` dispatches to for a service
with ``protocol = "oidc"``. The order of work on the callback mirrors the
SAML path (``ehkit.sp.provider``):

1. the callback's form (one ``state``, exactly one of ``code`` and ``error``);
2. the browser binding: the ``state`` must belong to this session's request;
3. the pending request is **consumed** (atomically, exactly once): a replayed
   or forged ``state`` finds nothing; the issuer parameter (RFC 9207) is
   checked against the provider the request went to;
4. the provider's error, if any (``access_denied`` is the user cancelling);
5. the code is redeemed and the ID token validated (:mod:`ehkit.oidc`), its
   hash entered in the replay cache;
6. the policy of the service: level (``loa_too_low``, EH1 refused), fresh
   authentication, ServiceUUID when the profile carries one, identifier types
   and formats with the same rules as SAML (:mod:`ehkit.sp.identity`).

Fields of :class:`~ehkit.sp.result.LoginResult` without an OIDC counterpart
are documented in docs/oidc.md: ``binding`` is ``"oidc"``, ``response_id``
the token's ``jti`` (or its hash), ``assertion_id`` the token's hash,
``session_index`` its ``sid``, ``authn_instant`` its ``auth_time`` (else
``iat``), ``authorization_registry`` and ``session_not_on_or_after`` None.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ehkit.domain.identifiers import Vestigingsnummer
from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType
from ehkit.errors import EhkitError, LoginCancelled, LoginFailed, LoginRejected, ValidationError
from ehkit.sp.audit import AuditEvent, keyed_hash
from ehkit.sp.identity import _ACTING_TYPES, IdentityReader
from ehkit.sp.result import Identifier, Intermediary, LoginResult
from ehkit.sp.settings import ServiceSettings, SpSettings
from ehkit.sp.stores.base import PendingRequest, StateStore

if TYPE_CHECKING:  # the OIDC modules (and joserfc) load only when a service uses OIDC
    from ehkit.oidc.profiles import ClaimedIdentifier, ClaimedIdentity
    from ehkit.oidc.relying_party import RelyingParty, VerifiedLogin

__all__ = ["OidcLogin", "OidcStart", "request_id_for_state"]

_PREFIX = "oidc_"


def request_id_for_state(state: str) -> str:
    """The pending request's key: a hash of the state, so the store never holds the state itself."""
    return _PREFIX + hashlib.sha256(state.encode("ascii", "replace")).hexdigest()[:40]


@dataclass(frozen=True)
class OidcStart:
    request_id: str
    url: str
    state: str
    expires_at: datetime


def _no_decryption(_: Any) -> Any:  # pragma: no cover - OIDC identifiers are never XML
    raise LoginRejected("nothing to decrypt in an OIDC login", reason="oidc_rejected")


class OidcLogin:
    """The OIDC half of a ServiceProvider: one relying party per client id, one provider."""

    def __init__(self, parties: Mapping[str, RelyingParty], *, default_client: str) -> None:
        if default_client not in parties:
            raise ValueError("the default client id has no relying party")
        self.parties = dict(parties)
        self.default_client = default_client

    def party_for(self, service: ServiceSettings) -> RelyingParty:
        return self.parties[service.oidc_client_id or self.default_client]

    def close(self) -> None:
        closed: set[int] = set()
        for party in self.parties.values():
            if id(party.client) not in closed:
                closed.add(id(party.client))
                party.close()

    # ------------------------------------------------------------------ start

    def start(
        self,
        settings: SpSettings,
        store_put: Any,
        service: ServiceSettings,
        *,
        target: str | None,
        requested: LevelOfAssurance | None,
        now: datetime,
    ) -> OidcStart:
        party = self.party_for(service)
        params = dict(service.oidc_params)
        service_param = party.settings.profile.authorize.service_param
        if service_param and service_param not in params:
            params[service_param] = _main_uuid(service)
        login = party.begin(now=now, params=params)
        request_id = request_id_for_state(login.state)
        pending = PendingRequest(
            request_id=request_id,
            service=service.key,
            loa=service.loa,
            requested_loa=requested,
            response_binding="oidc",
            created_at=now,
            expires_at=now + settings.pending_ttl,
            relay_target=target,
            relay_token=None,
            protocol_data={
                "nonce": login.nonce,
                "code_verifier": login.code_verifier,
                "client_id": party.settings.client_id,
                "issuer": party.settings.issuer,
            },
        )
        store_put(pending, now=now)
        return OidcStart(request_id, login.url, login.state, pending.expires_at)

    # ------------------------------------------------------------------ finish

    def finish(
        self,
        settings: SpSettings,
        store: StateStore,
        store_call: Any,
        params: Mapping[str, str] | Iterable[tuple[str, str]],
        *,
        request_id: str | None,
        now: datetime,
        audit: AuditEvent,
    ) -> LoginResult:
        from ehkit.oidc.authorize import parse_callback
        from ehkit.oidc.errors import OidcRejected

        callback = parse_callback(params)
        key = request_id_for_state(callback.state)
        if request_id is not None and not hmac.compare_digest(key.encode(), request_id.encode()):
            raise LoginRejected("the callback answers another browser session's request", reason="request_id_mismatch")
        pending: PendingRequest | None = store_call(store.take_pending, key, now=now)
        if pending is None or pending.response_binding != "oidc" or not pending.protocol_data:
            raise OidcRejected(
                "the callback's state answers no pending login (unknown, or already used)", reason="oidc_state_unknown"
            )
        audit.set(request_id=pending.request_id, service=pending.service, loa_required=pending.loa.label)
        try:
            if pending.expired(now):
                raise LoginRejected("the login took too long: the request has expired", reason="request_expired")
            data = pending.protocol_data
            party = self.parties.get(data.get("client_id", ""))
            if party is None or party.settings.issuer != data.get("issuer"):
                raise OidcRejected(
                    "the pending login was started for another OIDC client (configuration changed?)",
                    reason="oidc_state_unknown",
                )
            party.check_issuer_parameter(callback.iss, now=now)
            if callback.error is not None:
                detail = callback.error + (f": {callback.error_description}" if callback.error_description else "")
                if callback.error == "access_denied":
                    raise LoginCancelled(f"the user cancelled the login at the broker ({detail})")
                raise LoginFailed(f"the broker reported a failure ({detail})", reason="oidc_provider_error")
            assert callback.code is not None  # parse_callback guarantees exactly one of code and error  # noqa: S101
            verified = party.complete(
                code=callback.code, nonce=data["nonce"], code_verifier=data["code_verifier"], now=now
            )
            audit.set(response_id=verified.id_token.jti or verified.id_token.hash)
            self._check_replay(store, store_call, verified, settings, now)
            return self._result(settings, pending, verified, now=now, audit=audit)
        except EhkitError as exc:
            rejection = exc if isinstance(exc, LoginRejected) else LoginRejected(exc.message, reason=exc.reason)
            rejection.request_id = pending.request_id
            rejection.service = pending.service
            # The state matched a pending request of this browser: its return target is safe to use.
            rejection.relay_target = pending.relay_target
            if rejection is exc:
                raise
            raise rejection from None

    def _check_replay(
        self, store: StateStore, store_call: Any, verified: VerifiedLogin, settings: SpSettings, now: datetime
    ) -> None:
        token = verified.id_token
        expires = min(max(token.expires_at, now) + 2 * settings.clock_skew, now + timedelta(days=1))
        if not store_call(store.mark_seen, f"oidc:{token.hash}", expires_at=expires, now=now):
            raise LoginRejected("this ID token was already used (replay)", reason="replay")

    # ------------------------------------------------------------------ policy and result

    def _result(
        self,
        settings: SpSettings,
        pending: PendingRequest,
        verified: VerifiedLogin,
        *,
        now: datetime,
        audit: AuditEvent,
    ) -> LoginResult:
        service = settings.service(pending.service)
        token = verified.id_token
        claimed = verified.identity
        if token.auth_time is not None and token.auth_time < pending.created_at - settings.clock_skew:
            raise LoginRejected(
                "the user authenticated before our request (prompt=login was asked); an old session was reused",
                reason="authn_instant_stale",
            )
        loa = claimed.loa
        if loa < pending.loa:
            raise LoginRejected(f"delivered level {loa} is below the required {pending.loa}", reason="loa_too_low")
        audit.set(loa=loa.label)
        if claimed.service_uuid is not None and claimed.service_uuid.lower() not in service.uuids:
            raise LoginRejected("ServiceUUID differs from the service we asked for", reason="service_uuid_mismatch")
        identity = _Identity(settings, service, claimed)
        if settings.audit_key is not None:
            audit.set(
                legal_subject_hash=keyed_hash(settings.audit_key, identity.legal.type.name, identity.legal.value),
                acting_subject_hash=keyed_hash(settings.audit_key, identity.acting.type.name, identity.acting.value),
            )
        return LoginResult(
            request_id=pending.request_id,
            service=service.key,
            service_id=service.service_id,
            service_uuid=(claimed.service_uuid or _main_uuid(service)).lower(),
            legal_subject=identity.legal,
            acting_subject=identity.acting,
            loa=loa,
            loa_required=pending.loa,
            loa_requested=pending.requested_loa,
            authn_instant=token.auth_time or token.issued_at,
            session_index=token.sid,
            broker=settings.broker_entity_id,
            authenticating_authority=claimed.authenticating_authority,
            authorization_registry=None,
            response_id=token.jti or token.hash,
            assertion_id=token.hash,
            binding="oidc",
            vestigingsnummer=identity.vestiging,
            subdossiernummer=None,
            intermediary=identity.intermediary,
            additional_identifiers=identity.additional,
            attributes=MappingProxyType(dict(claimed.attributes)),
            relay_state=pending.relay_target,
            session_not_on_or_after=None,
        )


def _main_uuid(service: ServiceSettings) -> str:
    """Without a ServiceUUID claim: the service's definition UUID (the first configured one)."""
    return service.definition_uuid or sorted(service.uuids)[0]


class _Identity:
    """The claimed identity validated with the SAML rules (types per service, formats per type)."""

    def __init__(self, settings: SpSettings, service: ServiceSettings, claimed: ClaimedIdentity) -> None:
        reader = IdentityReader(
            decrypt=_no_decryption, validate_formats=settings.validate_identifier_formats, require_encrypted=False
        )
        validate = settings.validate_identifier_formats
        allowed = service.identifier_types or None
        self.legal = self._identifier(reader, claimed.legal_subject, "the legal subject", allowed)
        self.acting = self._identifier(reader, claimed.acting_subject, "the acting subject", _ACTING_TYPES)
        additional: list[Identifier] = []
        for extra in claimed.additional_identifiers:
            ident = self._identifier(reader, extra, f"identifier {extra.type.name}", None)
            if ident.type is self.legal.type:
                if ident.value != self.legal.value:
                    raise LoginRejected(
                        "a second identifier of the legal subject's type disagrees with it",
                        reason="legal_subject_conflict",
                    )
                continue
            additional.append(ident)
        self.additional = tuple(additional)
        self.vestiging: str | None = None
        if claimed.vestigingsnummer is not None:
            if validate:
                try:
                    self.vestiging = Vestigingsnummer(claimed.vestigingsnummer)
                except ValidationError as exc:
                    raise LoginRejected(exc.message, reason=exc.reason) from None
            else:
                self.vestiging = reader.check(IdentifierType.KVK, "", claimed.vestigingsnummer, "Vestigingsnr")
        self.intermediary: Intermediary | None = None
        if claimed.intermediary_kvk is not None:
            from ehkit.domain.urns import INTERMEDIATE_KVK

            kvk = reader.check(
                IdentifierType.KVK, IdentifierType.KVK.urn, claimed.intermediary_kvk, "intermediary KvK number"
            )
            name = (claimed.intermediary_name or "").strip() or None
            self.intermediary = Intermediary(kvk=kvk, urn=INTERMEDIATE_KVK, company_name=name)

    @staticmethod
    def _identifier(
        reader: IdentityReader,
        claimed: ClaimedIdentifier,
        what: str,
        allowed: frozenset[IdentifierType] | None,
    ) -> Identifier:
        if allowed and claimed.type not in allowed:
            raise LoginRejected(
                f"{what} of type {claimed.type.name} is not allowed for this service",
                reason="identifier_type_not_allowed",
            )
        return Identifier(claimed.type, reader.check(claimed.type, claimed.urn, claimed.value, what), claimed.urn)
