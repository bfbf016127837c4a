"""From ``ehkit.toml`` (``ehkit.config.EhkitConfig``) to the SP's plain settings.

Kept out of the core so the SP can be built and tested without the config
model, and so the mapping is written down in one place.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

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
        )
        for s in cfg.services
    )
    audit_key = hmac.new(b"ehkit audit v1", cfg.relay_state_key(), hashlib.sha256).digest()
    settings = SpSettings(
        entity_id=str(dv.entity_id),
        acs_url=dv.acs_url,
        post_acs_url=dv.post_acs_url,
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

    if broker.trust_mode == "pinned":
        trust: PinnedTrust | CaTrust = PinnedTrust(_certs(broker.pinned_certs))
    else:
        trust = CaTrust(roots=_certs(broker.ca_certs), oin=broker.effective_expected_oin)
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
    )
