"""A ServiceProvider configured for the benchmark message (built in code, no TOML).

POST response binding, one service, the HM's signing certificate as static
metadata. The store is the ordinary in-memory store with two benchmark
concessions, both documented in the output: a pending request may be put
again under the same ID (the benchmark answers the same request over and
over), and the replay cache always answers "first time" (it sees the same
Response and Assertion IDs over and over). Both still do their dictionary work.
"""

from __future__ import annotations

import datetime as dt
import logging

from bench import fixture as F
from bench.fixture import Fixture

SERVICE_KEY = "bench"


class _FormatAndDiscard(logging.Handler):
    """Formats every record (as a real log handler would) and throws it away."""

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)


def quiet_audit_log() -> None:
    """The SP writes one JSON audit event per login attempt on ``ehkit.audit``.
    Production logs them at INFO; here they are built and formatted at the same
    level, then discarded instead of filling the console."""
    log = logging.getLogger("ehkit.audit")
    if not any(isinstance(h, _FormatAndDiscard) for h in log.handlers):
        log.addHandler(_FormatAndDiscard())
    log.setLevel(logging.INFO)
    log.propagate = False


def build_service_provider(fx: Fixture, *, store=None):
    from ehkit.domain.loa import LevelOfAssurance
    from ehkit.saml import constants as c
    from ehkit.saml.metadata import Endpoint, IdpMetadata
    from ehkit.sp import DecryptionKeyPair, ServiceProvider, ServiceSettings, SigningKey, SpSettings
    from ehkit.sp.stores.base import PendingRequest
    from ehkit.sp.stores.memory import MemoryStore

    class BenchStore(MemoryStore):
        def put_pending(self, pending, *, now):
            with self._lock:
                self._pending.pop(pending.request_id, None)
            super().put_pending(pending, now=now)

        def mark_seen(self, key, *, expires_at, now):
            super().mark_seen(key, expires_at=expires_at, now=now)
            with self._lock:
                self._seen.pop(key, None)
            return True

    p = fx.parties
    settings = SpSettings(
        entity_id=F.DV_ENTITY,
        acs_url="https://dv.example.nl/saml/artifact",
        post_acs_url=F.ACS_URL,
        broker_entity_id=F.HM_ENTITY,
        services=(
            ServiceSettings(
                key=SERVICE_KEY,
                index=9009,
                service_id=F.SERVICE_ID,
                uuids=frozenset({F.SERVICE_UUID}),
                loa=LevelOfAssurance.EH3,
            ),
        ),
        signing_key=SigningKey(p.dv_sign.key, p.dv_sign.cert),
        decryption_keys=(DecryptionKeyPair(p.dv_enc.key, p.dv_enc.cert),),
        request_binding="post",
        response_binding="post",
    )
    metadata = IdpMetadata(
        entity_id=F.HM_ENTITY,
        sso=(Endpoint(c.BINDING_POST, F.SSO_URL), Endpoint(c.BINDING_REDIRECT, F.SSO_URL)),
        artifact_resolution=(Endpoint(c.BINDING_SOAP, F.ARS_URL, 0, True),),
        slo=(),
        signing_certificates=(p.hm.cert,),
        encryption_certificates=(),
        key_names=(p.hm.key_name,),
        want_authn_requests_signed=True,
        valid_until=None,
        cache_duration=None,
        interface_version="1.13",
    )
    store = store or BenchStore()
    sp = ServiceProvider(settings, metadata=metadata, store=store)
    pending = PendingRequest(
        request_id=fx.request_id,
        service=SERVICE_KEY,
        loa=LevelOfAssurance.EH3,
        requested_loa=None,
        response_binding="post",
        created_at=fx.now - dt.timedelta(seconds=30),
        expires_at=fx.now + dt.timedelta(minutes=15),
    )
    return sp, store, pending
