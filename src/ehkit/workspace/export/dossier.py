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

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
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
from ehkit.workspace.models import CONNECTION_ROLES, STEPS, Action, GroupMember, Project
from ehkit.workspace.services import (
    conformance_runs,
    dashboard,
    step1_group,
    step2_inventory,
    step3_assurance,
    step4_broker,
    step5_connect,
    step6_communication,
)
from ehkit.workspace.texts import text

__all__ = ["FORMATS", "MEDIA_TYPES", "collect", "file_name", "render", "write"]

FORMATS = ("html", "md", "pdf")
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8", "pdf": "application/pdf"}
_TEMPLATES = "templates"
_ROLES = set(CONNECTION_ROLES)
INTERFACE_LABELS = {"saml_1_13": "SAML 1.13", "oidc": "OIDC", "eidas": "eIDAS"}


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
    """``€ 1 250.00``, with no-break spaces so an amount never wraps inside a table cell."""
    return "" if value is None else f"€ {value:,.2f}".replace(",", "\u00a0").replace(" ", "\u00a0")


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


def _broker(session: Session, project: Project, tx: _T, today: date) -> dict[str, Any]:
    """Step 4 through its service: the quotes with their TCO, the weighted ranking, its sensitivity, the decision."""
    found = step4_broker.comparison(session, project, today=today)
    lang_name = "name_en" if tx.lang == "en" else "name_nl"
    rows = [
        {
            "place": str(r.place) if r.place is not None else "",
            "broker": r.broker.name,
            "one_off": _money(r.quote.one_off_cost),
            "recurring": f"{_money(r.quote.recurring_cost)} {tx(f'dossier_period_{r.quote.recurring_period}')}",
            "interfaces": ", ".join(INTERFACE_LABELS.get(i, i) for i in r.quote.interfaces),
            "tco": _money(r.tco.total),
            "score": str(r.scored.weighted_shown) if r.scored is not None else "",
        }
        for r in found.rows
    ]
    sensitivity = None
    if found.sensitivity is not None and found.sensitivity.cases:
        changes = len(found.sensitivity.winner_changes)
        sensitivity = (
            tx("dossier_robust", cases=len(found.sensitivity.cases))
            if changes == 0
            else tx("dossier_sensitive", changes=changes, cases=len(found.sensitivity.cases))
        )
    names = {r.key: r.broker.name for r in found.rows}
    decision = found.decision
    return {
        "recorded": bool(found.rows or decision),
        "horizon": found.settings.horizon_years,
        "logins": found.settings.logins_per_year,
        "criteria": [(getattr(c, lang_name), f"{c.weight}") for c in found.criteria],
        "quotes": rows,
        "ranked": found.ranking is not None,
        "sensitivity": sensitivity,
        "data_label": found.data_label,
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


def _communication(session: Session, project: Project, tx: _T, today: date) -> dict[str, Any]:
    """Step 6 through its service: the timeline back from go-live, the key messages filled in, the tasks."""
    timeline = step6_communication.plan(session, project, today=today)
    settings = step6_communication.plan_settings(session, project)
    members = {m.id: m.name for m in session.scalars(select(GroupMember).where(GroupMember.project_id == project.id))}
    tasks = step6_communication.tasks(session, project)
    if timeline is None:
        return {
            "recorded": bool(tasks),
            "plan": None,
            "timeline": [],
            "messages": [],
            "tasks": _tasks(tasks, members, tx),
        }
    by_milestone = {a.milestone: a for a in tasks if a.milestone}
    holders = step1_group.coverage(session, project)
    rows = []
    for m in timeline.milestones:
        task = by_milestone.get(m.key)
        owner = members.get(task.owner_id or 0, "") if task is not None else ""
        owner = owner or ", ".join(h.name for h in holders.get(m.role, []))
        rows.append(
            {
                "date": m.due.isoformat(),
                "milestone": m.name(tx.lang),
                "audience": tx(f"dossier_audience_{m.audience}"),
                "owner": owner if owner or m.role not in _ROLES else tx(f"crole_{m.role}"),
            }
        )
    messages = []
    for msg in step6_communication.messages(session, project, timeline):
        if msg.applies:
            shown = msg.text(tx.lang)
            open_names = sorted(set(re.findall(r"\{(\w+)\}", shown)))
            messages.append(shown + (f" ({tx('dossier_unfilled', names=', '.join(open_names))})" if open_names else ""))
    return {
        "recorded": True,
        "plan": {
            "required_from": timeline.required_from.isoformat(),
            "level": timeline.level,
            "lead": tx("dossier_lead", weeks=timeline.lead_weeks, level=timeline.level),
            "too_close": tx("dossier_too_close", date=timeline.recommended_go_live.isoformat())
            if timeline.too_close
            else "",
            "info_url": settings.info_url or "",
            "contact": settings.contact,
            "data_label": timeline.data_label,
        },
        "timeline": rows,
        "messages": messages,
        "tasks": _tasks(tasks, members, tx),
    }


def _tasks(tasks: list[Action], members: dict[int, str], tx: _T) -> list[dict[str, str]]:
    return [
        {"title": a.title, "owner": members.get(a.owner_id or 0, ""), "due": _date(a.due), "done": tx.yes_no(a.done)}
        for a in tasks
    ]


def collect(session: Session, project: Project, *, lang: str = "nl", now: datetime | None = None) -> dict[str, Any]:
    """Everything the dossier shows, read through the step services, with every code already translated."""
    tx = _T("en" if lang == "en" else "nl")
    moment = now or datetime.now(UTC)
    overview = dashboard.overview(session, project, "viewer", today=moment.date())
    return {
        "lang": tx.lang,
        "project": {
            "name": (project.settings.name_en if tx.lang == "en" else None) or project.name,
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
        "broker": _broker(session, project, tx, moment.date()),
        "connection": _connection(session, project, tx),
        "communication": _communication(session, project, tx, moment.date()),
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
