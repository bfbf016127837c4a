"""The project dossier: all six steps in HTML, Markdown and PDF (text read back with pdftotext), and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from ws_dossier import HEADINGS, pdf_text
from ws_helpers import EXAMPLE, new_project

from ehkit.cli.main import app
from ehkit.workspace.db import Database
from ehkit.workspace.errors import InvalidInput
from ehkit.workspace.export import dossier, import_project
from ehkit.workspace.models import ConformanceReport, Project, TestRun
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site
from ehkit.workspace.texts import text

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _example(db: Database, owner: Any, site: Site) -> None:
    with db.session() as s:
        import_project(s, EXAMPLE.read_text(encoding="utf-8"), Actor.cli(), site, owner=s.merge(owner))


def _project(s: Any) -> Project:
    return s.query(Project).filter_by(slug="voorbeeldstad").one()


def _runs(s: Any, project: Project) -> None:
    s.add(TestRun(project_id=project.id, kind="simulator", outcome="passed", started_at=NOW, finished_at=NOW,
                  result={"services": [{"service": "melding", "status": "passed"}, {"service": "eidas", "status": "failed"}]}))  # fmt: skip
    run = TestRun(project_id=project.id, kind="conformance", outcome="failed", started_at=NOW, finished_at=NOW,
                  result={"summary": {"line": "40 passed, 1 failed, 4 manual", "mandatory_failures": ["REFUSE-LOA"]}})  # fmt: skip
    s.add(run)
    s.flush()
    s.add(ConformanceReport(test_run_id=run.id, project_id=project.id, html="<html></html>", json="{}", junit="<x/>"))


def test_every_format_has_all_six_steps_with_what_the_project_recorded(
    db: Database, owner: Any, site: Site, tmp_path: Path
) -> None:
    _example(db, owner, site)
    with db.session() as s:
        project = _project(s)
        _runs(s, project)
        # amounts keep together with no-break spaces; compare them with plain ones
        md = dossier.render(s, project, "md", now=NOW).decode("utf-8").replace("\u00a0", " ")
        html = dossier.render(s, project, "html", now=NOW).decode("utf-8").replace("\u00a0", " ")
        pdf = dossier.render(s, project, "pdf", now=NOW)
    assert pdf.startswith(b"%PDF-")
    words = pdf_text(pdf, tmp_path)
    for heading in HEADINGS["nl"]:
        assert f"## {heading}" in md
        assert f">{heading}</h2>" in html
        assert heading in words
    for document in (md, html, words):
        assert "Gemeente Voorbeeldstad" in document and "00000001234567890000" in document
        assert "Ingrid Bakker" in document  # step 1
        assert "Melding openbare ruimte" in document  # step 2
        assert "EH3" in document and "EH2+" in document  # step 3
        assert "40 passed, 1 failed, 4 manual" in document  # step 5: the last conformance result
        assert "REFUSE-LOA" in document
        assert text("nl", "dossier_sim_services", passed=1, total=2) in document
        # the example records all six steps: three quotes ranked by TCO and score, a communication plan
        assert text("nl", "dossier_not_recorded") not in document
        assert "Signicat" in document and "€ 11 640.00" in document and "8.01" in document  # step 4
        assert text("nl", "dossier_sensitive", changes=1, cases=8) in document
        assert "Laatste oproep: vraag eHerkenning nu aan" in document and "2027-01-25" in document  # step 6
        assert "Klantcontactcentrum, telefoon 14 0123" in document
    assert "Gemaakt op 2026-12-06 12:00 UTC" in md
    assert '<html lang="nl">' in html and "http" not in html.split("<body>")[0]  # no external resources


def test_a_new_project_says_which_steps_have_nothing_recorded_yet(db: Database, owner: Any) -> None:
    project = new_project(db, owner, slug="leegdorp", go_live="")
    with db.session() as s:
        md = dossier.render(s, s.merge(project), "md", now=NOW).decode("utf-8")
    sections = md.split("\n## ")[3:]  # after the organisation and the overview
    assert [x.split("\n", 1)[0] for x in sections] == HEADINGS["nl"]
    empty = [i + 1 for i, x in enumerate(sections) if text("nl", "dossier_not_recorded") in x]
    assert empty == [1, 2, 3, 4, 6]  # step 5 always shows the broker checklist
    assert text("nl", "dossier_no_run") in sections[4]


def test_steps_4_and_6_show_the_comparison_decision_timeline_messages_and_tasks(db: Database, owner: Any) -> None:
    from ehkit.workspace.services import step4_broker as s4
    from ehkit.workspace.services import step6_communication as s6

    made = new_project(db, owner)
    actor = Actor.cli()
    with db.session() as s:
        project = s.merge(made)
        s4.save_comparison(s, project, {"horizon_years": "5", "logins_per_year": "2000", "services_count": "2"}, actor,
                           version=None)  # fmt: skip
        s4.add_quote(s, project, {"broker": "signicat", "one_off_cost": "1000", "recurring_cost": "100",
                                  "recurring_period": "month", "price_per_login": "0.10",
                                  "interfaces": ["saml_1_13", "oidc"]}, actor)  # fmt: skip
        s4.add_quote(s, project, {"broker": "kpn", "recurring_cost": "1500", "recurring_period": "year",
                                  "price_per_service": "100"}, actor)  # fmt: skip
        s.flush()
        s4.record_decision(s, project, {"broker": "signicat", "justification": "Laagste kosten over vijf jaar."},
                           actor, today=date(2026, 12, 1))  # fmt: skip
        s6.save_plan(s, project, {"info_url": "https://voorbeeldstad.example/eherkenning", "contact": "KCC 14 0123"},
                     actor, version=None)  # fmt: skip
        s6.plan_tasks(s, project, actor)
        s.flush()
        md = dossier.render(s, project, "md", now=NOW).decode("utf-8").replace("\u00a0", " ")
        en = dossier.render(s, project, "md", lang="en", now=NOW).decode("utf-8").replace("\u00a0", " ")
    step4 = md.split("## " + HEADINGS["nl"][3])[1].split("## " + HEADINGS["nl"][4])[0]
    assert "| 1 | Signicat | € 1 000.00 | € 100.00 per maand | SAML 1.13, OIDC | € 8 000.00 | 4.00 |" in step4
    assert "| 2 | KPN | € 0.00 | € 1 500.00 per jaar |  | € 8 500.00 | 3.76 |" in step4
    assert "Gekozen: Signicat op 2026-12-01" in step4 and "Laagste kosten over vijf jaar." in step4
    assert "broker data as of" in step4 and "Horizon: 5 jaar, 2000 logins per jaar" in step4
    step6 = md.split("## " + HEADINGS["nl"][5])[1]
    assert "Meer informatie: https://voorbeeldstad.example/eherkenning. Vragen? KCC 14 0123" in step6
    assert "| 2027-01-25 | Laatste oproep: vraag eHerkenning nu aan | extern |" in step6
    assert "| Laatste oproep: vraag eHerkenning nu aan |  | 2027-01-25 | nee |" in step6  # the task, no owner yet
    for heading in HEADINGS["en"]:
        assert f"## {heading}" in en
    assert "€ 100.00 per month" in en and "Chosen: Signicat on 2026-12-01" in en


def test_what_people_typed_cannot_break_the_markdown_or_the_html(db: Database, owner: Any, site: Site) -> None:
    _example(db, owner, site)
    with db.session() as s:
        project = _project(s)
        service = next(x for x in project_services(s, project) if x.key == "melding")
        service.loa_justification = "<script>alert(1)</script> | *niet* vet\nnieuwe regel"
        s.flush()
        md = dossier.render(s, project, "md", now=NOW).decode("utf-8")
        html = dossier.render(s, project, "html", now=NOW).decode("utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\\<script\\>alert(1)\\</script\\> \\| \\*niet\\* vet nieuwe regel" in md


def project_services(s: Any, project: Project) -> list[Any]:
    from ehkit.workspace.services import step2_inventory

    return step2_inventory.services(s, project)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        dossier.check_format("docx")
    assert exc.value.problems[0].field == "format"


runner = CliRunner()


def test_the_cli_writes_each_format_atomically_and_names_what_is_wrong(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'ws.db'}"
    runner.invoke(app, ["workspace", "create-user", "a@x.nl", "--password-stdin", "--db", db_url],
                  input="a good password\n")  # fmt: skip
    imported = runner.invoke(app, ["workspace", "import", str(EXAMPLE), "--db", db_url, "--data-dir", str(tmp_path)])
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "out" / "dossier.pdf"
    out.parent.mkdir()
    done = runner.invoke(app, ["workspace", "dossier", "voorbeeldstad", "--format", "pdf", "--out", str(out),
                               "--db", db_url])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert f"wrote {out}" in " ".join(done.output.split())
    words = pdf_text(out.read_bytes(), tmp_path)
    assert all(h in words for h in HEADINGS["nl"])
    assert [p.name for p in out.parent.iterdir()] == ["dossier.pdf"]  # no temporary file left behind
    for fmt, lang in (("md", "en"), ("html", "nl")):
        target = tmp_path / f"d.{fmt}"
        done = runner.invoke(app, ["workspace", "dossier", "voorbeeldstad", "--format", fmt, "--out", str(target),
                                   "--lang", lang, "--db", db_url])  # fmt: skip
        assert done.exit_code == 0, done.output
        assert all(h in target.read_text(encoding="utf-8") for h in HEADINGS[lang])
    unknown = runner.invoke(app, ["workspace", "dossier", "nergensdorp", "--db", db_url])
    assert unknown.exit_code == 2
    assert "no project 'nergensdorp' in this workspace (projects: voorbeeldstad)" in " ".join(unknown.output.split())
    bad = runner.invoke(app, ["workspace", "dossier", "voorbeeldstad", "--format", "docx", "--db", db_url])
    assert bad.exit_code == 2 and "--format 'docx' is not supported (use html, md, pdf)" in bad.output
    nowhere = runner.invoke(app, ["workspace", "dossier", "voorbeeldstad", "--format", "md", "--out",
                                  str(tmp_path / "missing" / "d.md"), "--db", db_url])  # fmt: skip
    assert nowhere.exit_code == 2 and "cannot write" in nowhere.output


def test_the_export_and_the_services_never_import_the_web_layer() -> None:
    import ast

    import ehkit.workspace

    root = Path(ehkit.workspace.__file__).parent
    offenders = []
    for path in [*root.glob("export/*.py"), *root.glob("services/*.py"), root / "texts.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(("ehkit.workspace.web", "starlette"))]
    assert offenders == []
