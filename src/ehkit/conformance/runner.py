"""``run(config)``: static checks, the simulator, the logins, the manual items; one Report.

The library entry point for the CLI and the workspace. It never raises for
what it finds in the DV (that is what the report is for); it raises
``ConfigError`` only when it cannot start: an unreadable input, a port in use.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import ehkit
from ehkit.catalogue.model import read_catalogue
from ehkit.conformance.checks import CHECKS, Category
from ehkit.conformance.config import ConformanceConfig
from ehkit.conformance.manual import manual_results
from ehkit.conformance.protocol import PROTOCOL_ORDER, ProtocolRun
from ehkit.conformance.report import CheckResult, Report
from ehkit.conformance.simulator import Simulator
from ehkit.conformance.static import Source, read_source, static_results
from ehkit.errors import ConfigError, EhkitError

__all__ = ["ProgressEvent", "run"]


@dataclass(frozen=True)
class ProgressEvent:
    """What a progress display needs: ``simulator`` once it listens (``info`` says where), then one ``check`` per result."""

    kind: Literal["static", "simulator", "check", "done"]
    done: int
    total: int
    check_id: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


Progress = Callable[[ProgressEvent], None]


def _sso_support(catalogue: Source | None) -> dict[str, bool]:
    if catalogue is None:
        return {}
    try:
        doc = read_catalogue(catalogue.data)
    except EhkitError:
        return {}
    return {v.instance.service_id or "": (v.instance.sso or "").strip() in ("true", "1") for v in doc.services()}


def _dv_tls(config: ConformanceConfig) -> ssl.SSLContext | bool:
    if config.dv_ca is None:
        return True
    try:
        return ssl.create_default_context(cafile=str(config.dv_ca))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load dv_ca {config.dv_ca}: {exc}", reason="config_unreadable") from None


def run(config: ConformanceConfig, *, progress: Progress | None = None, now: datetime | None = None) -> Report:
    """Run every selected check against the DV described by ``config``."""
    notify = progress or (lambda _event: None)
    started = datetime.now(UTC)
    moment = now or started
    selected = config.selected
    wanted = [cid for cid in CHECKS if selected(cid)]
    total = len(wanted)
    count = 0

    metadata = [read_source(m, what="SP metadata", timeout=config.timeout) for m in config.metadata]
    catalogue = (
        read_source(config.catalogue, what="service catalogue", timeout=config.timeout) if config.catalogue else None
    )

    results: list[CheckResult] = []
    notify(ProgressEvent("static", 0, total))
    static = static_results(
        metadata,
        catalogue,
        profiles=config.profiles,
        trusted_ca=config.trusted_ca,
        now=moment,
        selected=selected,
    )
    results.extend(static)
    count += len(static)
    notify(ProgressEvent("check", count, total, static[-1].check.id if static else None))

    notes: list[str] = []
    dv_info: dict[str, Any] = {
        "metadata": [m.name for m in metadata],
        "catalogue": catalogue.name if catalogue else None,
        "logins": [t.model_dump(exclude_none=True) for t in config.logins],
        "profiles": config.profiles,
    }
    simulator_info: dict[str, Any] = {}
    if config.catalogue is None:
        notes.append("No service catalogue given: the simulator used level EH2 and KvK number for every service.")
    if any(selected(cid) for cid in PROTOCOL_ORDER):
        simulator = Simulator(config.simulator, metadata=list(config.metadata), catalogue=config.catalogue)
        try:
            simulator.load()
            simulator.start()
            simulator_info = simulator.describe()
            if simulator.broker is not None:
                dv_info["entities"] = [
                    {
                        "entity_id": dv.entity_id,
                        "services": [
                            {"index": s.index, "service_id": s.service_id, "loa": s.loa.label, "eidas": s.eidas}
                            for s in sorted(dv.services.values(), key=lambda s: s.index)
                        ],
                    }
                    for dv in simulator.broker.registry.all()
                ]
                notes.extend(w for dv in simulator.broker.registry.all() for w in dv.warnings)
            notify(ProgressEvent("simulator", count, total, info=simulator_info))

            def tick(check_id: str) -> None:
                nonlocal count
                count += 1
                notify(ProgressEvent("check", count, total, check_id))

            protocol = ProtocolRun(
                simulator,
                list(config.logins),
                timeout=config.timeout,
                selected=selected,
                sso_support=_sso_support(catalogue),
                tick=tick,
                verify=_dv_tls(config),
            )
            results.extend(protocol.run())
        finally:
            simulator.stop()
    manual = manual_results(config.attestations, selected)
    results.extend(manual)
    count += len(manual)
    notify(ProgressEvent("done", count, total))
    order = {c: i for i, c in enumerate(Category)}
    results.sort(key=lambda r: order[r.check.category])
    return Report(
        started=started,
        finished=datetime.now(UTC),
        results=results,
        dv=dv_info,
        simulator=simulator_info,
        notes=notes,
        version=ehkit.__version__,
    )
