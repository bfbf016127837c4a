"""Workspace as code: the example project round-trips, and a failing import changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from ws_helpers import EXAMPLE

from ehkit.workspace.db import Database
from ehkit.workspace.errors import InvalidInput
from ehkit.workspace.export import dump_project, import_project
from ehkit.workspace.models import AuditEvent, Base, Project, Service
from ehkit.workspace.services import step2_inventory
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site


def _counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {t.name: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in Base.metadata.sorted_tables}


def test_the_example_project_imports_and_exports_unchanged(db: Database, owner: Any, site: Site) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    with db.session() as s:
        project = import_project(s, text, Actor.cli(), site, owner=s.merge(owner))
        services = {svc.key: svc for svc in step2_inventory.services(s, project)}
        assert {k: v.loa for k, v in services.items()} == {"melding": "EH2+", "vergunning": "EH3", "eidas": "EH3"}
        assert services["eidas"].eidas and services["eidas"].eidas_for_id == services["vergunning"].id
        exported = dump_project(s, project)
    assert yaml.safe_load(exported) == yaml.safe_load(text)
    assert "oin: '00000001234567890000'" in exported  # quoted: no YAML reader may read it as a number


def test_fresh_uuids_and_another_slug_template_a_new_municipality(db: Database, owner: Any, site: Site) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    with db.session() as s:
        import_project(s, text, Actor.cli(), site, owner=s.merge(owner))
    with db.session() as s, pytest.raises(InvalidInput) as err:
        import_project(s, text, Actor.cli(), site, owner=s.merge(owner), slug="andersdorp")
    assert {p.key for p in err.value.problems} == {"uuid_taken_import"}
    with db.session() as s:
        copy = import_project(s, text, Actor.cli(), site, owner=s.merge(owner), slug="andersdorp", fresh_uuids=True)
        uuids = {svc.uuid for svc in step2_inventory.services(s, copy)}
        assert len(uuids) == 3 and not uuids & {"0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a01"}
    with db.session() as s:
        again = import_project(s, text, Actor.cli(), site, owner=s.merge(owner), replace=True)
        assert again.slug == "voorbeeldstad"
        assert int(s.scalar(select(func.count(Project.id))) or 0) == 2


def _broken(change: Any) -> str:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    change(data)
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["project"].update(oin="123"), ("project.oin", "oin")),
        (lambda d: d["project"].update(kvk="1234"), ("project.kvk", "kvk")),
        (lambda d: d.update(ehkit_workspace=2), ("ehkit_workspace", "format_version")),
        (lambda d: d.update(colour="blue"), ("colour", "unknown_field")),
        (lambda d: d["services"][0].update(loa="EH3"), ("services[0].loa", "unknown_field")),
        (lambda d: d["services"][0]["assessment"].update(level="EH4"), ("services[0].assessment.level", "level_mismatch")),
        (lambda d: d["services"][0]["assessment"]["answers"].update(bsn="perhaps"), ("services[0].assessment.answers", "assess")),
        (lambda d: d["services"][0]["changes"][0].update(owner="Nobody"), ("services[0].changes[0].owner", "unknown_member")),
        (lambda d: d["services"][2].update(eidas_for="nothing"), ("services[2].eidas_for", "unknown_service")),
        (lambda d: d["services"][1].update(index=1), ("services[1].index", "service_index_taken")),
        (lambda d: d["group"][1].update(name="Ingrid Bakker"), ("group[1].name", "member_name_taken")),
        (lambda d: d["group"][0]["raci"].update({9: "A"}), ("group[0].raci", "step")),
        (lambda d: d["settings"].update(acs_url="ftp://x"), ("settings.acs_url", "url")),
        (lambda d: d["settings"].update(signing_key_path="/etc/passwd", signing_cert_path="/etc/hosts"), ("settings.signing_key_path", "path_outside")),
    ],
)  # fmt: skip
def test_a_bad_file_names_the_field_and_changes_nothing(
    db: Database, owner: Any, site: Site, change: Any, expected: tuple[str, str]
) -> None:
    before = _counts(db)
    with pytest.raises(InvalidInput) as err, db.session() as s:
        import_project(s, _broken(change), Actor.cli(), site, owner=s.merge(owner))
    assert expected in {(p.field, p.key) for p in err.value.problems}, err.value.problems
    assert _counts(db) == before


def test_a_failure_late_in_the_import_rolls_everything_back(db: Database, owner: Any, site: Site) -> None:
    """The settings paths are checked after the project was created: still nothing remains."""
    before = _counts(db)
    text = _broken(
        lambda d: d["settings"].update(
            signing_key_path=str(site.key_dir("voorbeeldstad") / "no.key"),
            signing_cert_path=str(site.key_dir("voorbeeldstad") / "no.crt"),
        )
    )
    with pytest.raises(InvalidInput), db.session() as s:
        import_project(s, text, Actor.cli(), site, owner=s.merge(owner))
    assert _counts(db) == before
    with db.session() as s:
        assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.entity == "projects")) == 0
        assert s.scalar(select(func.count(Service.id))) == 0


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("a: [unclosed", "yaml_syntax"),
        ("- just a list", "yaml_top"),
        ("a: 1\na: 2\n", "yaml_syntax"),
        ("x" * 2_000_001, "file_too_large"),
    ],
)
def test_unreadable_files_get_one_clear_problem(db: Database, owner: Any, site: Site, text: str, key: str) -> None:
    with db.session() as s, pytest.raises(InvalidInput) as err:
        import_project(s, text, Actor.cli(), site, owner=s.merge(owner))
    assert err.value.problems[0].key == key


def test_the_example_carries_three_ranked_quotes_and_a_go_live_date(db: Database, owner: Any, site: Site) -> None:
    from ehkit.workspace.services import step4_broker, step6_communication

    with db.session() as s:
        project = import_project(s, EXAMPLE.read_text(encoding="utf-8"), Actor.cli(), site, owner=s.merge(owner))
        result = step4_broker.comparison(s, project)
        assert [r.key for r in result.rows] == ["signicat", "digidentity", "kpn"]
        assert [str(r.tco.total) for r in result.rows] == ["11640.00", "8750.00", "12250.00"]
        assert result.sensitivity is not None and not result.sensitivity.robust
        timeline = step6_communication.plan(s, project)
        assert timeline is not None and timeline.go_live.isoformat() == "2027-03-01" and timeline.level == "EH3"


@pytest.mark.parametrize(
    ("change", "field", "key"),
    [
        (lambda d: d["broker_comparison"]["quotes"][0].update(one_off_cost="-1.00"),
         "broker_comparison.quotes[0].one_off_cost", "money_negative"),
        (lambda d: d["broker_comparison"]["quotes"][1].update(broker="nobody"),
         "broker_comparison.quotes[1].broker", "unknown_broker"),
        (lambda d: d["broker_comparison"].update(criteria=[{"key": "price", "name_nl": "Prijs", "name_en": "Price",
                                                             "kind": "tco", "weight": 0}]),
         "broker_comparison.criteria", "weights_sum_zero"),
        (lambda d: d["broker_comparison"]["quotes"][0]["scores"].update(price=3),
         "broker_comparison.quotes[0].scores.price", "unknown_criterion"),
        (lambda d: d["communication"].update(messages=[{"key": "help", "text_nl": "{bad}", "text_en": "x"}]),
         "communication.messages[0].text_nl", "placeholder_unknown"),
        (lambda d: d.update(declarations=[{"service": "nope", "item": "data_correct", "confirmed": True}]),
         "declarations[0].service", "unknown_service"),
    ],
)  # fmt: skip
def test_bad_step4_and_step6_data_fails_the_import_and_changes_nothing(
    db: Database, owner: Any, site: Site, change: Any, field: str, key: str
) -> None:
    before = _counts(db)
    with pytest.raises(InvalidInput) as err, db.session() as s:
        import_project(s, _broken(change), Actor.cli(), site, owner=s.merge(owner))
    assert (err.value.problems[0].field, err.value.problems[0].key) == (field, key)
    assert _counts(db) == before


def test_step4_and_step6_data_round_trip(db: Database, owner: Any, site: Site) -> None:
    def extend(d: Any) -> None:
        d["broker_comparison"]["brokers"] = [{"key": "lokaal", "name": "Lokale Makelaar", "interfaces": ["oidc"]}]
        d["broker_comparison"]["quotes"].append({"broker": "lokaal", "one_off_cost": "10.50"})
        d["broker_comparison"]["criteria"] = [
            {"key": "price", "name_nl": "Prijs", "name_en": "Price", "kind": "tco", "weight": 50},
            {"key": "sla", "name_nl": "SLA", "name_en": "SLA", "kind": "manual", "weight": 12.5},
        ]
        for q in d["broker_comparison"]["quotes"]:
            q.get("scores", {}).pop("custom_work_support", None)
            q.get("scores", {}).pop("supplier_ties", None)
        d["broker_comparison"]["decision"] = {"broker": "signicat", "justification": "Beste score.",
                                              "decided_on": date(2026, 12, 1)}  # fmt: skip
        d["communication"]["messages"] = [{"key": "help", "text_nl": "Zie {info_url}.", "text_en": "See {info_url}."}]
        d["declarations"] = [{"service": "melding", "item": "data_correct", "confirmed": True, "note": "gecontroleerd"}]
        d["actions"].append({"step": 6, "title": "Aankondiging aan gebruikers", "due": date(2026, 12, 20),
                             "milestone": "announcement"})  # fmt: skip

    text = _broken(extend)
    with db.session() as s:
        project = import_project(s, text, Actor.cli(), site, owner=s.merge(owner))
        exported = dump_project(s, project)
    assert yaml.safe_load(exported) == yaml.safe_load(text)
