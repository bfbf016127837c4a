"""Steps 1, 2, 3 and 5 as services, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from ws_helpers import actor_of, loa_answers, new_project

from ehkit.workspace.db import Database
from ehkit.workspace.errors import Conflict, InvalidInput, NotFound
from ehkit.workspace.models import AuditEvent, Project, Service
from ehkit.workspace.services import step1_group as g
from ehkit.workspace.services import step2_inventory as inv
from ehkit.workspace.services import step3_assurance as a3
from ehkit.workspace.services import step5_connect as s5
from ehkit.workspace.services.site import Site

SERVICE = {
    "key": "melding", "index": 1, "name_nl": "Melding openbare ruimte", "name_en": "Report an issue",
    "description_nl": "Meld een probleem.", "description_en": "Report a problem.", "identifier_sets": [["KvKnr"]],
    "audience": "ondernemers", "backoffice_system": "Zaaksysteem", "backoffice_process": "zaak", "data_needed": "KvK",
}  # fmt: skip


def _project(s: Any, project: Any) -> Project:
    found = s.get(Project, project.id)
    assert found is not None
    return found


def test_step1_warns_for_every_role_nobody_holds_and_checks_the_raci(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    with db.session() as s:
        p = _project(s, project)
        assert {gap.role for gap in g.role_gaps(s, p)} == set(g.ROLE_STEP)
        g.add_member(
            s, p, {"name": "Ingrid", "roles": ["policy_owner", "architect"], "raci": {1: "A", 2: "A"}}, actor_of(owner)
        )
        g.add_member(
            s, p, {"name": "Sanne", "roles": ["software_supplier"], "raci": {"1": "R", 2: "A"}}, actor_of(owner)
        )
        gaps = {gap.role: gap.step for gap in g.role_gaps(s, p)}
        assert "policy_owner" not in gaps and gaps["back_office"] == 2 and gaps["customer_service"] == 6
        raci = {(gap.step, gap.key) for gap in g.raci_gaps(s, p)}
        assert (1, "raci_no_a") not in raci and (2, "raci_many_a") in raci and (3, "raci_no_a") in raci
        assert g.responsible_for(s, p, 1).name == "Sanne"  # type: ignore[union-attr]
        assert g.responsible_for(s, p, 2).name == "Ingrid"  # type: ignore[union-attr]


def test_step1_member_input_is_validated(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    with db.session() as s:
        p = _project(s, project)
        with pytest.raises(InvalidInput) as err:
            g.add_member(s, p, {"name": "", "email": "x", "roles": ["king"], "raci": {7: "A", 1: "Z"}}, actor_of(owner))
        keys = {(pr.field, pr.key) for pr in err.value.problems}
        assert ("name", "required") in keys and ("email", "email") in keys and ("roles[0]", "connection_role") in keys
        assert any(pr.key == "step" for pr in err.value.problems)
        g.add_member(s, p, {"name": "Ingrid"}, actor_of(owner))
        with pytest.raises(InvalidInput) as err:
            g.add_member(s, p, {"name": "Ingrid"}, actor_of(owner))
        assert err.value.problems[0].key == "member_name_taken"


def test_concurrent_edits_do_not_silently_overwrite(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    with db.session() as s:
        member = g.add_member(s, _project(s, project), {"name": "Ingrid"}, actor_of(owner))
        s.flush()
        member_id, version = member.id, member.version
    with db.session() as s:  # the first editor saves
        g.update_member(s, _project(s, project), member_id, {"name": "Ingrid B."}, actor_of(owner), version=version)
    with db.session() as s, pytest.raises(Conflict) as err:  # the second, from the same stale page
        g.update_member(s, _project(s, project), member_id, {"name": "Ingrid C."}, actor_of(owner), version=version)
    assert "reload the page" in err.value.message and err.value.reason == "workspace_conflict"
    with db.session() as s:  # a RACI-only change bumps the version too
        fresh = g.member(s, _project(s, project), member_id)
        before = fresh.version
        g.update_member(
            s, _project(s, project), member_id, {"name": "Ingrid B.", "raci": {1: "A"}}, actor_of(owner), version=before
        )
        s.flush()
        assert fresh.version == before + 1


def test_step2_inventory_records_services_changes_and_questions(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    with db.session() as s:
        p = _project(s, project)
        g.add_member(s, p, {"name": "Sanne"}, actor_of(owner))
        svc = inv.create_service(s, p, SERVICE, actor_of(owner))
        s.flush()
        assert len(svc.uuid) == 36 and inv.gaps(svc) == []
        inv.add_change(s, p, svc.id, {"title": "Inlogknop", "owner": "Sanne"}, actor_of(owner))
        with pytest.raises(InvalidInput) as err:
            inv.add_change(s, p, svc.id, {"title": "X", "owner": "Nobody"}, actor_of(owner))
        assert err.value.problems[0].key == "unknown_member"
        inv.add_question(s, p, {"question": "Wanneer informeren we?", "service": "melding"}, actor_of(owner))
        with pytest.raises(InvalidInput) as err:
            inv.create_service(s, p, SERVICE | {"name_nl": "Ander"}, actor_of(owner))
        assert {pr.key for pr in err.value.problems} == {"service_key_taken"}
        companion = inv.add_eidas_companion(s, p, svc.id, actor_of(owner))
        s.flush()
        assert companion.eidas and companion.eidas_for_id == svc.id and companion.identifier_sets == [["Pseudo"]]
        assert inv.eidas_companion(s, p, svc) is companion


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"index": "0"}, ("index", "int_range")),
        ({"key": "Melding!"}, ("key", "slug")),
        ({"name_nl": "x" * 65}, ("name_nl", "too_long")),
        ({"identifier_sets": [[]]}, ("identifier_sets", "identifier_required")),
        ({"identifier_sets": [["KvK"]]}, ("identifier_sets[0]", "identifier_set")),
        ({"eidas": True}, ("identifier_sets", "eidas_identifiers")),
        ({"vestiging_allowed": True, "identifier_sets": [["BSN"]]}, ("vestiging_allowed", "vestiging_needs_kvk")),
        ({"service_url_nl": "http://example.nl/x"}, ("service_url_nl", "url")),
        ({"attributes": [{"urn": "urn:etoegang:1.9:EntityConcernedID:KvKnr", "purpose_nl": "a", "purpose_en": "b"}]},
         ("attributes[0].urn", "attribute_identifying")),
        ({"attributes": [{"urn": "urn:etoegang:1.11:attribute-represented:CompanyName", "purpose_nl": "a", "purpose_en": "b"}]},
         ("privacy_url_nl", "privacy_needed")),
        ({"channel": "fax"}, ("channel", "channel")),
    ],
)  # fmt: skip
def test_step2_bad_service_input_names_the_field(
    db: Database, owner: Any, change: dict[str, Any], expected: tuple[str, str]
) -> None:
    project = new_project(db, owner)
    with db.session() as s, pytest.raises(InvalidInput) as err:
        inv.create_service(s, _project(s, project), SERVICE | change, actor_of(owner))
    assert expected in {(pr.field, pr.key) for pr in err.value.problems}


def test_records_of_another_project_are_not_found(db: Database, owner: Any) -> None:
    a = new_project(db, owner, "alpha")
    b = new_project(db, owner, "beta")
    with db.session() as s:
        svc = inv.create_service(s, _project(s, a), SERVICE, actor_of(owner))
        s.flush()
        with pytest.raises(NotFound):
            inv.service(s, _project(s, b), svc.id)
        with pytest.raises(NotFound):
            inv.update_service(s, _project(s, b), svc.id, SERVICE, actor_of(owner), version=None)


def test_step3_stores_level_basis_and_shows_what_changes(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    melding, vergunning = loa_answers()
    with db.session() as s:
        p = _project(s, project)
        svc = inv.create_service(s, p, SERVICE, actor_of(owner))
        s.flush()
        first = a3.save_assessment(s, p, svc.id, melding["answers"], "Besproken", actor_of(owner), version=None)
        assert (first.before, first.after) == (None, "EH2+")
        assert svc.loa == "EH2+" and svc.loa_justification == "Besproken" and a3.is_current(svc)
        assert {b["rule"] for b in svc.loa_basis} >= {"R1", "R12", "R12a"}
        assert all(b["effect_nl"] and b["effect_en"] for b in svc.loa_basis)
        preview = a3.preview(s, p, svc.id, vergunning["answers"])
        assert (preview.before, preview.after, preview.level_changed) == ("EH2+", "EH3", True)
        assert preview.rules_added and "R12a" in preview.rules_removed and preview.answers_changed
        assert svc.loa == "EH2+"  # a preview changes nothing
        # answers to questions whose condition does not hold are dropped, empty ones ignored
        cleaned = a3.clean_answers(melding["answers"] | {"sector_law_level": "EH4", "special_data": ""})
        assert "sector_law_level" not in cleaned and "special_data" not in cleaned
        with pytest.raises(InvalidInput) as err:
            a3.save_assessment(s, p, svc.id, {"sector_law": "maybe"}, "", actor_of(owner), version=None)
        assert err.value.problems[0].field == "answers" and err.value.problems[0].params["text_nl"]


def _keys(db: Database, owner: Any, site: Site) -> Any:
    project = new_project(db, owner)
    with db.session() as s:
        p = _project(s, project)
        s5.create_test_keys(s, p, actor_of(owner), site)
        s5.use_simulator_broker(s, p, actor_of(owner), site)
    return project


def test_step5_settings_keep_keys_inside_the_project_folder(
    db: Database, owner: Any, site: Site, tmp_path: Path
) -> None:
    project = _keys(db, owner, site)
    folder = site.key_dir("voorbeeldstad")
    outside = tmp_path / "elsewhere.key"
    outside.write_text("x")
    with db.session() as s:
        p = _project(s, project)
        base = s5.settings_form(p.settings)
        cases = {
            "signing_key_path": (str(outside), "path_outside"),
            "signing_cert_path": ("relative/dv.crt", "path_absolute"),
            "encryption_key_path": (str(folder / "missing.key"), "path_missing"),
        }
        for field, (value, key) in cases.items():
            with pytest.raises(InvalidInput) as err:
                s5.save_settings(s, p, base | {field: value}, actor_of(owner), site, version=None)
            assert (field, key) in {(pr.field, pr.key) for pr in err.value.problems}, field
        with pytest.raises(InvalidInput) as err:
            s5.save_settings(
                s,
                p,
                base | {"broker_entity_id": "urn:etoegang:DV:00000001234567890000:entities:0"},
                actor_of(owner),
                site,
                version=None,
            )
        assert err.value.problems[0].key == "broker_entity_id"
        p.oin = "00000009999999999999"
        with pytest.raises(InvalidInput) as err:
            s5.save_settings(s, p, base, actor_of(owner), site, version=None)
        assert ("signing_cert_path", "cert_oin") in {(pr.field, pr.key) for pr in err.value.problems}


def test_step5_builds_and_validates_with_the_existing_builders(db: Database, owner: Any, site: Site) -> None:
    project = _keys(db, owner, site)
    melding, _ = loa_answers()
    with db.session() as s:
        p = _project(s, project)
        art = s5.generate(s, p)
        assert {b.key for b in art.blockers} == {"no_services", "no_acs_url"}
        assert art.toml is not None and art.catalogue is None
        svc = inv.create_service(
            s,
            p,
            SERVICE | {"privacy_url_nl": "https://x.example/p", "privacy_url_en": "https://x.example/en/p"},
            actor_of(owner),
        )
        s.flush()
        assert {b.key for b in s5.generate(s, p).blockers} == {"no_level", "no_acs_url"}
        a3.save_assessment(s, p, svc.id, melding["answers"], "", actor_of(owner), version=None)
        s5.save_settings(
            s,
            p,
            s5.settings_form(p.settings) | {"acs_url": "https://dv.example/acs", "contact_email": "eh@dv.example"},
            actor_of(owner),
            site,
            version=None,
        )
        art = s5.generate(s, p)
        assert not art.blockers and not art.config_problems and art.config is not None
        assert art.catalogue is not None and set(art.metadata) == {"eherkenning"}
        assert all(r.ok for r in art.reports), [f.as_dict() for r in art.reports for f in r.errors]
        assert 'loa = "EH2+"' in art.toml and "[[services]]" in art.toml  # type: ignore[operator]
        items = {i.item: i for i in s5.checklist(s, p, art)}
        assert items["catalogue"].status == "ready" and items["metadata"].status == "ready"
        assert items["certificate"].detail_key == "cl_cert_test"  # a test key is never "ready" for a real broker
        assert items["purpose_statements"].detail_key == "cl_purpose_none"
        mark = s5.mark_delivered(s, p, "catalogue", True, "gemaild", actor_of(owner), version=None)
        s.flush()
        with pytest.raises(Conflict):
            s5.mark_delivered(s, p, "catalogue", False, "", actor_of(owner), version=mark.version - 1)


def test_a_config_rule_the_workspace_does_not_know_is_still_reported(db: Database, owner: Any, site: Site) -> None:
    """BSN needs EH3: the check comes from ehkit.config, not from the workspace."""
    project = _keys(db, owner, site)
    melding, _ = loa_answers()
    with db.session() as s:
        p = _project(s, project)
        svc = inv.create_service(
            s,
            p,
            SERVICE
            | {"identifier_sets": [["BSN"]], "bsnk_structure_version": "1", "bsnk_recipient_key_set_version": "1"},
            actor_of(owner),
        )
        s.flush()
        a3.save_assessment(s, p, svc.id, melding["answers"], "", actor_of(owner), version=None)
        s5.save_settings(
            s,
            p,
            s5.settings_form(p.settings) | {"acs_url": "https://dv.example/acs"},
            actor_of(owner),
            site,
            version=None,
        )
        art = s5.generate(s, p)
        assert art.config is None and any(path == "services[0].loa" for path, _ in art.config_problems)


def test_audit_trail_has_before_and_after(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    with db.session() as s:
        p = _project(s, project)
        svc = inv.create_service(s, p, SERVICE, actor_of(owner))
        s.flush()
        inv.update_service(
            s, p, svc.id, SERVICE | {"name_en": "Report a problem"}, actor_of(owner), version=svc.version
        )
        s.flush()
        event = s.query(AuditEvent).filter_by(entity="services", action="update").one()
        assert event.changes == {"name_en": ["Report an issue", "Report a problem"]} and event.actor == owner.email
        assert s.get(Service, svc.id).version == 2  # type: ignore[union-attr]


def test_the_dashboard_cache_sees_every_change(db: Database, owner: Any, site: Site) -> None:
    project = _keys(db, owner, site)
    with db.session() as s:
        p = _project(s, project)
        first = s5.generate_cached(s, p)
        assert s5.generate_cached(s, p) is first  # nothing changed: reused
        s5.save_settings(
            s,
            p,
            s5.settings_form(p.settings) | {"acs_url": "https://dv.example/acs"},
            actor_of(owner),
            site,
            version=None,
        )
        second = s5.generate_cached(s, p)
        assert second is not first and "no_acs_url" not in {b.key for b in second.blockers}
        key_file = Path(p.settings.signing_cert_path)  # type: ignore[arg-type]
        key_file.write_bytes(key_file.read_bytes())  # same content, new mtime: the files are part of the key
        os.utime(key_file, ns=(1, 1))
        assert s5.generate_cached(s, p) is not second
