"""The broker (HM) metadata refresh for cron, and the state of its last run.

A running SP refreshes in the background (:class:`ehkit.sp.metadata_cache.MetadataCache`:
``cacheDuration``, ahead of ``validUntil``, with jitter). ``ehkit metadata refresh``
does the same once, for a scheduler: it fetches the configured source (or
``--url``), verifies it against the configured trust, and with a
``metadata_file`` setup and a URL replaces the file atomically, only after the
new copy verified. Either way it records the outcome in a small JSON file
(``[ops] refresh_status``), so ``ehkit doctor`` and the metrics show when the
last refresh ran and why it failed; a failure never touches the last good copy.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from ehkit.config import EhkitConfig
from ehkit.errors import EhkitError, ValidationError
from ehkit.saml.metadata import IdpMetadata
from ehkit.sp.metadata_cache import CaTrust, MetadataCache, PinnedTrust, load_certificates
from ehkit.util.files import atomic_write

STATUS_FILE = Path(".ehkit") / "metadata-refresh.json"


def metadata_trust(config: EhkitConfig) -> PinnedTrust | CaTrust:
    broker = config.broker
    if broker.trust_mode == "pinned":
        return PinnedTrust(load_certificates(broker.pinned_certs))
    return CaTrust(roots=load_certificates(broker.ca_certs), oin=broker.effective_expected_oin)


def metadata_cache(
    config: EhkitConfig, *, url: str | None = None, transport: httpx.BaseTransport | None = None
) -> MetadataCache:
    """A cache over the configured source (or ``url``), for one check: no background thread, no saving."""
    broker = config.broker
    source_url = url or broker.metadata_url
    if source_url is None and broker.metadata_file is None:
        raise ValidationError("no broker.metadata_file or broker.metadata_url is configured", reason="config_invalid")
    return MetadataCache(
        entity_id=str(broker.entity_id),
        trust=metadata_trust(config),
        url=source_url,
        file=broker.metadata_file if source_url is None else None,
        refresh_interval=timedelta(seconds=broker.metadata_refresh),
        deadline=broker.exchange_deadline,
        transport=transport,
        background_refresh=False,
    )


def status_path(config: EhkitConfig) -> Path:
    if config.ops.refresh_status is not None:
        return Path(config.ops.refresh_status)
    return (config.base_dir or Path.cwd()) / STATUS_FILE


@dataclass(frozen=True)
class RefreshRecord:
    """The outcome of one ``ehkit metadata refresh`` run, as stored in the status file."""

    at: datetime
    ok: bool
    source: str
    duration: float
    reason: str | None = None
    message: str | None = None
    valid_until: datetime | None = None
    cache_duration: float | None = None
    signing_certificates: int | None = None
    written_to: str | None = None
    last_success: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "ok": self.ok,
            "source": self.source,
            "duration": round(self.duration, 4),
            "reason": self.reason,
            "message": self.message,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "cache_duration": self.cache_duration,
            "signing_certificates": self.signing_certificates,
            "written_to": self.written_to,
            "last_success": self.last_success.isoformat() if self.last_success else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RefreshRecord:
        def moment(key: str) -> datetime | None:
            value = data.get(key)
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        at = moment("at")
        if at is None:
            raise ValueError("no 'at' in the refresh status")
        return cls(
            at=at,
            ok=bool(data.get("ok")),
            source=str(data.get("source", "")),
            duration=float(data.get("duration") or 0.0),
            reason=data.get("reason"),
            message=data.get("message"),
            valid_until=moment("valid_until"),
            cache_duration=data.get("cache_duration"),
            signing_certificates=data.get("signing_certificates"),
            written_to=data.get("written_to"),
            last_success=moment("last_success"),
        )


def read_status(config: EhkitConfig) -> RefreshRecord | None:
    """The last recorded cron refresh, or None when there is none (or it cannot be read)."""
    path = status_path(config)
    try:
        return RefreshRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def _write_status(config: EhkitConfig, record: RefreshRecord) -> None:
    path = status_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (json.dumps(record.as_dict(), indent=2) + "\n").encode())


def run_refresh(
    config: EhkitConfig,
    *,
    now: datetime,
    url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    record: bool = True,
) -> tuple[RefreshRecord, IdpMetadata | None]:
    """Fetch, verify and (file setup with ``url``) replace; record the outcome. Never raises for a
    broker-side failure: the record says what went wrong, and the last good copy stays."""
    from ehkit.config.types import check_url

    if url is not None:
        try:
            check_url(url, max_length=None)
        except ValueError as exc:
            raise ValidationError(f"the metadata URL {exc}", reason="invalid_value") from None
    broker = config.broker
    source = url or broker.metadata_url or str(broker.metadata_file)
    previous = read_status(config)
    last_success = (
        previous.at if previous is not None and previous.ok else (previous.last_success if previous else None)
    )
    started = time.perf_counter()
    metadata: IdpMetadata | None = None
    written: str | None = None
    try:
        cache = metadata_cache(config, url=url, transport=transport)
        xml = cache.fetch()
        metadata = cache.load(xml, now=now)
        if url is not None and broker.metadata_file is not None and broker.metadata_url is None:
            atomic_write(broker.metadata_file, xml)
            written = str(broker.metadata_file)
    except EhkitError as exc:
        result = RefreshRecord(
            now, False, source, time.perf_counter() - started, exc.reason, exc.message, last_success=last_success
        )
    else:
        result = RefreshRecord(
            now,
            True,
            source,
            time.perf_counter() - started,
            valid_until=metadata.valid_until,
            cache_duration=metadata.cache_duration.total_seconds() if metadata.cache_duration else None,
            signing_certificates=len(metadata.signing_certificates),
            written_to=written,
            last_success=now,
        )
    if record:
        try:
            _write_status(config, result)
        except OSError as exc:
            raise ValidationError(
                f"cannot write the refresh status to {status_path(config)}: {exc.strerror or exc} "
                "(set [ops] refresh_status to a writable path)",
                reason="refresh_status_unwritable",
            ) from None
    return result, metadata
