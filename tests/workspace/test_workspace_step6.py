"""Step 6, inform users in time: the timeline per level by hand, too-close and past dates, messages, .ics, tasks;
and the zelfverklaring draft with its declarations."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import icalendar
import pytest
from ws_helpers import actor_of, new_project

from ehkit.workspace.data import load_lead_times
from ehkit.workspace.db import Database
from ehkit.workspace.errors import InvalidInput
from ehkit.workspace.models import MILESTONES, Project
from ehkit.workspace.services import dashboard
from ehkit.workspace.services import step1_group as g
from ehkit.workspace.services import step2_inventory as inv
from ehkit.workspace.services import step6_communication as s6
from ehkit.workspace.services import zelfverklaring as zv

GO_LIVE = date(2027, 3, 1)
EARLY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("level", "last_call", "announcement"),
    [
        # last call = go-live - lead - 7 days margin; announcement = last call - 6 weeks
        ("EH2", date(2027, 2, 8), date(2026, 12, 28)),  # lead 14: 2027-03-01 - 21 days
        ("EH2+", date(2027, 2, 8), date(2026, 12, 28)),
        ("EH3", date(2027, 1, 25), date(2026, 12, 14)),  # lead 28: - 35 days
        ("EH4", date(2027, 1, 11), date(2026, 11, 30)),  # lead 42: - 49 days
    ],
)
def test_the_timeline_for_each_level_by_hand(level: str, last_call: date, announcement: date) -> None:
    t = s6.timeline_for(GO_LIVE, level, today=EARLY)
    assert t.level == level and t.lead_days == load_lead_times().levels[level].days
    assert t.get("last_call").due == last_call and t.get("announcement").due == announcement
    assert t.get("reminder").due == announcement + timedelta(days=21)
    assert t.get("go_live").due == GO_LIVE and t.get("aftercare").due == GO_LIVE + timedelta(days=14)
    assert t.get("website_texts").due == announcement - timedelta(days=14)
    assert t.get("faq").due == t.get("service_briefing").due == announcement - timedelta(days=7)
    assert {m.key for m in t.external()} == {"announcement", "reminder", "last_call", "go_live", "aftercare"}
    assert {m.key for m in t.internal()} == {"website_texts", "faq", "service_briefing"}
    assert [m.due for m in t.milestones] == sorted(m.due for m in t.milestones)
    assert t.warnings == () and not t.too_close and t.lead.sources


def test_a_go_live_too_close_for_the_lead_time_is_a_warning_with_the_earliest_date() -> None:
    today = date(2027, 2, 1)  # EH3 needs the last call on 2027-01-25
    t = s6.timeline_for(GO_LIVE, "EH3", today=today)
    assert t.too_close
    warning = next(w for w in t.warnings if w.key == "too_close")
    assert warning.params["earliest"] == "2027-03-08"  # today + 28 + 7
    assert warning.params["recommended"] == "2027-05-03"  # + 6 weeks + 14 days of preparation
    assert all(m.past for m in t.milestones if m.due < today)


def test_a_past_go_live_and_past_milestones_warn_and_nothing_raises() -> None:
    past = s6.timeline_for(date(2020, 1, 1), "EH4", today=date(2026, 12, 6))
    assert [w.key for w in past.warnings] == ["go_live_past"] and past.too_close
    partly = s6.timeline_for(GO_LIVE, "EH3", today=date(2026, 12, 10))
    found = next(w for w in partly.warnings if w.key == "milestones_past")
    assert found.params["milestones"] == "website_texts, faq, service_briefing"
    assumed = s6.timeline_for(GO_LIVE, None, today=EARLY)
    assert assumed.level == "EH3" and assumed.level_assumed and assumed.warnings[0].key == "level_assumed"
    early = s6.timeline_for(GO_LIVE, "EH3", today=EARLY, required_from=date(2027, 2, 1))
    assert [w.key for w in early.warnings] == ["required_before_go_live"]


def test_the_ics_parses_with_icalendar_and_holds_every_milestone() -> None:
    t = s6.timeline_for(GO_LIVE, "EH3", today=EARLY)

    class P:
        slug, name = "voorbeeldstad", "Gemeente Voorbeeldstad"

    for lang, word in (("nl", "Livegang"), ("en", "Go-live")):
        cal = icalendar.Calendar.from_ical(s6.ics(P(), t, lang=lang))  # type: ignore[arg-type]
        events = cal.walk("VEVENT")
        assert len(events) == len(MILESTONES)
        got = {str(e["uid"]).split("@")[0].removeprefix("voorbeeldstad-"): e.decoded("dtstart") for e in events}
        assert got == {m.key: m.due for m in t.milestones}
        assert any(str(e["summary"]).startswith(word) for e in events)
        assert all(e.decoded("dtend") == e.decoded("dtstart") + timedelta(days=1) for e in events)


def test_templates_fill_and_unknown_placeholders_are_refused() -> None:
    assert s6.fill("Vanaf {go_live}, {nope}", {"go_live": "1 maart 2027"}) == "Vanaf 1 maart 2027, {nope}"
    assert s6.check_template("ok {level}", "text_nl") == []
    assert s6.check_template("bad {levle}", "text_nl")[0].key == "placeholder_unknown"
    assert s6.check_template("bad {level", "text_en")[0].key == "placeholder_braces"


def _p(s: Any, project: Any) -> Project:
    found = s.get(Project, project.id)
    assert found is not None
    return found


SERVICE = {
    "key": "vergunning", "index": 1, "name_nl": "Vergunning aanvragen", "name_en": "Apply for a permit",
    "description_nl": "Vraag een vergunning aan.", "description_en": "Apply for a permit.",
    "identifier_sets": [["KvKnr"]], "eidas_wanted": True,
}  # fmt: skip


def _assessed_project(db: Database, owner: Any, **extra: Any) -> Any:
    project = new_project(db, owner, **extra)
    actor = actor_of(owner)
    with db.session() as s:
        p = _p(s, project)
        found = inv.create_service(s, p, SERVICE, actor)
        s.flush()
        found.loa = "EH3"
        g.add_member(s, p, {"name": "Carla", "roles": ["communication"]}, actor)
        g.add_member(s, p, {"name": "Kees", "roles": ["customer_service", "policy_owner"]}, actor)
    return project


def test_messages_are_filled_from_the_project_and_editable(db: Database, owner: Any) -> None:
    project = _assessed_project(db, owner)
    actor = actor_of(owner)
    with db.session() as s:
        p = _p(s, project)
        msgs = {m.key: m for m in s6.messages(s, p)}
        assert "1 maart 2027" in msgs["required_from"].text_nl and "1 March 2027" in msgs["required_from"].text_en
        assert "Vergunning aanvragen" in msgs["required_from"].text_nl
        assert "EH3" in msgs["level_needed"].text_nl and msgs["level_needed"].mandatory
        assert msgs["european_login"].applies and "European login" in msgs["european_login"].text_en
        assert "Apply for a permit" in msgs["european_login"].text_en
        with pytest.raises(InvalidInput) as err:
            s6.save_message(s, p, "help", {"text_nl": "Zie {site}", "text_en": "See"}, actor, version=None)
        assert err.value.problems[0].field == "text_nl"
        s6.save_plan(s, p, {"info_url": "https://voorbeeldstad.nl/eherkenning", "contact": "14 020"}, actor,
                     version=None)  # fmt: skip
        s6.save_message(s, p, "help", {"text_nl": "Kijk op {info_url} of bel {contact}.", "text_en": "See {info_url}."},
                        actor, version=None)  # fmt: skip
    with db.session() as s:
        msgs = {m.key: m for m in s6.messages(s, _p(s, project))}
        assert (
            msgs["help"].edited
            and msgs["help"].text_nl == "Kijk op https://voorbeeldstad.nl/eherkenning of bel 14 020."
        )
        s6.reset_message(s, _p(s, project), "help", actor)
    with db.session() as s:
        assert not {m.key: m for m in s6.messages(s, _p(s, project))}["help"].edited


def test_without_eidas_the_european_login_message_does_not_apply(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    with db.session() as s:
        p = _p(s, project)
        inv.create_service(s, p, SERVICE | {"eidas_wanted": False}, actor_of(owner))
        s.flush()
        assert not {m.key: m for m in s6.messages(s, p)}["european_login"].applies


def test_tasks_with_owners_feed_the_dashboard(db: Database, owner: Any) -> None:
    project = _assessed_project(db, owner)
    actor = actor_of(owner)
    with db.session() as s:
        made = s6.plan_tasks(s, _p(s, project), actor)
        assert len(made) == len(MILESTONES)
    with db.session() as s:
        p = _p(s, project)
        by = {a.milestone: a for a in s6.tasks(s, p)}
        members = {m.id: m.name for m in g.members(s, p)}
        assert members[by["announcement"].owner_id] == "Carla" and members[by["faq"].owner_id] == "Kees"
        assert by["go_live"].due == date(2027, 3, 1)
        overview = dashboard.overview(s, p, "owner", today=date(2026, 6, 1))
        assert {a.milestone for a in overview.actions} >= set(MILESTONES)
        assert overview.steps[5].status == "in_progress"
        p.go_live = date(2027, 4, 1)
    with db.session() as s:
        s6.plan_tasks(s, _p(s, project), actor)  # again: moves the dates, no duplicates
    with db.session() as s:
        p = _p(s, project)
        assert len(s6.tasks(s, p)) == len(MILESTONES)
        assert {a.milestone: a for a in s6.tasks(s, p)}["go_live"].due == date(2027, 4, 1)


def test_planning_tasks_without_a_go_live_date_is_refused_with_a_message(db: Database, owner: Any) -> None:
    project = new_project(db, owner, go_live="")
    with db.session() as s:
        assert s6.plan(s, _p(s, project)) is None
        with pytest.raises(InvalidInput) as err:
            s6.plan_tasks(s, _p(s, project), actor_of(owner))
        assert err.value.problems[0].key == "go_live_needed"


def test_the_zelfverklaring_draft_is_filled_from_the_project(db: Database, owner: Any) -> None:
    project = _assessed_project(db, owner)
    actor = actor_of(owner)
    with db.session() as s:
        p = _p(s, project)
        drafts = zv.drafts(s, p, statuses={"catalogue": "ready", "metadata": "missing"})
        assert len(drafts) == 1
        d = drafts[0]
        assert (d.organisation, d.kvk, d.oin, d.level, d.signatory) == ("Gemeente Voorbeeldstad", "12345678",
                                                                        "00000001234567890000", "EH3", "Kees")  # fmt: skip
        assert d.service_id == "urn:etoegang:DV:00000001234567890000:services:1"
        assert d.catalogue_status == "ready" and "broker" in d.missing and "acs_url" in d.missing
        assert d.confirmed == 0 and not d.complete
        zv.confirm(s, p, d.service.id, "data_correct", {"confirmed": True}, actor, version=None)
        with pytest.raises(InvalidInput):
            zv.confirm(s, p, d.service.id, "made_up", {"confirmed": True}, actor, version=None)
    with db.session() as s:
        d = zv.drafts(s, _p(s, project), statuses={})[0]
        first = next(x for x in d.declarations if x.item == "data_correct")
        assert first.confirmed and first.confirmed_by == "Olga Owner" and first.confirmed_at is not None
        zv.confirm(s, _p(s, project), d.service.id, "data_correct", {"confirmed": False}, actor, version=first.version)
    with db.session() as s:
        d = zv.drafts(s, _p(s, project), statuses={})[0]
        first = next(x for x in d.declarations if x.item == "data_correct")
        assert not first.confirmed and first.confirmed_by is None
