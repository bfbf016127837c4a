"""The project dossier: one document with all six steps, as HTML, Markdown or PDF.

:func:`collect` reads the project through the step services (the same
functions the pages use) into plain, translated values; one Jinja2 template
(``templates/dossier.j2``) lays them out, written once against a small set of
macros (heading, paragraph, list, table, definition list) that exist twice:
``_html.j2`` and ``_md.j2``. So the HTML, the Markdown and the PDF (WeasyPrint
on the HTML, with the print stylesheet ``dossier.css``) say the same things in
the same order. This module never imports the web layer; the texts it shares
with the pages live in :mod:`ehkit.workspace.texts`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

import ehkit
from ehkit.util.files import atomic_write
from ehkit.workspace.errors import InvalidInput, Problem
from ehkit.workspace.models import (
    STEPS,
    Action,
    BrokerComparison,
    BrokerDecision,
    BrokerQuote,
    CommunicationPlan,
    GroupMember,
    KeyMessage,
    Project,
    ProjectBroker,
)
from ehkit.workspace.services import (
    conformance_runs,
    dashboard,
    step1_group,
    step2_inventory,
    step3_assurance,
    step5_connect,
)
from ehkit.workspace.texts import text

__all__ = ["FORMATS", "MEDIA_TYPES", "collect", "file_name", "render", "write"]

FORMATS = ("html", "md", "pdf")
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8", "pdf": "application/pdf"}
_TEMPLATES = "templates"


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput([Problem("format", "dossier_format", {"given": fmt})], source="dossier")
    return fmt


def file_name(project: Project, fmt: str) -> str:
    return f"{project.slug}-dossier.{fmt}"


# ------------------------------------------------------------------ collect


@dataclass
class _T:
    """The texts of one language, callable from the collector and the template."""

    lang: str

    def __call__(self, key: str, /, **params: Any) -> str:
        return text(self.lang, key, **params)

    def yes_no(self, value: bool) -> str:
        return self("dossier_yes" if value else "dossier_no")


def _date(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"€ {value:,.2f}".replace(",", " ")


def _group(session: Session, project: Project, tx: _T) -> dict[str, Any]:
    members = step1_group.members(session, project)
    matrix = step1_group.raci_matrix(session, project)
    return {
        "members": [
            {
                "name": m.name,
                "organisation": m.organisation or "",
                "roles": ", ".join(tx(f"crole_{r}") for r in m.roles),
                "raci": [matrix.get(m.id, {}).get(step, "") for step in STEPS],
            }
            for m in members
        ],
        "gaps": [
            tx("dossier_role_missing", role=tx(f"crole_{g.role}"), step=g.step)
            for g in step1_group.role_gaps(session, project)
        ],
    }


def _identifiers(sets: list[list[str]]) -> str:
    return " / ".join(" + ".join(s) for s in sets if s)


def _inventory(session: Session, project: Project, tx: _T) -> dict[str, Any]:
    found = step2_inventory.services(session, project)
    by_id = {s.id: s for s in found}
    members = {m.id: m.name for m in step1_group.members(session, project)}
    name = "name_en" if tx.lang == "en" else "name_nl"
    return {
        "services": [
            {
                "key": s.key,
                "name": getattr(s, name),
                "channel": tx(f"channel_{s.channel}"),
                "audience": s.audience,
                "backoffice": s.backoffice_system,
                "identifiers": _identifiers(s.identifier_sets),
                "vestiging": tx.yes_no(s.vestiging_allowed),
                "intermediation": tx(f"intermediation_{s.intermediation}"),
                "eidas": tx.yes_no(s.eidas or s.eidas_wanted),
            }
            for s in found
        ],
        "changes": [
            {
                "service": s.key,
                "title": c.title,
                "owner": members.get(c.owner_id or 0, ""),
                "status": tx(f"dossier_cstatus_{c.status}"),
            }
            for s in found
            for c in s.changes
        ],
        "questions": [
            {
                "question": q.question,
                "audience": tx(f"dossier_audience_{q.audience}"),
                "service": by_id[q.service_id].key if q.service_id in by_id else "",
                "owner": members.get(q.owner_id or 0, ""),
                "status": tx(f"dossier_qstatus_{q.status}"),
                "notes": q.notes,
            }
            for q in step2_inventory.questions(session, project)
        ],
    }


def _levels(session: Session, project: Project, tx: _T) -> list[dict[str, Any]]:
    out = []
    suffix = "en" if tx.lang == "en" else "nl"
    for s in step2_inventory.services(session, project):
        basis = [
            {
                "rule": b.get("rule", ""),
                "title": b.get(f"title_{suffix}") or "",
                "effect": b.get(f"effect_{suffix}") or "",
            }
            for b in s.loa_basis
        ]
        out.append(
            {
                "key": s.key,
                "name": s.name_en if tx.lang == "en" else s.name_nl,
                "level": s.loa or tx("dossier_not_assessed"),
                "assessed": s.loa is not None,
                "justification": s.loa_justification,
                "basis": basis,
                "assessed_on": _date(s.loa_assessed_on),
                "current": step3_assurance.is_current(s) if s.loa else True,
            }
        )
    return out


def _broker_names(session: Session, project: Project) -> dict[str, str]:
    names = {
        b.key: b.name for b in session.scalars(select(ProjectBroker).where(ProjectBroker.project_id == project.id))
    }
    try:
        step4_broker = importlib.import_module("ehkit.workspace.services.step4_broker")
    except ImportError:  # pragma: no cover - step 4's services arrive with their own branch
        return names
    shipped = getattr(step4_broker, "broker_names", None)
    return {**shipped(), **names} if callable(shipped) else names


def _broker(session: Session, project: Project, tx: _T) -> dict[str, Any]:
    quotes = list(
        session.scalars(select(BrokerQuote).where(BrokerQuote.project_id == project.id).order_by(BrokerQuote.id))
    )
    decision = session.scalar(select(BrokerDecision).where(BrokerDecision.project_id == project.id))
    comparison = session.scalar(select(BrokerComparison).where(BrokerComparison.project_id == project.id))
    names = _broker_names(session, project)
    rows = [
        {
            "broker": names.get(q.broker_key, q.broker_key),
            "one_off": _money(q.one_off_cost),
            "recurring": f"{_money(q.recurring_cost)} {tx(f'dossier_period_{q.recurring_period}')}",
            "interfaces": ", ".join(q.interfaces),
            "custom_work": q.custom_work,
            "support": q.support,
        }
        for q in quotes
    ]
    ranking = []
    if decision is not None:
        for i, entry in enumerate(decision.ranking or [], start=1):
            key = str(entry.get("broker_key") or entry.get("broker") or "")
            ranking.append(
                {
                    "rank": str(entry.get("rank", i)),
                    "broker": names.get(key, key),
                    "score": str(entry.get("score", "")),
                    "tco": str(entry.get("tco", "")),
                }
            )
    return {
        "recorded": bool(quotes or decision),
        "quotes": rows,
        "horizon": comparison.horizon_years if comparison else None,
        "ranking": ranking,
        "decision": None
        if decision is None
        else {
            "broker": names.get(decision.broker_key, decision.broker_key),
            "date": _date(decision.decided_on),
            "justification": decision.justification,
        },
    }


def _run_date(run: Any) -> str:
    return str(run.started_at.strftime("%Y-%m-%d %H:%M")) + " UTC"


def _connection(session: Session, project: Project, tx: _T) -> dict[str, Any]:
    settings = project.settings
    artefacts = step5_connect.generate(session, project, profiles=())
    checklist = [
        {
            "item": tx(f"item_{c.item}"),
            "status": tx(f"cl_status_{c.status}"),
            "detail": tx(c.detail_key, **c.params) if c.params else tx(c.detail_key),
            "delivered": tx.yes_no(c.delivered),
        }
        for c in step5_connect.checklist(session, project, artefacts)
    ]
    simulator = None
    sim = step5_connect.last_run(session, project)
    if sim is not None:
        services = sim.result.get("services") or []
        passed = sum(1 for s in services if s.get("status") == "passed")
        simulator = {
            "line": tx("dossier_run", date=_run_date(sim), outcome=tx(f"conf_status_{sim.outcome}")),
            "detail": tx("dossier_sim_services", passed=passed, total=len(services)) if services else "",
        }
    conformance = None
    conf = conformance_runs.last_run(session, project)
    if conf is not None:
        status = conformance_runs.status(conf)
        summary = conf.result.get("summary") or {}
        failures = summary.get("mandatory_failures") or []
        conformance = {
            "line": tx("dossier_run", date=_run_date(conf), outcome=tx(f"conf_status_{status}")),
            "detail": summary.get("line", "") or str(conf.result.get("error", "")),
            "failures": tx("conf_mandatory_failures", ids=", ".join(failures)) if failures else "",
        }
    return {
        "broker": settings.broker_entity_id or tx("dossier_not_set"),
        "environment": tx(f"dossier_env_{settings.catalogue_environment}"),
        "checklist": checklist,
        "simulator": simulator,
        "conformance": conformance,
    }


def _timeline(session: Session, project: Project, tx: _T) -> list[dict[str, str]]:
    try:
        step6_communication = importlib.import_module("ehkit.workspace.services.step6_communication")
    except ImportError:  # pragma: no cover - step 6's services arrive with their own branch
        return []
    compute = getattr(step6_communication, "dossier_timeline", None)
    return list(compute(session, project, tx.lang)) if callable(compute) else []


def _communication(session: Session, project: Project, tx: _T) -> dict[str, Any]:
    plan = session.scalar(select(CommunicationPlan).where(CommunicationPlan.project_id == project.id))
    messages = list(
        session.scalars(select(KeyMessage).where(KeyMessage.project_id == project.id).order_by(KeyMessage.id))
    )
    tasks = list(
        session.scalars(
            select(Action).where(Action.project_id == project.id, Action.step == 6).order_by(Action.due, Action.id)
        )
    )
    members = {m.id: m.name for m in session.scalars(select(GroupMember).where(GroupMember.project_id == project.id))}
    timeline = _timeline(session, project, tx)
    return {
        "recorded": bool(plan or messages or tasks),
        "plan": None
        if plan is None
        else {
            "required_from": _date(plan.required_from or project.go_live) or tx("dossier_not_set"),
            "info_url": plan.info_url or "",
            "contact": plan.contact,
        },
        "timeline": timeline,
        "messages": [{"key": m.key, "text": m.text_en if tx.lang == "en" else m.text_nl} for m in messages],
        "tasks": [
            {
                "title": a.title,
                "owner": members.get(a.owner_id or 0, ""),
                "due": _date(a.due),
                "done": tx.yes_no(a.done),
            }
            for a in tasks
        ],
    }


def collect(session: Session, project: Project, *, lang: str = "nl", now: datetime | None = None) -> dict[str, Any]:
    """Everything the dossier shows, read through the step services, with every code already translated."""
    tx = _T("en" if lang == "en" else "nl")
    moment = now or datetime.now(UTC)
    overview = dashboard.overview(session, project, "viewer", today=moment.date())
    return {
        "lang": tx.lang,
        "project": {
            "name": project.name,
            "oin": project.oin,
            "kvk": project.kvk or "",
            "sector": project.sector,
            "go_live": _date(project.go_live) or tx("dossier_not_set"),
        },
        "generated": tx("dossier_generated", at=moment.strftime("%Y-%m-%d %H:%M UTC"), version=ehkit.__version__),
        "steps": [
            {"n": s.step, "title": tx(f"step_{s.step}"), "status": tx(f"status_{s.status}")} for s in overview.steps
        ],
        "group": _group(session, project, tx),
        "inventory": _inventory(session, project, tx),
        "levels": _levels(session, project, tx),
        "broker": _broker(session, project, tx),
        "connection": _connection(session, project, tx),
        "communication": _communication(session, project, tx),
    }


# ------------------------------------------------------------------ render


def _md_escape(value: Any) -> str:
    """Text safe inside Markdown prose and table cells: no markup, no line breaks in a cell."""
    out = str(value if value is not None else "")
    out = out.replace("\\", "\\\\")
    for ch in "`*_[]<>|#":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def _environment(kind: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ehkit.workspace.export", _TEMPLATES),
        autoescape=kind == "html",  # noqa: S701 - Markdown output escapes every value with the mdesc filter
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["mdesc"] = _md_escape
    return env


_ENVS: dict[str, jinja2.Environment] = {}


def _template(kind: str) -> jinja2.Template:
    if kind not in _ENVS:
        _ENVS[kind] = _environment(kind)
    return _ENVS[kind].get_template("dossier.j2")


def _css() -> str:
    return resources.files("ehkit.workspace.export").joinpath(_TEMPLATES, "dossier.css").read_text(encoding="utf-8")


def render_text(data: dict[str, Any], kind: str) -> str:
    """The dossier as HTML (``html``) or Markdown (``md``) from the one template."""
    tx: Callable[..., str] = _T(data["lang"])
    css = Markup(_css()) if kind == "html" else ""  # noqa: S704 - our own packaged stylesheet
    out = _template(kind).render(d=data, tx=tx, fmt_name=kind, css=css)
    if kind == "md":  # the macros leave blank lines around every block; keep one
        out = re.sub(r"\n{3,}", "\n\n", out).strip() + "\n"
    return out


def render(session: Session, project: Project, fmt: str, *, lang: str = "nl", now: datetime | None = None) -> bytes:
    """The dossier in ``fmt`` (html, md, pdf) as bytes."""
    check_format(fmt)
    data = collect(session, project, lang=lang, now=now)
    if fmt == "md":
        return render_text(data, "md").encode("utf-8")
    html = render_text(data, "html")
    if fmt == "html":
        return html.encode("utf-8")
    return pdf_from_html(html)


def pdf_from_html(html: str) -> bytes:
    """WeasyPrint on the dossier's HTML; it loads nothing from the network (the page has no external resources)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    def no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise ValueError(f"the dossier loads no external resources ({url})")

    document = HTML(string=html, url_fetcher=no_fetch)
    data = document.write_pdf()
    if data is None:  # pragma: no cover - write_pdf without a target returns the bytes
        raise RuntimeError("WeasyPrint wrote no PDF")
    return bytes(data)


def write(
    session: Session, project: Project, fmt: str, out: Path, *, lang: str = "nl", now: datetime | None = None
) -> Path:
    """Render and write atomically (a reader never sees half a file); returns ``out``."""
    data = render(session, project, fmt, lang=lang, now=now)
    atomic_write(out, data)
    return out
