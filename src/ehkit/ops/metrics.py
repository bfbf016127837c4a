"""Prometheus metrics of a running SP (the ``metrics`` extra: ``pip install 'ehkit[metrics]'``).

::

    from ehkit.ops.metrics import EhkitMetrics
    metrics = EhkitMetrics().install()     # counts every login from now on
    metrics.watch(sp)                      # metadata age, certificate days left
    body, content_type = metrics.render()  # serve on /metrics

The integrations do this for you and serve ``metrics/`` next to ``health/``.

Metrics (names are stable; see docs/operations.md for alert thresholds):

* ``ehkit_logins_total{outcome,reason}``: every finished login attempt, by
  outcome (success, cancelled, failed, rejected, error) and reason code;
* ``ehkit_login_validation_seconds``: the SP's own work on an answer
  (verify, decrypt, policy), without the artifact exchange;
* ``ehkit_artifact_resolution_seconds``: the exchange with the broker's ARS;
* ``ehkit_metadata_age_seconds``, ``ehkit_metadata_valid_seconds`` (until
  validUntil), ``ehkit_metadata_last_refresh_success`` (1/0, label
  ``reason``), ``ehkit_metadata_last_refresh_timestamp_seconds``;
* ``ehkit_certificate_days_left{role,key_name}``: signing (current, next)
  and decryption certificates;
* ``ehkit_signing_rollover_timestamp_seconds``: the configured activation
  of the next signing key, when one is pending.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ehkit.errors import ConfigError
from ehkit.saml.timefmt import utcnow
from ehkit.sp import audit

if TYPE_CHECKING:  # pragma: no cover
    from ehkit.sp.provider import ServiceProvider

try:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
    from prometheus_client.core import GaugeMetricFamily
    from prometheus_client.registry import Collector
except ImportError:  # pragma: no cover - the metrics extra is part of dev
    _MISSING = True
else:
    _MISSING = False

#: Validation takes milliseconds; artifact resolution is a network round trip bounded by the deadline.
VALIDATION_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
ARTIFACT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def available() -> bool:
    """True when prometheus-client is installed."""
    return not _MISSING


def _require() -> None:
    if _MISSING:
        raise ConfigError("metrics need prometheus-client: pip install 'ehkit[metrics]'", reason="metrics_unavailable")


class EhkitMetrics:
    """One registry with ehkit's metrics. Thread-safe; build once per process (or per test)."""

    def __init__(self, registry: Any = None, *, clock: Callable[[], datetime] = utcnow) -> None:
        _require()
        self.registry = registry if registry is not None else CollectorRegistry()
        self.clock = clock
        self.logins = Counter(
            "ehkit_logins",
            "Finished eHerkenning login attempts, by outcome and reason code.",
            ["outcome", "reason"],
            registry=self.registry,
        )
        self.validation = Histogram(
            "ehkit_login_validation_seconds",
            "Time the SP spent validating a broker answer (without the artifact exchange).",
            buckets=VALIDATION_BUCKETS,
            registry=self.registry,
        )
        self.artifact = Histogram(
            "ehkit_artifact_resolution_seconds",
            "Time of the artifact resolution exchange with the broker.",
            buckets=ARTIFACT_BUCKETS,
            registry=self.registry,
        )
        self._providers: weakref.WeakSet[ServiceProvider] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.registry.register(_StateCollector(self))

    # -- feeding

    def install(self) -> EhkitMetrics:
        """Count every login audited from now on (all providers of this process)."""
        audit.add_listener(self.observe)
        return self

    def uninstall(self) -> None:
        audit.remove_listener(self.observe)

    def watch(self, sp: ServiceProvider) -> EhkitMetrics:
        """Report this provider's metadata state and certificates at every scrape."""
        with self._lock:
            self._providers.add(sp)
        return self

    def observe(self, event: dict[str, Any]) -> None:
        """An audit event (see :mod:`ehkit.sp.audit`)."""
        if event.get("event") != "ehkit.login":
            return
        outcome = str(event.get("outcome") or "unknown")
        reason = str(event.get("reason") or "none")
        self.logins.labels(outcome, reason).inc()
        phases = event.get("phases_ms") or {}
        artifact_ms = float(phases.get("artifact_resolution", 0.0))
        if "artifact_resolution" in phases:
            self.artifact.observe(artifact_ms / 1000)
        duration = event.get("duration_ms")
        if isinstance(duration, (int, float)) and outcome != "error":
            self.validation.observe(max(0.0, float(duration) - artifact_ms) / 1000)

    # -- reading

    def providers(self) -> list[ServiceProvider]:
        with self._lock:
            return list(self._providers)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type, for a /metrics endpoint."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _StateCollector(Collector if not _MISSING else object):  # type: ignore[misc]
    """Gauges read at scrape time: nothing to update when a certificate's day passes."""

    def __init__(self, metrics: EhkitMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Any]:
        now = self._metrics.clock()
        age = GaugeMetricFamily(
            "ehkit_metadata_age_seconds", "Seconds since the broker metadata in use was loaded.", labels=["broker"]
        )
        valid = GaugeMetricFamily(
            "ehkit_metadata_valid_seconds",
            "Seconds until the broker metadata in use passes validUntil.",
            labels=["broker"],
        )
        ok = GaugeMetricFamily(
            "ehkit_metadata_last_refresh_success",
            "1 when the last broker metadata refresh succeeded, 0 when it failed (the last good copy stays).",
            labels=["broker", "reason"],
        )
        last = GaugeMetricFamily(
            "ehkit_metadata_last_refresh_timestamp_seconds", "When the last metadata refresh ran.", labels=["broker"]
        )
        days = GaugeMetricFamily(
            "ehkit_certificate_days_left", "Days until a DV certificate expires.", labels=["role", "key_name"]
        )
        rollover = GaugeMetricFamily(
            "ehkit_signing_rollover_timestamp_seconds", "The activation moment of the pending next signing key."
        )
        for sp in self._metrics.providers():
            broker = sp.settings.broker_entity_id
            source: Any = sp.metadata_source
            current = getattr(source, "current", None)
            loaded = getattr(source, "loaded_at", None)
            if isinstance(loaded, datetime):
                age.add_metric([broker], (now - loaded).total_seconds())
            until = getattr(current, "valid_until", None)
            if isinstance(until, datetime):
                valid.add_metric([broker], (until - now).total_seconds())
            status = getattr(source, "last_refresh", None)
            if status is not None:
                ok.add_metric([broker, status.reason or ""], 1.0 if status.ok else 0.0)
                last.add_metric([broker], status.at.timestamp())
            settings = sp.settings
            certs = [("signing", settings.signing_key.certificate, settings.signing_key.key_name)]
            if settings.next_signing_key is not None:
                certs.append(
                    ("next_signing", settings.next_signing_key.certificate, settings.next_signing_key.key_name)
                )
            if settings.signing_activation is not None:
                rollover.add_metric([], settings.signing_activation.timestamp())
            seen = {name for _, _, name in certs}
            for pair in settings.decryption_keys:
                from ehkit.pki import key_name_sha256

                name = key_name_sha256(pair.certificate)
                if name not in seen:
                    certs.append(("decryption", pair.certificate, name))
                    seen.add(name)
            for role, cert, name in certs:
                days.add_metric([role, name], (cert.not_valid_after_utc - now).total_seconds() / 86400)
        yield from (age, valid, ok, last, days, rollover)


_default: EhkitMetrics | None = None
_default_lock = threading.Lock()


def default_metrics() -> EhkitMetrics:
    """The process-wide metrics (installed as audit listener on first use), for the integrations."""
    global _default
    with _default_lock:
        if _default is None:
            _default = EhkitMetrics().install()
        return _default
