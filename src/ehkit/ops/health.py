"""The health document of a running SP, served by every integration at ``health/``.

``status`` is ``ok`` (logins can work), ``degraded`` (they work, but the last
metadata refresh failed or a certificate expires within 7 days: act soon) or
``down`` (no usable broker metadata, the signing certificate expired, or the
state store fails: logins fail now). HTTP 200 for ok and degraded, 503 for
down, so a load balancer takes only a broken instance out.

Nothing secret is in it: no keys, no identifiers; the broker's EntityID,
moments and reason codes only.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ehkit.errors import EhkitError
from ehkit.saml.timefmt import utcnow

if TYPE_CHECKING:  # pragma: no cover
    from ehkit.sp.provider import ServiceProvider

CERT_DEGRADED_DAYS = 7


def provider_health(
    sp: ServiceProvider, *, now: datetime | None = None, check_store: bool = True
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, document). Reads the metadata cache (starting a due refresh in the background)."""
    now = now or utcnow()
    problems: list[str] = []
    worries: list[str] = []
    doc: dict[str, Any] = {"time": now.isoformat()}

    source: Any = sp.metadata_source
    metadata: dict[str, Any] = {"broker": sp.settings.broker_entity_id}
    if any(s.protocol == "saml" for s in sp.settings.services):
        try:
            current = source.get(now=now)
        except EhkitError as exc:
            problems.append(f"metadata: {exc.reason}")
            metadata["error"] = exc.reason
        else:
            metadata["valid_until"] = current.valid_until.isoformat() if current.valid_until else None
            metadata["signing_keys"] = len(current.signing_certificates)
        loaded = getattr(source, "loaded_at", None)
        if isinstance(loaded, datetime):
            metadata["loaded_at"] = loaded.isoformat()
            metadata["age_seconds"] = int((now - loaded).total_seconds())
        nxt = getattr(source, "next_refresh", None)
        if isinstance(nxt, datetime):
            metadata["next_refresh"] = nxt.isoformat()
        status = getattr(source, "last_refresh", None)
        if status is not None:
            metadata["last_refresh"] = {"at": status.at.isoformat(), "ok": status.ok, "reason": status.reason}
            if not status.ok:
                worries.append(f"metadata refresh: {status.reason}")
    doc["metadata"] = metadata

    settings = sp.settings
    signing = settings.signing_key_at(now)
    left = signing.certificate.not_valid_after_utc - now
    doc["signing_certificate"] = {
        "key_name": signing.key_name,
        "not_after": signing.certificate.not_valid_after_utc.isoformat(),
        "days_left": round(left.total_seconds() / 86400, 1),
    }
    if settings.signing_activation is not None and now < settings.signing_activation:
        doc["rollover"] = {"activation": settings.signing_activation.isoformat()}
    if left <= timedelta(0):
        problems.append("signing certificate expired")
    elif left <= timedelta(days=CERT_DEGRADED_DAYS):
        worries.append("signing certificate expires within 7 days")

    if check_store:
        try:
            ok = sp.store.mark_seen(
                f"ehkit-health:{secrets.token_hex(8)}", expires_at=now + timedelta(minutes=1), now=now
            )
            doc["store"] = "ok" if ok else "no read-back"
            if not ok:
                problems.append("store: a new key read back as seen")
        except Exception as exc:  # noqa: BLE001 - any driver failure means the store is unusable
            doc["store"] = "error"
            problems.append(f"store: {type(exc).__name__}")

    doc["status"] = "down" if problems else ("degraded" if worries else "ok")
    doc["problems"] = problems + worries
    return (503 if problems else 200), doc
