"""From ``ehkit.toml`` (``ehkit.config.EhkitConfig``) to the SP's plain settings.

Kept out of the core so the SP can be built and tested without the config
model, and so the mapping is written down in one place.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ehkit.errors import ConfigError
from ehkit.pki.keypair import KeyPair
from ehkit.pki.loading import load_certificates
from ehkit.sp.artifact_client import Timeouts
from ehkit.sp.metadata_cache import CaTrust, MetadataCache, PinnedTrust
from ehkit.sp.settings import DecryptionKeyPair, RequestBinding, ServiceSettings, SigningKey, SpSettings
from ehkit.sp.stores.base import StateStore


@dataclass(frozen=True)
class ProviderParts:
    settings: SpSettings
    metadata: MetadataCache
    store: StateStore | str
    tls_cert: Path
    tls_key: Path
    tls_ca: Path | None
    timeouts: Timeouts
    config: Any = field(default=None, repr=False)


def _certs(paths: list[Path]) -> tuple[Any, ...]:
    out: list[Any] = []
    for p in paths:
        out.extend(load_certificates(p))
    return tuple(out)


def provider_parts(
    config: Any,
    *,
    now: datetime,
    request_binding: RequestBinding = "redirect",
    validate_identifier_formats: bool = True,
    metadata_transport: Any = None,
) -> ProviderParts:
    from ehkit.config import EhkitConfig, load_config

    cfg: EhkitConfig = config if isinstance(config, EhkitConfig) else load_config(config)
    dv, broker, state = cfg.dv, cfg.broker, cfg.state

    signing_files = cfg.keys.signing_pair(now)
    signing = KeyPair.load(signing_files.key, signing_files.cert)
    decryption = [KeyPair.load(kf.key, kf.cert) for kf in cfg.keys.decryption_pairs()]

    group_of = {s.key: g.entity_id for g in cfg.service_groups() for s in g.services}
    services = tuple(
        ServiceSettings(
            key=s.key,
            index=s.index,
            service_id=str(s.service_id),
            uuids=frozenset({str(s.uuid), str(s.instance_uuid)}),
            loa=s.loa,
            identifier_types=s.identifier_types,
            entity_id=str(group_of[s.key]) if str(group_of[s.key]) != str(dv.entity_id) else None,
            definition_uuid=str(s.uuid),
            protocol=cfg.protocol_of(s),
            oidc_client_id=s.oidc_client_id,
            oidc_params=tuple(s.oidc_authorize_params.items()),
            sso_support=s.sso_support,
        )
        for s in cfg.services
    )
    audit_key = hmac.new(b"ehkit audit v1", cfg.relay_state_key(), hashlib.sha256).digest()
    settings = SpSettings(
        entity_id=str(dv.entity_id),
        acs_url=dv.acs_url,
        post_acs_url=dv.post_acs_url,
        slo_url=dv.slo_url,
        broker_entity_id=str(broker.entity_id),
        services=services,
        signing_key=SigningKey(signing.private_key, signing.certificate),
        decryption_keys=tuple(DecryptionKeyPair(k.private_key, k.certificate) for k in decryption),
        request_binding=request_binding,
        pending_ttl=timedelta(seconds=state.pending_ttl),
        clock_skew=timedelta(seconds=state.clock_skew),
        validate_identifier_formats=validate_identifier_formats,
        require_encrypted_identifiers=cfg.broker.require_encrypted_identifiers,
        audit_key=audit_key,
    )

    if not cfg.uses_saml and not broker.pinned_certs and not broker.ca_certs:
        trust: PinnedTrust | CaTrust = PinnedTrust(())
    elif broker.trust_mode == "pinned":
        trust = PinnedTrust(_certs(broker.pinned_certs))
    else:
        trust = CaTrust(roots=_certs(broker.ca_certs), oin=broker.effective_expected_oin)
    metadata: Any
    if broker.metadata_file is None and broker.metadata_url is None and not cfg.uses_saml:
        metadata = _NoSamlMetadata()
    else:
        metadata = MetadataCache(
            entity_id=str(broker.entity_id),
            trust=trust,
            file=broker.metadata_file if broker.metadata_url is None else None,
            url=broker.metadata_url,
            refresh_interval=timedelta(seconds=broker.metadata_refresh),
            deadline=broker.exchange_deadline,
            transport=metadata_transport,
        )

    store: StateStore | str = state.store
    if state.kind == "sqlite" and state.sqlite_path is not None:
        from ehkit.sp.stores.sqlite import SQLiteStore

        store = SQLiteStore(state.sqlite_path)
    timeout = broker.artifact_resolution_timeout
    return ProviderParts(
        settings=settings,
        metadata=metadata,
        store=store,
        tls_cert=signing_files.cert,
        tls_key=signing_files.key,
        tls_ca=broker.tls_ca,
        timeouts=Timeouts(connect=timeout.connect, read=timeout.read, deadline=broker.exchange_deadline),
        config=cfg,
    )


class _NoSamlMetadata:
    """Every service logs in over OIDC: asking for SAML metadata is a configuration mistake."""

    def get(self, *, now: datetime | None = None) -> Any:
        raise ConfigError(
            "no broker SAML metadata is configured (every service uses OIDC); set broker.metadata_file or "
            "broker.metadata_url for SAML services",
            reason="config_invalid",
        )


def oidc_login(config: Any, parts: ProviderParts, *, transport: Any = None) -> Any:
    """The OIDC relying parties of ``[broker.oidc]``: one per client id, sharing one provider client."""
    from ehkit.oidc.client import ProviderClient
    from ehkit.oidc.relying_party import RelyingParty, RelyingPartySettings
    from ehkit.oidc.token import ClientAuth
    from ehkit.pki.keynames import key_name_sha256
    from ehkit.sp.artifact_client import tls_context
    from ehkit.sp.oidc_login import OidcLogin

    oidc = config.broker.oidc
    if oidc is None:
        raise ConfigError("a service uses OIDC but [broker.oidc] is missing", reason="config_invalid")
    ssl_context = None
    if transport is None:
        mtls = oidc.auth_method == "tls_client_auth"
        ssl_context = tls_context(
            client_cert=parts.tls_cert if mtls else None,
            client_key=parts.tls_key if mtls else None,
            ca_file=oidc.tls_ca,
        )
    client = ProviderClient(
        issuer=oidc.issuer,
        auth_method=oidc.auth_method,
        discovery=oidc.discovery_url,
        algorithms=tuple(oidc.algorithms),
        transport=transport,
        ssl_context=ssl_context,
        exchange_timeout=oidc.timeout,
        connect_timeout=oidc.connect_timeout,
        discovery_cache=timedelta(seconds=oidc.discovery_cache),
        jwks_cache=timedelta(seconds=oidc.jwks_cache),
        allow_http_loopback=True,
    )
    secret = oidc.read_secret() if oidc.auth_method == "client_secret_basic" else None
    signing = parts.settings.signing_key
    jwt_auth = oidc.auth_method == "private_key_jwt"
    client_ids = [oidc.client_id, *(s.oidc_client_id for s in parts.settings.services if s.oidc_client_id)]
    parties = {}
    for client_id in dict.fromkeys(client_ids):
        auth = ClientAuth(
            client_id=client_id,
            method=oidc.auth_method,
            secret=secret,
            private_key=signing.private_key if jwt_auth else None,
            key_id=key_name_sha256(signing.certificate) if jwt_auth else None,
        )
        parties[client_id] = RelyingParty(
            RelyingPartySettings(
                issuer=oidc.issuer,
                client_id=client_id,
                redirect_uri=oidc.redirect_uri,
                auth=auth,
                profile=oidc.claim_profile,
                scopes=tuple(oidc.scopes),
                authorize_params=dict(oidc.authorize_params),
                algorithms=tuple(oidc.algorithms),
                clock_skew=parts.settings.clock_skew,
                max_token_age=timedelta(seconds=oidc.max_token_age),
                userinfo=oidc.userinfo,
            ),
            client,
        )
    return OidcLogin(parties, default_client=oidc.client_id)
