"""The broker's (HM) metadata, kept current and trustworthy.

Metadata is the DV's trust anchor: the keys in it decide which signatures a
login accepts. So:

* it is used only after its signature verified, against *pinned*
  certificates, or against any certificate that chains to the configured
  (PKIoverheid) CA **and** carries the broker's OIN;
* ``validUntil`` is honoured: expired metadata is never used (case 88);
* it is refreshed on schedule (the shorter of ``cacheDuration`` and the
  configured interval, and ahead of ``validUntil``), with jitter so a fleet
  of application servers does not fetch at the same second, or on demand;
* the refresh is off the login path: a login that finds a refresh due starts
  it in the background and goes on with the cached copy. Only when there is
  no usable copy (the first load, or the copy expired) does a caller wait,
  and then at most the exchange deadline (:mod:`ehkit.sp.deadline`);
* a scheduler can drive it instead (``background_refresh=False`` and
  :meth:`MetadataCache.refresh`); :attr:`MetadataCache.last_refresh` says
  when the last attempt ran, whether it worked and why not;
* a failed refresh (unreachable, unsigned, wrongly signed, expired) keeps the
  last good copy, and says so in the log (case 87);
* several signing keys are accepted at once (rollover: the broker publishes
  the next certificate before switching).
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509

from ehkit.errors import EhkitError
from ehkit.pki.chain import verify_chain
from ehkit.pki.subject import certificate_oin
from ehkit.pki.untrusted import CertificateError, certificate_from_base64
from ehkit.saml.metadata import IdpMetadata, MetadataError, parse_idp_metadata
from ehkit.saml.timefmt import format_instant
from ehkit.sp.deadline import Deadline, DeadlineTransport, within
from ehkit.xml.ns import DS
from ehkit.xml.parse import ParseLimits, parse_document
from ehkit.xml.trust import TrustSet

log = logging.getLogger("ehkit.sp.metadata")

METADATA_LIMITS = ParseLimits(max_bytes=2 * 1024 * 1024, max_depth=64, max_elements=50_000).without_counts()
_RETRY_AFTER_FAILURE = timedelta(minutes=5)
#: Refresh this share of the remaining lifetime before ``validUntil`` (at most an hour early), so a
#: copy is replaced while it is still usable and no login waits for a foreground fetch.
_VALID_UNTIL_LEAD = 0.1
_MAX_VALID_UNTIL_LEAD = timedelta(hours=1)


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
                found.append(certificate_from_base64(el.text))
            except CertificateError:
                continue  # an unusable certificate vouches for nothing; the signature check decides
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


@dataclass(frozen=True)
class RefreshStatus:
    """The last refresh attempt, for schedulers, health checks and metrics.

    ``at`` is the moment the refresh was for (the ``now`` it ran with),
    ``duration`` the seconds it took, ``background`` whether a login started it.
    """

    at: datetime
    ok: bool
    duration: float
    background: bool
    error: EhkitError | None = None

    @property
    def reason(self) -> str | None:
        return self.error.reason if self.error is not None else None


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
        deadline: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        save_to: str | Path | None = None,
        background_refresh: bool = True,
        jitter: float = 0.1,
        rng: random.Random | None = None,
    ) -> None:
        """``jitter`` moves every scheduled refresh earlier by up to that share of the interval
        (0.1: up to 10 %); never later, so ``cacheDuration`` and ``validUntil`` are honoured."""
        if not 0 <= jitter < 1:
            raise ValueError("jitter is a share of the interval: 0 <= jitter < 1")
        if (file is None) == (url is None):
            raise ValueError("give exactly one of file and url")
        self.entity_id = entity_id
        self._trust = trust
        self._file = Path(file) if file is not None else None
        self._url = url
        self._interval = refresh_interval
        self._timeout = timeout
        self._deadline = deadline
        self._transport = transport
        self._save_to = Path(save_to) if save_to is not None else None
        self._background = background_refresh
        self._jitter = jitter
        self._rng = rng or random.Random()  # noqa: S311 - spreads refresh times, not a secret
        self._lock = threading.Lock()  # guards the fields below; never held during I/O
        self._refresh_lock = threading.Lock()  # one fetch at a time
        self._current: IdpMetadata | None = None
        self._loaded_at: datetime | None = None
        self._next_refresh: datetime | None = None
        self._thread: threading.Thread | None = None
        self._last: RefreshStatus | None = None
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
        if self._url is None:  # pragma: no cover - the constructor demands one of them
            raise MetadataError("no metadata source configured", reason="metadata_unavailable")
        with within(self._deadline) as deadline:
            return self._download(self._url, deadline)

    def _download(self, url: str, deadline: Deadline) -> bytes:
        transport = self._transport or DeadlineTransport(ssl_context=ssl.create_default_context())
        try:
            with (
                httpx.Client(
                    transport=transport, timeout=self._timeout, follow_redirects=False, trust_env=False
                ) as client,
                client.stream("GET", url) as response,
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
                    if deadline.expired():  # any transport, also one without socket deadlines
                        raise httpx.ReadTimeout("deadline", request=response.request)
                return bytes(body)
        except httpx.HTTPError as exc:
            within_deadline = (
                f" within the {deadline.seconds:g} s deadline"
                if isinstance(exc, httpx.TimeoutException) and deadline.expired()
                else ""
            )
            raise MetadataError(
                f"cannot fetch metadata from {url}{within_deadline}: {type(exc).__name__}",
                reason="metadata_unavailable",
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

    def _early(self, interval: timedelta) -> timedelta:
        return interval * (self._jitter * self._rng.random())

    def _schedule(self, metadata: IdpMetadata, now: datetime) -> datetime:
        interval = self._interval
        if metadata.cache_duration is not None:
            interval = min(interval, metadata.cache_duration)
        due = now + interval - self._early(interval)
        if metadata.valid_until is not None:
            left = metadata.valid_until - now
            lead = min(left * _VALID_UNTIL_LEAD, _MAX_VALID_UNTIL_LEAD)
            due = min(due, metadata.valid_until - lead - self._early(min(left, interval) * _VALID_UNTIL_LEAD))
        return max(due, now)

    def refresh(self, *, now: datetime | None = None) -> bool:
        """Fetch and verify now (in this thread; a scheduler calls this). True on success;
        on failure the last good copy stays. The outcome is in :attr:`last_refresh`."""
        return self._refresh(_utc(now), background=False)

    def _refresh(self, now: datetime, *, background: bool) -> bool:
        with self._refresh_lock:
            started = time.monotonic()
            try:
                self.load(self._fetch(), now=now)
            except EhkitError as exc:
                with self._lock:
                    self.last_error = exc
                    retry = min(self._interval, _RETRY_AFTER_FAILURE)
                    self._next_refresh = now + retry - self._early(retry)
                    self._last = RefreshStatus(now, False, time.monotonic() - started, background, exc)
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
            with self._lock:
                self._last = RefreshStatus(now, True, time.monotonic() - started, background)
            return True

    def _run_in_background(self, now: datetime) -> None:
        try:
            self._refresh(now, background=True)
        except Exception:  # a bug must not end silently in a thread nobody joins
            log.exception("broker metadata refresh failed unexpectedly; keeping the last good copy")
            with self._lock:
                self._next_refresh = now + min(self._interval, _RETRY_AFTER_FAILURE)

    def _start_background(self, now: datetime) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            thread = threading.Thread(
                target=self._run_in_background, args=(now,), name="ehkit-metadata-refresh", daemon=True
            )
            self._thread = thread
        thread.start()

    def get(self, *, now: datetime | None = None) -> IdpMetadata:
        """The current metadata. A due refresh starts in the background and this copy is
        returned meanwhile; only without a usable copy (never loaded, or expired) does
        this wait for a refresh, bounded by the deadline. Raises when there is still none."""
        now = _utc(now)
        with self._lock:
            current = self._current
            due = current is None or (self._next_refresh is not None and now >= self._next_refresh)
            usable = current is not None and (current.valid_until is None or current.valid_until > now)
        if due and not usable:
            self._refresh_unless_done(now)
        elif due and self._background:
            self._start_background(now)
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
                f"the broker metadata expired at {format_instant(current.valid_until)} and no valid copy "
                "could be loaded",
                reason="metadata_expired",
            )
        return current

    def _refresh_unless_done(self, now: datetime) -> None:
        """Refresh in the foreground, unless a refresh that ran meanwhile (another login's,
        or the background one this waited for) already settled it."""
        with self._lock:
            before = self._last
        with self._refresh_lock:
            with self._lock:
                settled = self._last is not before and self._last is not None and self._last.at >= now
            if settled:
                return
        self._refresh(now, background=False)

    def wait_for_refresh(self, timeout: float | None = None) -> bool:
        """Wait for a background refresh to finish (tests, orderly shutdown). True when none runs."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.refreshing

    @property
    def refreshing(self) -> bool:
        """True while a background refresh runs."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def last_refresh(self) -> RefreshStatus | None:
        """The last refresh attempt (time, outcome, error), or None before the first."""
        return self._last

    @property
    def loaded_at(self) -> datetime | None:
        return self._loaded_at

    @property
    def current(self) -> IdpMetadata | None:
        """The good copy in use (even an expired one), without refreshing; None before the first load."""
        return self._current

    def fetch(self) -> bytes:
        """The raw document from the configured file or URL, unverified (``ehkit doctor`` checks each
        step apart); this changes nothing in the cache."""
        return self._fetch()

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

    # The same status surface as MetadataCache, for schedulers and health checks.
    last_refresh: RefreshStatus | None = None
    next_refresh: datetime | None = None
    loaded_at: datetime | None = None
    refreshing = False

    @property
    def current(self) -> IdpMetadata:
        return self._metadata

    def wait_for_refresh(self, timeout: float | None = None) -> bool:
        return True


def load_certificates(paths: Sequence[str | Path]) -> tuple[x509.Certificate, ...]:
    from ehkit.pki.loading import load_certificates as _load

    out: list[x509.Certificate] = []
    for p in paths:
        out.extend(_load(p))
    return tuple(out)
