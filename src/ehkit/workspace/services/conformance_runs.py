"""Step 5's conformance runs: the suite of :mod:`ehkit.conformance` against the project's own DV.

The suite gets what a broker gets: the SP metadata and the service catalogue
the workspace builds from the inventory (the same builders as step 5's
downloads), the URL that starts a login for each service and a success
detector, both from the form (:class:`ConformanceTarget`). The broker
simulator runs with the workspace's own simulator keys, so a DV configured
with "use the simulator as broker" already trusts it.

A run takes minutes (a real login per check), so it runs in the background:
:func:`start` records a ``running`` :class:`TestRun` in the caller's
transaction, :func:`launch` starts a worker thread once that is committed, and
the worker (:func:`execute`) writes its progress and, at the end, the verdict
and the three report files in short transactions of its own. A run whose
worker died with its process (no progress for :data:`STALE_AFTER`) shows as
``interrupted`` and no longer blocks a new one.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ehkit.errors import EhkitError
from ehkit.util.files import atomic_write
from ehkit.workspace.db import Database
from ehkit.workspace.errors import InvalidInput, NotFound, Problem
from ehkit.workspace.models import ConformanceReport, ConformanceTarget, Project, TestRun
from ehkit.workspace.services.audit import Actor, created, record
from ehkit.workspace.services.common import update
from ehkit.workspace.services.site import Site
from ehkit.workspace.services.step5_connect import SIMULATOR_HM, generate

__all__ = [
    "DEFAULT_SIMULATOR_URL",
    "KIND",
    "STALE_AFTER",
    "build_config",
    "execute",
    "last_run",
    "launch",
    "report",
    "run_of",
    "runs",
    "save_target",
    "start",
    "status",
    "target",
    "target_form",
]

log = logging.getLogger(__name__)

KIND = "conformance"
DEFAULT_SIMULATOR_URL = "http://127.0.0.1:8801"
#: A ``running`` run that has not reported progress for this long lost its worker (the server stopped).
STALE_AFTER = timedelta(minutes=15)
PLACEHOLDER = "{service}"
TARGET_FIELDS = ("login_url", "success_url", "success_text", "identity_url", "simulator_url", "only")
_MAX = {"login_url": 512, "success_url": 512, "identity_url": 512, "success_text": 200, "simulator_url": 200,
        "only": 500}  # fmt: skip


# ------------------------------------------------------------------ the target form


def target(session: Session, project: Project) -> ConformanceTarget | None:
    return session.scalar(select(ConformanceTarget).where(ConformanceTarget.project_id == project.id))


def target_form(found: ConformanceTarget | None) -> dict[str, Any]:
    if found is None:
        return {"simulator_url": DEFAULT_SIMULATOR_URL}
    return {name: getattr(found, name) or "" for name in TARGET_FIELDS} | {"version": found.version}


def _url_problem(name: str, value: str) -> Problem | None:
    probe = value.replace(PLACEHOLDER, "service")
    parts = urlsplit(probe)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in probe:
        return Problem(name, "conformance_url")
    if name == "simulator_url" and (parts.path not in ("", "/") or parts.query or PLACEHOLDER in value):
        return Problem(name, "conformance_simulator_url")
    return None


def _clean(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    from ehkit.conformance.config import ConformanceConfig

    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for name in TARGET_FIELDS:
        text = str(raw.get(name) or "").strip()
        if len(text) > _MAX[name]:
            problems.append(Problem(name, "too_long", {"length": len(text), "max": _MAX[name]}))
        values[name] = text or None
    if values["login_url"] is None:
        problems.append(Problem("login_url", "required"))
    for name in ("login_url", "success_url", "identity_url", "simulator_url"):
        if values[name] is not None and not any(p.field == name for p in problems):
            found = _url_problem(name, values[name])
            if found is not None:
                problems.append(found)
    if values["success_url"] is None and values["success_text"] is None:
        problems.append(Problem("success_url", "conformance_detector"))
    values["simulator_url"] = (values["simulator_url"] or DEFAULT_SIMULATOR_URL).rstrip("/")
    values["only"] = values["only"] or ""
    if values["only"] and not any(p.field == "only" for p in problems):
        try:
            probe = {"login_url": "http://x.example/", "success_text": "x"}
            ConformanceConfig.model_validate({"metadata": ["-"], "logins": [probe], "only": values["only"]})
        except ValidationError as exc:
            detail = "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in exc.errors())
            problems.append(Problem("only", "conformance_only", {"detail": detail}))
    return values, problems


def save_target(
    session: Session, project: Project, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> ConformanceTarget:
    """Validate the form (every wrong field at once) and keep it for the next run."""
    values, problems = _clean(raw)
    if problems:
        raise InvalidInput(problems, source="conformance")
    found = target(session, project)
    if found is None:
        found = ConformanceTarget(project_id=project.id, **values)
        session.add(found)
        created(session, actor, found, project_id=project.id, label=f"{project.name} conformance target")
        return found
    update(
        session, actor, found, values, project_id=project.id, label=f"{project.name} conformance target",
        expected_version=version,
    )  # fmt: skip
    return found


# ------------------------------------------------------------------ runs


def status(run: TestRun, now: datetime | None = None) -> str:
    """``running``, ``interrupted`` (its worker is gone), or the outcome of a finished run."""
    if run.outcome != "running":
        return run.outcome
    beat = run.result.get("heartbeat")
    last = datetime.fromisoformat(beat) if isinstance(beat, str) else run.started_at
    return "interrupted" if (now or datetime.now(UTC)) - last > STALE_AFTER else "running"


def runs(session: Session, project: Project, limit: int = 10) -> list[TestRun]:
    query = (
        select(TestRun)
        .where(TestRun.project_id == project.id, TestRun.kind == KIND)
        .order_by(TestRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def last_run(session: Session, project: Project) -> TestRun | None:
    found = runs(session, project, limit=1)
    return found[0] if found else None


def run_of(session: Session, project: Project, run_id: int) -> TestRun:
    """One run of this project; another project's run is not found, exactly like a missing one."""
    found = session.get(TestRun, run_id)
    if found is None or found.project_id != project.id or found.kind != KIND:
        raise NotFound(f"no conformance run {run_id} in project {project.slug}", reason="workspace_not_found")
    return found


def report(session: Session, project: Project, run_id: int) -> ConformanceReport:
    found = run_of(session, project, run_id)
    kept = session.scalar(select(ConformanceReport).where(ConformanceReport.test_run_id == found.id))
    if kept is None:
        raise NotFound(f"conformance run {run_id} has no report (yet)", reason="workspace_not_found")
    return kept


def _services(session: Session, project: Project) -> list[str]:
    from ehkit.workspace.services import step2_inventory

    return [s.key for s in sorted(step2_inventory.services(session, project), key=lambda s: s.index)]


def start(session: Session, project: Project, raw: Mapping[str, Any], actor: Actor, *, version: int | None) -> TestRun:
    """Save the form and record a ``running`` run; the caller commits, then calls :func:`launch`."""
    found = save_target(session, project, raw, actor, version=version)
    busy = [r for r in runs(session, project, limit=5) if status(r) == "running"]
    if busy:
        raise InvalidInput([Problem("_form", "conformance_busy", {"id": busy[0].id})], source="conformance")
    artefacts = generate(session, project, profiles=())
    if artefacts.config is None or artefacts.catalogue is None or not artefacts.metadata:
        raise InvalidInput([Problem("_form", "conformance_not_ready")], source="conformance")
    services = _services(session, project)
    inputs = {
        "login_url": found.login_url, "success_url": found.success_url, "success_text": found.success_text,
        "identity_url": found.identity_url, "simulator_url": found.simulator_url, "only": found.only,
        "services": services if PLACEHOLDER in found.login_url else [],
        "broker_is_simulator": project.settings.broker_entity_id == SIMULATOR_HM,
    }  # fmt: skip
    now = datetime.now(UTC)
    run = TestRun(
        project_id=project.id, kind=KIND, started_at=now, started_by_id=actor.user_id, outcome="running",
        result={"inputs": inputs, "progress": {"phase": "queued", "done": 0, "total": 0}, "heartbeat": now.isoformat()},
    )  # fmt: skip
    session.add(run)
    session.flush()
    record(
        session, actor, project_id=project.id, action="create", entity="test_runs", entity_id=run.id,
        label="conformance run started", after={"kind": KIND, "outcome": "running"},
    )  # fmt: skip
    return run


def build_config(session: Session, project: Project, inputs: Mapping[str, Any], site: Site, folder: Path) -> Any:
    """The suite's configuration: the project's documents written into ``folder``, the targets from ``inputs``."""
    from ehkit.conformance import ConformanceConfig, LoginTarget, SimulatorConfig

    artefacts = generate(session, project, profiles=())
    if artefacts.config is None or artefacts.catalogue is None or not artefacts.metadata:
        raise InvalidInput([Problem("_form", "conformance_not_ready")], source="conformance")
    metadata = []
    for group, document in sorted(artefacts.metadata.items()):
        path = folder / f"metadata-{group}.xml"
        atomic_write(path, document)
        metadata.append(str(path))
    catalogue = folder / "catalogue.xml"
    atomic_write(catalogue, artefacts.catalogue)

    def expand(url: str | None, key: str) -> str | None:
        return None if url is None else url.replace(PLACEHOLDER, key)

    keys = list(inputs.get("services") or []) or [""]
    logins = [
        LoginTarget(
            login_url=str(expand(inputs["login_url"], key)),
            success_url=expand(inputs.get("success_url"), key),
            success_text=inputs.get("success_text"),
            identity_url=expand(inputs.get("identity_url"), key),
        )
        for key in keys
    ]
    only = str(inputs.get("only") or "")
    return ConformanceConfig(
        metadata=metadata,
        catalogue=str(catalogue),
        logins=logins,
        only=[part.strip() for part in only.split(",") if part.strip()],
        simulator=SimulatorConfig(
            base_url=str(inputs.get("simulator_url") or DEFAULT_SIMULATOR_URL),
            state=site.simulator_dir,
            hm_entity_id=SIMULATOR_HM,
        ),
    )


def _save(database: Database, run_id: int, **changes: Any) -> None:
    with database.session() as s:
        run = s.get(TestRun, run_id)
        if run is None:  # the project was deleted while the run went on
            return
        result = dict(run.result)
        result.update(changes.pop("result", {}))
        result["heartbeat"] = datetime.now(UTC).isoformat()
        run.result = result
        for name, value in changes.items():
            setattr(run, name, value)


def execute(database: Database, run_id: int, site: Site) -> str:
    """Run the suite for ``run_id`` (in this thread) and record progress, verdict and reports; returns the outcome."""
    from ehkit.conformance import ProgressEvent, render_html, render_junit
    from ehkit.conformance import run as run_suite

    def progress(event: ProgressEvent) -> None:
        _save(database, run_id, result={"progress": {"phase": event.kind, "done": event.done, "total": event.total,
                                                     "check": event.check_id}})  # fmt: skip

    try:
        with tempfile.TemporaryDirectory(prefix="ehkit-ws-conformance-") as tmp:
            with database.session() as s:
                run = s.get(TestRun, run_id)
                if run is None:
                    return "error"
                project = s.get(Project, run.project_id)
                assert project is not None  # noqa: S101 - the foreign key guarantees it
                config = build_config(s, project, run.result["inputs"], site, Path(tmp))
            found = run_suite(config, progress=progress)
        outcome = "passed" if found.ok else "failed"
        summary = {
            "line": found.summary_line(), "passed": found.passed, "failed": found.failed, "manual": found.manual,
            "skipped": found.skipped, "mandatory_failures": [r.check.id for r in found.mandatory_failures],
            "failed_ids": sorted(found.failed_ids()),
        }  # fmt: skip
        with database.session() as s:
            run = s.get(TestRun, run_id)
            if run is None:
                return "error"
            s.add(ConformanceReport(
                test_run_id=run.id, project_id=run.project_id, html=render_html(found), json=found.to_json(),
                junit=render_junit(found).decode("utf-8"),
            ))  # fmt: skip
        _save(database, run_id, outcome=outcome, finished_at=datetime.now(UTC), result={"summary": summary})
        return outcome
    except InvalidInput as exc:
        message = "; ".join(p.key for p in exc.problems)
        _save(database, run_id, outcome="error", finished_at=datetime.now(UTC), result={"error": message})
    except EhkitError as exc:
        _save(database, run_id, outcome="error", finished_at=datetime.now(UTC),
              result={"error": exc.message[:1000], "reason": exc.reason})  # fmt: skip
    except Exception as exc:  # a background worker must record every failure, not die silently
        log.exception("conformance run %s failed", run_id)
        _save(database, run_id, outcome="error", finished_at=datetime.now(UTC),
              result={"error": f"{type(exc).__name__}: {exc}"[:1000]})  # fmt: skip
    return "error"


def launch(database: Database, run_id: int, site: Site) -> threading.Thread:
    """Start :func:`execute` in a daemon thread (after the run's row is committed)."""
    worker = threading.Thread(
        target=execute, args=(database, run_id, site), name=f"ehkit-conformance-{run_id}", daemon=True
    )
    worker.start()
    return worker
