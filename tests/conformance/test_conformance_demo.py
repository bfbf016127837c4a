"""The suite against ehkit's own demo DV (the portal on ehkit.sp): every protocol check passes.

The demo portal runs on a loopback port without its own simulator; the suite's
simulator takes the demo broker's place (same state folder, same port), over
HTTPS with TLS client certificates, as a DV configured for the simulator once
would see it. The report's three files are written and read back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conformance_harness import DEMO_SERVICES, PublishedDv, start_demo_dv
from lxml import etree

from ehkit.conformance import Attestations, Category, Report, Severity, Status, run, write_reports

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedDv]:
    dv = start_demo_dv(tmp_path_factory.mktemp("demo-dv"), tls=True)
    try:
        yield dv
    finally:
        dv.server.stop()


@pytest.fixture(scope="module")
def report(demo: PublishedDv) -> Report:
    attested = Attestations(no_iframe=True, logout_shown=True, error_pages=True)
    return run(demo.config(DEMO_SERVICES, tls=True, attestations=attested))


def test_every_protocol_check_passes(report: Report) -> None:
    protocol = [r for r in report.results if r.check.category.is_protocol]
    assert len(protocol) == 37
    assert {r.check.id: r.summary for r in protocol if r.status is not Status.PASSED} == {}


def test_all_mandatory_checks_pass(report: Report) -> None:
    assert report.ok and report.exit_code == 0
    assert report.mandatory_failures == []
    # What the demo's documents leave out (a ServiceURL for its OIDC service, say) may show as recommendations.
    assert {r.severity for r in report.results if r.status is Status.FAILED} <= {Severity.RECOMMENDED}
    assert report.summary_line() == f"{report.passed} passed, {report.failed} failed, 4 manual"
    # Without --trusted-ca the chain cannot be checked; nothing else is left out.
    assert {r.check.id for r in report.results if r.status is Status.SKIPPED} == {"CERT-CHAIN"}


def test_the_positive_flows_read_what_the_broker_sent(report: Report) -> None:
    success = report.result("LOGIN-SUCCESS")
    assert "services:2 (EH3)" in success.summary and "services:3 (EH3)" in success.summary
    assert "'30123456' shown" in success.evidence[0].text
    assert "vestiging 000012345602" in report.result("LOGIN-BRANCH").summary
    assert "'000012345602' shown" in report.result("LOGIN-BRANCH").observed
    assert "via Administratiekantoor Telling" in report.result("LOGIN-CHAIN").summary
    assert "eIDAS means" in report.result("LOGIN-EIDAS").summary
    assert "client certificate SHA-256" in report.result("ARS-MTLS").evidence[0].text


def test_refusals_show_what_was_sent_and_what_the_dv_did(report: Report) -> None:
    result = report.result("REFUSE-XSW3")
    assert "scenario xsw3" in result.sent and "Anna de Vries" in result.sent
    assert "not logged in" in result.observed and "/acs" in result.observed
    replay = report.result("REFUSE-REPLAYED-ASSERTION")
    assert "first delivery (this browser)" in replay.observed and "logged in" in replay.observed
    down = report.result("DOWN-UNREACHABLE")
    assert "HTTP 503" in down.summary


def test_manual_items_are_shown_as_manual(report: Report) -> None:
    manual = {r.check.id: r for r in report.results if r.check.category is Category.MANUAL}
    assert {k: (v.status, v.attested) for k, v in manual.items()} == {
        "MANUAL-NO-IFRAME": (Status.MANUAL, True),
        "MANUAL-LOGOUT": (Status.MANUAL, True),
        "MANUAL-ERROR-PAGES": (Status.MANUAL, True),
        "MANUAL-COMMUNICATION": (Status.MANUAL, None),
    }
    assert "attestations.communication" in manual["MANUAL-COMMUNICATION"].summary


def test_the_three_report_files(report: Report, tmp_path: Path) -> None:
    written = write_reports(report, tmp_path / "out")
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    assert data["summary"]["line"] == report.summary_line() and data["summary"]["ok"] is True
    assert Report.from_dict(data).summary_line() == report.summary_line()
    junit = etree.parse(str(written["junit"])).getroot()
    assert junit.tag == "testsuites" and int(junit.get("failures", "-1")) == report.failed
    assert {f.get("type") for f in junit.iter("failure")} <= {"recommended"}
    cases = junit.findall(".//testcase")
    assert len(cases) == len(report.results)
    html = written["html"].read_text(encoding="utf-8")
    assert "All mandatory checks passed" in html and report.summary_line() in html
    assert 'data-check="REFUSE-XSW3" data-status="passed"' in html


@pytest.mark.browser
def test_the_html_report_in_a_browser(report: Report, page: Any, tmp_path: Path) -> None:
    written = write_reports(report, tmp_path / "html", formats=("html",))
    for width, name in ((1280, "wide"), (390, "narrow")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(written["html"].as_uri())
        assert page.get_by_test_id("verdict").inner_text().startswith("All mandatory checks passed")
        assert page.get_by_test_id("summary-line").inner_text() == report.summary_line()
        assert page.locator('[data-testid="check"][data-status="failed"]').count() == report.failed
        assert page.locator('[data-testid="check"]').count() == len(report.results)
        page.screenshot(path=str(tmp_path / f"report-{name}.png"), full_page=False)
        overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
        assert not overflow, f"the report scrolls sideways at {width}px"
