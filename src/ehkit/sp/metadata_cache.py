"""The broker's (HM) metadata, kept current and trustworthy.

Metadata is the DV's trust anchor: the keys in it decide which signatures a
login accepts. So:

* it is used only after its signature verified, against *pinned*
  certificates, or against any certificate that chains to the configured
  (PKIoverheid) CA **and** carries the broker's OIN;
* ``validUntil`` is honoured: expired metadata is never used (case 88);
* it is refreshed on schedule (the shorter of ``cacheDuration`` and the
  configured interval) or on demand;
* a failed refresh (unreachable, unsigned, wrongly signed, expired) keeps the
  last good copy, and says so in the log (case 87);
* several signing keys are accepted at once (rollover: the broker publishes
  the next certificate before switching).
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509

from ehkit.errors import EhkitError
from ehkit.pki.chain import verify_chain
from ehkit.pki.subject import certificate_oin
from ehkit.saml.metadata import IdpMetadata, MetadataError, parse_idp_metadata
from ehkit.xml.ns import DS
from ehkit.xml.parse import ParseLimits, parse_document
from ehkit.xml.trust import TrustSet

log = logging.getLogger("ehkit.sp.metadata")

METADATA_LIMITS = ParseLimits(max_bytes=2 * 1024 * 1024, max_depth=64, max_elements=50_000)
_RETRY_AFTER_FAILURE = timedelta(minutes=5)


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now


@dataclass(frozen=True)
class PinnedTrust:
    """Trust exactly these metadata signing certificates (several during a rollover)."""

    certificates: tuple[x509.Certificate, ...]
    check_validity: bool = True

    def trust_for(self, xml: bytes, now: datetime) -> TrustSet:
        certs = self.certificates
        if self.check_validity:
            certs = tuple(c for c in certs if c.not_valid_before_utc <= now <= c.not_valid_after_utc)
            if not certs:
                raise MetadataError(
                    "every pinned metadata certificate has expired or is not yet valid", reason="metadata_untrusted"
                )
        return TrustSet.from_certificates(certs, label="pinned metadata certificate")


@dataclass(frozen=True)
class CaTrust:
    """Trust a certificate found in the metadata when it chains to ``roots``
    (through ``intermediates`` or certificates in the document) and carries ``oin``."""

    roots: tuple[x509.Certificate, ...]
    oin: str
    intermediates: tuple[x509.Certificate, ...] = ()

    def trust_for(self, xml: bytes, now: datetime) -> TrustSet:
        try:
            root = parse_document(xml, METADATA_LIMITS).root
        except EhkitError as exc:
            raise MetadataError(f"metadata is not acceptable XML: {exc.message}", reason="metadata_malformed") from None
        found: list[x509.Certificate] = []
        for el in root.iter("{%s}X509Certificate" % DS):
            try:
                der = base64.b64decode("".join((el.text or "").split()), validate=True)
                found.append(x509.load_der_x509_certificate(der))
            except (binascii.Error, ValueError):
                continue
        accepted = []
        pool = list(self.intermediates) + found
        for cert in found:
            if certificate_oin(cert) != self.oin:
                continue
            try:
                verify_chain(cert, pool, self.roots, now)
            except EhkitError:
                continue
            if cert not in accepted:
                accepted.append(cert)
        if not accepted:
            raise MetadataError(
                f"no certificate in the metadata chains to the configured CA with OIN {self.oin}",
                reason="metadata_untrusted",
            )
        return TrustSet.from_certificates(accepted, label=f"CA-verified certificate of {self.oin}")


class MetadataCache:
    """Loads, verifies and refreshes the HM metadata; :meth:`get` returns the current good copy."""

    def __init__(
        self,
        *,
        entity_id: str,
        trust: PinnedTrust | CaTrust,
        file: str | Path | None = None,
        url: str | None = None,
        refresh_interval: timedelta = timedelta(hours=24),
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        save_to: str | Path | None = None,
    ) -> None:
        if (file is None) == (url is None):
            raise ValueError("give exactly one of file and url")
        self.entity_id = entity_id
        self._trust = trust
        self._file = Path(file) if file is not None else None
        self._url = url
        self._interval = refresh_interval
        self._timeout = timeout
        self._transport = transport
        self._save_to = Path(save_to) if save_to is not None else None
        self._lock = threading.Lock()
        self._current: IdpMetadata | None = None
        self._loaded_at: datetime | None = None
        self._next_refresh: datetime | None = None
        self.last_error: EhkitError | None = None

    @classmethod
    def from_metadata(cls, metadata: IdpMetadata) -> StaticMetadata:
        return StaticMetadata(metadata)

    # -- reading

    def _fetch(self) -> bytes:
        if self._file is not None:
            try:
                data = self._file.read_bytes()
            except OSError as exc:
                raise MetadataError(
                    f"cannot read metadata file {self._file}: {exc.strerror}", reason="metadata_unavailable"
                ) from None
            return data
        if self._url is None:
            raise MetadataError("no metadata file or URL is configured", reason="metadata_unavailable")
        try:
            with (
                httpx.Client(
                    transport=self._transport, timeout=self._timeout, follow_redirects=False, trust_env=False
                ) as client,
                client.stream("GET", self._url) as response,
            ):
                if response.status_code != 200:
                    raise MetadataError(
                        f"metadata URL answered HTTP {response.status_code}", reason="metadata_unavailable"
                    )
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > METADATA_LIMITS.max_bytes:
                        raise MetadataError("metadata is larger than 2 MiB", reason="metadata_malformed")
                return bytes(body)
        except httpx.HTTPError as exc:
            raise MetadataError(
                f"cannot fetch metadata from {self._url}: {type(exc).__name__}", reason="metadata_unavailable"
            ) from None

    def load(self, xml: bytes, *, now: datetime | None = None) -> IdpMetadata:
        """Verify and parse ``xml``; on success it becomes the current copy."""
        now = _utc(now)
        trust = self._trust.trust_for(xml, now)
        metadata = parse_idp_metadata(xml, trust=trust, now=now, entity_id=self.entity_id, limits=METADATA_LIMITS)
        with self._lock:
            self._current = metadata
            self._loaded_at = now
            self._next_refresh = self._schedule(metadata, now)
            self.last_error = None
        if self._save_to is not None and self._url is not None:
            from ehkit.util.files import atomic_write

            try:
                atomic_write(self._save_to, xml)
            except OSError as exc:  # a cache file is a convenience, never a reason to fail
                log.warning("could not save broker metadata to %s: %s", self._save_to, exc)
        log.info(
            "broker metadata loaded for %s: %d signing key(s), valid until %s, next refresh %s",
            metadata.entity_id,
            len(metadata.signing_certificates),
            metadata.valid_until,
            self._next_refresh,
        )
        return metadata

    def _schedule(self, metadata: IdpMetadata, now: datetime) -> datetime:
        interval = self._interval
        if metadata.cache_duration is not None:
            interval = min(interval, metadata.cache_duration)
        due = now + interval
        if metadata.valid_until is not None:
            due = min(due, metadata.valid_until)
        return due

    def refresh(self, *, now: datetime | None = None) -> bool:
        """Fetch and verify now. True on success; on failure the last good copy stays."""
        now = _utc(now)
        try:
            self.load(self._fetch(), now=now)
            return True
        except EhkitError as exc:
            with self._lock:
                self.last_error = exc
                self._next_refresh = now + min(self._interval, _RETRY_AFTER_FAILURE)
                current = self._current
            if current is not None:
                log.warning(
                    "broker metadata refresh failed (%s: %s); keeping the last good copy loaded at %s",
                    exc.reason,
                    exc.message,
                    self._loaded_at,
                )
            else:
                log.error("broker metadata could not be loaded (%s: %s)", exc.reason, exc.message)
            return False

    def get(self, *, now: datetime | None = None) -> IdpMetadata:
        """The current metadata, refreshed first when due. Raises when there is
        no usable copy (never loaded, or the last good copy has expired)."""
        now = _utc(now)
        with self._lock:
            due = self._current is None or (self._next_refresh is not None and now >= self._next_refresh)
        if due:
            self.refresh(now=now)
        with self._lock:
            current = self._current
            error = self.last_error
        if current is None:
            raise MetadataError(
                f"no broker metadata available ({error.message if error else 'not loaded'})",
                reason=error.reason if error else "metadata_unavailable",
            )
        if current.valid_until is not None and current.valid_until <= now:
            raise MetadataError(
                "the broker metadata has expired and no valid copy could be loaded", reason="metadata_expired"
            )
        return current

    @property
    def next_refresh(self) -> datetime | None:
        return self._next_refresh


class StaticMetadata:
    """Fixed metadata (tests, or metadata managed elsewhere) with the same ``get`` interface."""

    def __init__(self, metadata: IdpMetadata) -> None:
        self._metadata = metadata
        self.entity_id = metadata.entity_id

    def get(self, *, now: datetime | None = None) -> IdpMetadata:
        return self._metadata

    def refresh(self, *, now: datetime | None = None) -> bool:
        return True


def load_certificates(paths: Sequence[str | Path]) -> tuple[x509.Certificate, ...]:
    from ehkit.pki.loading import load_certificates as _load

    out: list[x509.Certificate] = []
    for p in paths:
        out.extend(_load(p))
    return tuple(out)
