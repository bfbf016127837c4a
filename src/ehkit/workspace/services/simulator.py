"""A local simulator run of the project's services: the real login path, end to end, in-process.

The broker simulator (:mod:`ehkit.broker`) runs in this process on a free
loopback port and knows the DV from the generated configuration. The ehkit
SP library is built from the same generated ``ehkit.toml`` with only the
broker section pointing at the simulator; per service it starts a login,
completes it through the simulator's headless ``POST /api/login`` with a
persona that suits the service, and resolves and verifies the answer exactly
as in production (artifact over SOAP, signatures, decryption, policy).
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from ehkit.errors import EhkitError, LoginRejected
from ehkit.reasons import outcome
from ehkit.util.files import atomic_write
from ehkit.workspace.models import Project, TestRun
from ehkit.workspace.services.audit import Actor, record
from ehkit.workspace.services.site import Site
from ehkit.workspace.services.step5_connect import SIMULATOR_HM, config_data, load_generated
from ehkit.workspace.services.toml_text import to_toml

if TYPE_CHECKING:
    from ehkit.broker.keys import BrokerKeys
    from ehkit.config import ServiceConfig


def simulator_keys(site: Site) -> BrokerKeys:
    """The simulator's HM, MR and AD keys, made once per workspace and reused."""
    from ehkit.broker.data import load_test_data
    from ehkit.broker.keys import load_or_create_keys

    data = load_test_data()
    site.simulator_dir.mkdir(parents=True, exist_ok=True)
    return load_or_create_keys(
        site.simulator_dir,
        hm_entity_id=SIMULATOR_HM,
        mr_entity_id=data.machtigingenregister.entity_id,
        ads={a.id: a.entity_id for a in data.authentication_services},
    )


def simulator_metadata(keys: BrokerKeys, base_url: str = "http://127.0.0.1:8801") -> bytes:
    from ehkit.broker.metadata import build_hm_metadata
    from ehkit.broker.settings import BrokerSettings

    settings = BrokerSettings(base_url=base_url, hm_entity_id=SIMULATOR_HM)
    return build_hm_metadata(settings, keys.hm, now=datetime.now(UTC))


def persona_for(service: ServiceConfig) -> str:
    """A test person the default simulator data authorises for this kind of service."""
    if service.eidas:
        return "lukas" if service.loa.label == "EH4" else "giulia" if service.loa.label == "EH3" else "sophie"
    names = {t.name for t in service.identifier_types}
    if names & {"KVK", "RSIN"}:
        return "anna"
    if names & {"BSN", "PSEUDO_ID"}:
        return "jan"
    return "anna"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server:
    def __init__(self, app: Any, port: int) -> None:
        import uvicorn

        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, name=f"ehkit-simulator-{port}", daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.server.should_exit = True
                raise RuntimeError("the broker simulator did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _login(base_url: str, sp: Any, service: ServiceConfig) -> dict[str, Any]:
    persona = persona_for(service)
    entry: dict[str, Any] = {"service": service.key, "loa": service.loa.label, "persona": persona}
    try:
        start = sp.start_login(service.key, relay_state="/ehkit-workspace-check")
        body: dict[str, Any] = {"relay_state": start.relay_state, "person": persona}
        if start.method == "redirect":
            body["redirect_url"] = start.url
        answer = httpx.post(f"{base_url}/api/login", json=body, timeout=30)
        payload = answer.json()
        if answer.status_code != 200 or payload.get("status") != "success":
            entry |= {"status": "failed", "reason": str(payload.get("error") or payload.get("status")),
                      "detail": str(payload.get("message", ""))[:500]}  # fmt: skip
            return entry
        delivery = payload["delivery"]
        result = sp.finish_login(
            saml_art=delivery.get("SAMLart"),
            saml_response=delivery.get("SAMLResponse"),
            relay_state=delivery["RelayState"],
            request_id=start.request_id,
        )
    except LoginRejected as exc:
        return entry | {
            "status": "failed",
            "reason": exc.reason,
            "outcome": outcome(exc.reason),
            "detail": exc.message[:500],
        }
    except (EhkitError, httpx.HTTPError, ValueError, KeyError) as exc:
        reason = getattr(exc, "reason", type(exc).__name__)
        return entry | {"status": "failed", "reason": str(reason), "detail": str(exc)[:500]}
    return entry | {
        "status": "passed",
        "legal_subject": result.legal_subject.type.name,
        "loa_used": result.loa.label,
        "vestiging": result.vestigingsnummer,
        "intermediary": bool(result.intermediary),
        "attributes": sorted(result.attributes),
    }


def run(session: Session, project: Project, actor: Actor, site: Site) -> TestRun:
    """Run one login per configured service and record the outcome (``passed`` only if every one passed)."""
    started = datetime.now(UTC)
    data, blockers = config_data(session, project)
    run_ = TestRun(
        project_id=project.id, kind="simulator", started_at=started, started_by_id=actor.user_id, outcome="error"
    )
    if blockers:
        run_.result = {"error": "blocked", "blockers": [b.key for b in blockers]}
    else:
        try:
            run_.result = _run(data, project, site)
            run_.outcome = "passed" if all(s["status"] == "passed" for s in run_.result["services"]) else "failed"
        except (EhkitError, RuntimeError, OSError) as exc:
            run_.result = {"error": getattr(exc, "message", str(exc))[:1000]}
    run_.finished_at = datetime.now(UTC)
    session.add(run_)
    session.flush()
    record(
        session, actor, project_id=project.id, action="create", entity="test_runs", entity_id=run_.id,
        label=f"simulator run: {run_.outcome}", after={"kind": "simulator", "outcome": run_.outcome},
    )  # fmt: skip
    return run_


def _run(data: dict[str, Any], project: Project, site: Site) -> dict[str, Any]:
    from ehkit.broker import BrokerSettings, build_broker, create_app
    from ehkit.config import load_config
    from ehkit.sp import ServiceProvider

    keys = simulator_keys(site)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="ehkit-ws-sim-") as tmp:
        folder = Path(tmp)
        atomic_write(folder / "hm-metadata.xml", simulator_metadata(keys, base_url))
        atomic_write(folder / "hm-signing.crt", keys.hm.certificate.public_bytes(serialization.Encoding.PEM))
        sim = dict(data)
        sim["broker"] = {
            "entity_id": SIMULATOR_HM,
            "metadata_file": str(folder / "hm-metadata.xml"),
            "pinned_certs": [str(folder / "hm-signing.crt")],
        }
        sim["state"] = {"store": "memory://"}
        toml_path = folder / "ehkit.toml"
        atomic_write(toml_path, to_toml(sim, slug=project.slug).encode("utf-8"))
        config = load_config(toml_path)
        load_generated(sim)  # the same validation as the page's build
        broker = build_broker(BrokerSettings(base_url=base_url, hm_entity_id=SIMULATOR_HM, keys=keys, configs=[config]))
        app = create_app(broker=broker)
        with _Server(app, port):
            sp = ServiceProvider.from_config(config)
            try:
                results = [_login(base_url, sp, service) for service in sorted(config.services, key=lambda s: s.index)]
            finally:
                close = getattr(sp, "close", None)
                if close is not None:
                    close()
    return {"base_url": base_url, "broker": SIMULATOR_HM, "services": results}
