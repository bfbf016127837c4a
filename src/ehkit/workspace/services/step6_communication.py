"""Step 6, inform users in time: the timeline, the key messages, the ``.ics`` export and the tasks.

Users must be told two things in time: from when eHerkenning is required and
which level they need (eherkenning.nl, handbooks and support). A company
needs time to obtain a means at that level, so the timeline is computed back
from the go-live date with the lead time of the highest level the services
require (``data/lead_times.yaml``, with its sources), using the planning rule
of that file. Nothing here raises on dates: a go-live date in the past or too
close for the lead time becomes a warning on the page, with the earliest
date that still works.

:func:`timeline_for` is pure (dates in, typed timeline out); :func:`plan`
reads the project. :func:`messages` fills the editable key messages from the
project; :func:`ics` renders the milestones as an iCalendar file;
:func:`plan_tasks` turns the milestones into dashboard actions with owners.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ehkit.domain.loa import LevelOfAssurance
from ehkit.workspace.data import LeadTime, LeadTimeFile, load_lead_times
from ehkit.workspace.errors import InvalidInput, NotFound, Problem
from ehkit.workspace.models import (
    EXTERNAL_MILESTONES,
    KEY_MESSAGES,
    MANDATORY_MESSAGES,
    MILESTONES,
    Action,
    CommunicationPlan,
    KeyMessage,
    Project,
    Service,
    utcnow,
)
from ehkit.workspace.schemas import KeyMessageIn, PlanIn, parse
from ehkit.workspace.services import step1_group, step2_inventory
from ehkit.workspace.services.audit import Actor, created, deleted
from ehkit.workspace.services.common import update

#: The level assumed while no service has one yet (the most common level; clcvecta.nl advises "vanaf eH3").
ASSUMED_LEVEL = "EH3"
#: Which role of the project group carries out each milestone (step 1's roles).
MILESTONE_ROLE: dict[str, str] = {
    "website_texts": "communication",
    "faq": "customer_service",
    "service_briefing": "customer_service",
    "announcement": "communication",
    "reminder": "communication",
    "last_call": "communication",
    "go_live": "policy_owner",
    "aftercare": "customer_service",
}
#: Milestone names in Dutch and English (the page, the ``.ics`` and the task titles).
MILESTONE_NAMES: dict[str, tuple[str, str]] = {
    "website_texts": ("Websiteteksten klaar", "Website texts ready"),
    "faq": ("Veelgestelde vragen (FAQ) klaar", "FAQ ready"),
    "service_briefing": ("Klantcontact geïnstrueerd", "Customer service briefed"),
    "announcement": ("Aankondiging aan gebruikers", "Announcement to users"),
    "reminder": ("Herinnering aan gebruikers", "Reminder to users"),
    "last_call": ("Laatste oproep: vraag eHerkenning nu aan", "Last call: apply for eHerkenning now"),
    "go_live": ("Livegang: inloggen met eHerkenning", "Go-live: log in with eHerkenning"),
    "aftercare": ("Nazorg: vragen en problemen nalopen", "After-care: follow up questions and problems"),
}
AUDIENCE = {m: ("external" if m in EXTERNAL_MILESTONES else "internal") for m in MILESTONES}


# ------------------------------------------------------------------ the timeline (pure)


@dataclass(frozen=True)
class Finding:
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Milestone:
    key: str
    audience: str  # external / internal
    due: date
    role: str
    past: bool

    def name(self, lang: str) -> str:
        nl, en = MILESTONE_NAMES[self.key]
        return en if lang == "en" else nl


@dataclass(frozen=True)
class Timeline:
    go_live: date
    required_from: date
    level: str
    level_assumed: bool
    lead: LeadTime
    milestones: tuple[Milestone, ...]  # in date order
    warnings: tuple[Finding, ...]
    earliest_go_live: date
    recommended_go_live: date
    data_label: str
    rule_source: str

    @property
    def lead_days(self) -> int:
        return self.lead.days

    @property
    def lead_weeks(self) -> int:
        return -(-self.lead.days // 7)

    @property
    def too_close(self) -> bool:
        return any(w.key in ("too_close", "go_live_past") for w in self.warnings)

    def get(self, key: str) -> Milestone:
        return next(m for m in self.milestones if m.key == key)

    def external(self) -> tuple[Milestone, ...]:
        return tuple(m for m in self.milestones if m.audience == "external")

    def internal(self) -> tuple[Milestone, ...]:
        return tuple(m for m in self.milestones if m.audience == "internal")


def timeline_for(
    go_live: date,
    level: str | None,
    *,
    today: date,
    required_from: date | None = None,
    lead_times: LeadTimeFile | None = None,
) -> Timeline:
    """The milestones back from ``go_live`` for users who need ``level``; warnings instead of errors."""
    data = lead_times or load_lead_times()
    assumed = level is None
    chosen = LevelOfAssurance.parse(level).label if level is not None else ASSUMED_LEVEL
    lead = data.levels[chosen]
    rules = data.rules
    last_call = go_live - timedelta(days=lead.days + rules.margin_days)
    announcement = last_call - timedelta(weeks=rules.announce_weeks)
    dates = {
        "website_texts": announcement - timedelta(days=rules.website_texts_before_announcement),
        "faq": announcement - timedelta(days=rules.faq_before_announcement),
        "service_briefing": announcement - timedelta(days=rules.service_briefing_before_announcement),
        "announcement": announcement,
        "reminder": announcement + timedelta(days=(last_call - announcement).days // 2),
        "last_call": last_call,
        "go_live": go_live,
        "aftercare": go_live + timedelta(days=rules.aftercare_days),
    }
    order = sorted(MILESTONES, key=lambda m: (dates[m], MILESTONES.index(m)))
    milestones = tuple(Milestone(m, AUDIENCE[m], dates[m], MILESTONE_ROLE[m], dates[m] < today) for m in order)
    earliest = today + timedelta(days=lead.days + rules.margin_days)
    recommended = earliest + timedelta(weeks=rules.announce_weeks) + timedelta(
        days=max(rules.website_texts_before_announcement, rules.faq_before_announcement,
                 rules.service_briefing_before_announcement)
    )  # fmt: skip
    warnings: list[Finding] = []
    if assumed:
        warnings.append(Finding("level_assumed", {"level": chosen}))
    if go_live < today:
        warnings.append(Finding("go_live_past", {"date": go_live.isoformat(), "days": (today - go_live).days}))
    elif last_call < today:
        warnings.append(
            Finding("too_close", {"days": (go_live - today).days, "lead": lead.days + rules.margin_days,
                                  "level": chosen, "earliest": earliest.isoformat(),
                                  "recommended": recommended.isoformat()})
        )  # fmt: skip
    else:
        passed = [m.key for m in milestones if m.past]
        if passed:
            warnings.append(Finding("milestones_past", {"milestones": ", ".join(passed),
                                                        "recommended": recommended.isoformat()}))  # fmt: skip
    required = required_from or go_live
    if required < go_live:
        warnings.append(Finding("required_before_go_live", {"required": required.isoformat(),
                                                            "go_live": go_live.isoformat()}))  # fmt: skip
    return Timeline(
        go_live, required, chosen, assumed, lead, milestones, tuple(warnings), earliest, recommended, data.label,
        rules.source,
    )  # fmt: skip


def highest_level(services: Sequence[Service]) -> str | None:
    """The highest level any service requires (eIDAS companions included), or None when none is assessed."""
    levels = [LevelOfAssurance.parse(s.loa) for s in services if s.loa]
    return max(levels).label if levels else None


# ------------------------------------------------------------------ the project's plan


def plan_settings(session: Session, project: Project) -> CommunicationPlan:
    found = session.scalar(select(CommunicationPlan).where(CommunicationPlan.project_id == project.id))
    return found or CommunicationPlan(project_id=project.id, required_from=None, info_url=None, contact="", notes="")


def save_plan(
    session: Session, project: Project, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> CommunicationPlan:
    data = parse(PlanIn, raw, source="plan")
    found = session.scalar(select(CommunicationPlan).where(CommunicationPlan.project_id == project.id))
    if found is None:
        found = CommunicationPlan(project_id=project.id, **data.model_dump())
        session.add(found)
        created(session, actor, found, project_id=project.id, label="communication plan")
        return found
    update(session, actor, found, data.model_dump(), project_id=project.id, label="communication plan",
           expected_version=version)  # fmt: skip
    return found


def plan(session: Session, project: Project, *, today: date | None = None) -> Timeline | None:
    """The project's timeline, or None while it has no go-live date."""
    if project.go_live is None:
        return None
    settings = plan_settings(session, project)
    return timeline_for(
        project.go_live,
        highest_level(step2_inventory.services(session, project)),
        today=today or utcnow().date(),
        required_from=settings.required_from,
    )


# ------------------------------------------------------------------ key messages

PLACEHOLDERS = (
    "organisation", "required_from", "go_live", "level", "levels", "services", "eidas_services", "lead_weeks",
    "last_call", "info_url", "contact",
)  # fmt: skip
DEFAULT_MESSAGES: dict[str, tuple[str, str]] = {
    "required_from": (
        "Vanaf {required_from} logt u bij {organisation} in met eHerkenning voor: {services}.",
        "From {required_from} you log in to {organisation} with eHerkenning for: {services}.",
    ),
    "level_needed": (
        "U heeft eHerkenning nodig op betrouwbaarheidsniveau {level} of hoger ({levels}). Heeft uw organisatie al "
        "eHerkenning? Controleer dan het niveau en of u gemachtigd bent voor deze diensten.",
        "You need eHerkenning at level of assurance {level} or higher ({levels}). Does your organisation already "
        "have eHerkenning? Then check its level and whether you are authorised for these services.",
    ),
    "how_to_get": (
        "Vraag eHerkenning op tijd aan bij een erkende leverancier; reken op ongeveer {lead_weeks} weken. Vraag het "
        "uiterlijk {last_call} aan, dan kunt u op {go_live} inloggen.",
        "Apply for eHerkenning in time with an approved supplier; allow about {lead_weeks} weeks. Apply by "
        "{last_call} at the latest to be able to log in on {go_live}.",
    ),
    "european_login": (
        "Bent u een onderneming uit een ander EU-land zonder eHerkenning? Log dan in met een erkend inlogmiddel uit "
        "uw eigen land via de knop 'European login' ({eidas_services}).",
        "Are you a business from another EU country without eHerkenning? Then log in with a recognised login means "
        "from your own country through the 'European login' button ({eidas_services}).",
    ),
    "help": (
        "Meer informatie: {info_url}. Vragen? {contact}",
        "More information: {info_url}. Questions? {contact}",
    ),
}


def placeholder_names(template: str) -> list[str]:
    """The ``{name}`` fields of a template; raises ValueError on an unbalanced brace."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def check_template(template: str, field_name: str) -> list[Problem]:
    try:
        names = placeholder_names(template)
    except ValueError:
        return [Problem(field_name, "placeholder_braces")]
    return [
        Problem(field_name, "placeholder_unknown", {"name": n, "allowed": ", ".join(PLACEHOLDERS)})
        for n in names
        if n not in PLACEHOLDERS
    ]


def fill(template: str, values: Mapping[str, str]) -> str:
    """Fill the placeholders; one that has no value stays visible as ``{name}`` for the editor to notice."""
    try:
        names = placeholder_names(template)
    except ValueError:
        return template
    return template.format_map({n: values.get(n, "{" + n + "}") for n in names})


def eidas_services(session: Session, project: Project) -> list[Service]:
    """Services that accept eIDAS: an eIDAS service, or one that wants or has an eIDAS companion."""
    all_services = step2_inventory.services(session, project)
    companions = {s.eidas_for_id for s in all_services if s.eidas and s.eidas_for_id}
    return [s for s in all_services if s.eidas or s.eidas_wanted or s.id in companions]


def _date_text(value: date | None, lang: str) -> str:
    if value is None:
        return "{?}"
    months_nl = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                 "oktober", "november", "december")  # fmt: skip
    months_en = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                 "November", "December")  # fmt: skip
    if lang == "en":
        return f"{value.day} {months_en[value.month - 1]} {value.year}"
    return f"{value.day} {months_nl[value.month - 1]} {value.year}"


def placeholder_values(session: Session, project: Project, timeline: Timeline | None, lang: str) -> dict[str, str]:
    all_services = [s for s in step2_inventory.services(session, project) if not s.eidas]
    settings = plan_settings(session, project)
    name = (project.settings.name_en or project.name) if lang == "en" else project.name
    values = {
        "organisation": name,
        "services": ", ".join((s.name_en if lang == "en" else s.name_nl) for s in all_services),
        "levels": ", ".join(f"{s.name_en if lang == 'en' else s.name_nl}: {s.loa}" for s in all_services if s.loa),
        "eidas_services": ", ".join(
            (s.name_en if lang == "en" else s.name_nl) for s in eidas_services(session, project) if not s.eidas
        ),
        "info_url": settings.info_url or "",
        "contact": settings.contact or project.settings.contact_email or "",
    }
    if timeline is not None:
        values |= {
            "required_from": _date_text(timeline.required_from, lang),
            "go_live": _date_text(timeline.go_live, lang),
            "level": timeline.level,
            "lead_weeks": str(timeline.lead_weeks),
            "last_call": _date_text(timeline.get("last_call").due, lang),
        }
    return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class Message:
    key: str
    mandatory: bool
    applies: bool  # european_login only where a service accepts eIDAS
    template_nl: str
    template_en: str
    text_nl: str
    text_en: str
    edited: bool
    version: int | None

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_nl

    @property
    def unfilled(self) -> bool:
        return "{" in self.text_nl or "{" in self.text_en


def stored_messages(session: Session, project: Project) -> dict[str, KeyMessage]:
    return {m.key: m for m in session.scalars(select(KeyMessage).where(KeyMessage.project_id == project.id))}


def messages(session: Session, project: Project, timeline: Timeline | None = None) -> list[Message]:
    """Every key message with its template (edited or default) and its text filled from the project."""
    if timeline is None:
        timeline = plan(session, project)
    stored = stored_messages(session, project)
    nl = placeholder_values(session, project, timeline, "nl")
    en = placeholder_values(session, project, timeline, "en")
    has_eidas = bool(eidas_services(session, project))
    out = []
    for key in KEY_MESSAGES:
        row = stored.get(key)
        t_nl, t_en = (row.text_nl, row.text_en) if row else DEFAULT_MESSAGES[key]
        out.append(
            Message(key, key in MANDATORY_MESSAGES, key != "european_login" or has_eidas, t_nl, t_en,
                    fill(t_nl, nl), fill(t_en, en), row is not None, row.version if row else None)
        )  # fmt: skip
    return out


def save_message(
    session: Session, project: Project, key: str, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> KeyMessage:
    if key not in KEY_MESSAGES:
        raise NotFound(f"no key message {key!r}", reason="workspace_not_found")
    data = parse(KeyMessageIn, raw, source="message")
    problems = check_template(data.text_nl, "text_nl") + check_template(data.text_en, "text_en")
    if problems:
        raise InvalidInput(problems, source="message")
    found = stored_messages(session, project).get(key)
    if found is None:
        found = KeyMessage(project_id=project.id, key=key, text_nl=data.text_nl, text_en=data.text_en)
        session.add(found)
        created(session, actor, found, project_id=project.id, label=f"key message {key}")
        return found
    update(session, actor, found, data.model_dump(), project_id=project.id, label=f"key message {key}",
           expected_version=version)  # fmt: skip
    return found


def reset_message(session: Session, project: Project, key: str, actor: Actor) -> None:
    """Back to the default text."""
    found = stored_messages(session, project).get(key)
    if found is not None:
        deleted(session, actor, found, project_id=project.id, label=f"key message {key}")
        session.delete(found)


# ------------------------------------------------------------------ .ics


def ics(project: Project, timeline: Timeline, *, lang: str = "nl", stamp: datetime | None = None) -> bytes:
    """The milestones as all-day events of an iCalendar file (RFC 5545)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//ehkit//workspace step 6//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"eHerkenning: {project.name}")
    now = stamp or datetime.now(UTC)
    for m in timeline.milestones:
        event = Event()
        event.add("uid", f"{project.slug}-{m.key}@ehkit-workspace")
        event.add("dtstamp", now)
        event.add("dtstart", m.due)
        event.add("dtend", m.due + timedelta(days=1))
        event.add("summary", f"{m.name(lang)} ({project.name})")
        audience = ("external users" if m.audience == "external" else "own staff") if lang == "en" else (
            "externe gebruikers" if m.audience == "external" else "eigen medewerkers")  # fmt: skip
        event.add("description", f"{audience}; {timeline.level}; go-live {timeline.go_live.isoformat()}")
        event.add("categories", [m.audience])
        cal.add_component(event)
    return bytes(cal.to_ical())


# ------------------------------------------------------------------ tasks for the dashboard


def tasks(session: Session, project: Project) -> list[Action]:
    rows = session.scalars(
        select(Action).where(Action.project_id == project.id, Action.step == 6).order_by(Action.due, Action.id)
    )
    return list(rows)


def plan_tasks(session: Session, project: Project, actor: Actor, *, lang: str = "nl") -> list[Action]:
    """One action per milestone, due on its date, owned by who holds its role; open ones follow a changed date."""
    timeline = plan(session, project)
    if timeline is None:
        raise InvalidInput([Problem("go_live", "go_live_needed")], source="plan")
    held = step1_group.coverage(session, project)
    existing = {a.milestone: a for a in tasks(session, project) if a.milestone}
    out = []
    for m in timeline.milestones:
        holders = held.get(m.role) or []
        owner_id = holders[0].id if holders else None
        found = existing.get(m.key)
        if found is None:
            found = Action(project_id=project.id, step=6, title=m.name(lang), owner_id=owner_id, due=m.due,
                           done=False, milestone=m.key)  # fmt: skip
            session.add(found)
            created(session, actor, found, project_id=project.id, label=found.title)
        elif not found.done and (found.due != m.due or (found.owner_id is None and owner_id is not None)):
            update(session, actor, found, {"due": m.due, "owner_id": found.owner_id or owner_id},
                   project_id=project.id, label=found.title, expected_version=None)  # fmt: skip
        out.append(found)
    return out


__all__ = [
    "ASSUMED_LEVEL",
    "DEFAULT_MESSAGES",
    "MILESTONE_NAMES",
    "MILESTONE_ROLE",
    "PLACEHOLDERS",
    "Finding",
    "Message",
    "Milestone",
    "Timeline",
    "check_template",
    "eidas_services",
    "fill",
    "highest_level",
    "ics",
    "messages",
    "plan",
    "plan_settings",
    "plan_tasks",
    "reset_message",
    "save_message",
    "save_plan",
    "tasks",
    "timeline_for",
]
