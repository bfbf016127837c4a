"""``run()`` when things go wrong before any login, the report model and its writers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conformance_harness import free_port, publish
from lxml import etree

from ehkit.conformance import (
    CHECKS,
    Attestations,
    CheckResult,
    ConformanceConfig,
    Evidence,
    LoginTarget,
    ProgressEvent,
    Report,
    Severity,
    SimulatorConfig,
    Status,
    render_html,
    render_junit,
    run,
)
from ehkit.conformance.protocol import PROTOCOL_ORDER
from ehkit.xml.ns import DS

pytestmark = pytest.mark.network


@dataclass
class Published:
    metadata: list[Path]
    catalogue: Path
    state: Path


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    from ehkit.config import load_config
    from ehkit.demo.setup import prepare

    root = tmp_path_factory.mktemp("runner")
    paths = prepare(root, portal_port=free_port(), broker_port=free_port())
    files, catalogue = publish(load_config(paths.config), root)
    return Published(files, catalogue, paths.broker_state)


def config(published: Published, metadata: list[Path] | None = None, **extra: object) -> ConformanceConfig:
    return ConformanceConfig(
        metadata=[str(m) for m in (metadata or published.metadata)],
        catalogue=str(published.catalogue),
        logins=[LoginTarget(login_url="http://127.0.0.1:9/login", success_text="Ingelogd")],
        simulator=SimulatorConfig(state=published.state),
        **extra,  # type: ignore[arg-type]
    )


def test_a_dv_the_broker_cannot_register_fails_every_protocol_check(published: Published, tmp_path: Path) -> None:
    broken = tmp_path / "metadata.xml"
    root = etree.parse(str(published.metadata[0])).getroot()
    root.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue").text = "AAAA"
    broken.write_bytes(etree.tostring(root))
    report = run(config(published, [broken, published.metadata[1]]))
    assert report.result("META-SIGNATURE-VALID").status is Status.FAILED
    protocol = [r for r in report.results if r.check.category.is_protocol]
    assert len(protocol) == len(PROTOCOL_ORDER)
    assert {r.status for r in protocol} == {Status.FAILED}
    assert all("could not register the DV" in r.summary and "dv_metadata_signature" in r.summary for r in protocol)
    assert report.exit_code == 1


def test_a_login_url_that_does_not_answer(published: Published) -> None:
    events: list[ProgressEvent] = []
    report = run(
        config(published, only=["LOGIN-*", "REFUSE-XSW3", "REQ-SIGNED", "ARS-SIGNED", "ACS-*"]), progress=events.append
    )
    assert report.result("LOGIN-SUCCESS").summary.startswith("http://127.0.0.1:9/login: the login URL did not answer")
    assert report.result("LOGIN-CANCEL").summary.startswith("not judged")
    assert report.result("REFUSE-XSW3").summary.startswith("not judged")
    assert report.result("REQ-SIGNED").summary.startswith("no AuthnRequest reached the simulator")
    assert report.result("ARS-SIGNED").summary.startswith("no ArtifactResolve reached the simulator")
    assert report.result("ACS-CACHE-CONTROL").summary.startswith("the DV's ACS never answered")
    kinds = [e.kind for e in events]
    assert kinds[0] == "static" and "simulator" in kinds and kinds[-1] == "done"
    assert events[-1].done == events[-1].total == len(report.results)
    simulator = next(e for e in events if e.kind == "simulator").info
    assert simulator["metadata_url"].endswith("/broker/metadata/1.13") and simulator["signing_key_name"]


def test_manual_only_starts_no_simulator(published: Published) -> None:
    report = run(config(published, only=["MANUAL-*"], attestations=Attestations(no_iframe=False, logout_shown=True)))
    assert report.simulator == {}
    assert report.result("MANUAL-NO-IFRAME").status is Status.FAILED
    assert report.result("MANUAL-LOGOUT").status is Status.MANUAL
    assert report.summary_line() == "0 passed, 1 failed, 3 manual"
    assert report.exit_code == 1


# ---------------------------------------------------------------- the report


def sample() -> Report:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    return Report(
        started=now,
        finished=now,
        results=[
            CheckResult(CHECKS["LOGIN-SUCCESS"], Status.PASSED, "logged in", observed="GET /acs -> 303"),
            CheckResult(
                CHECKS["REFUSE-XSW3"],
                Status.FAILED,
                "the DV logged the user in",
                sent="scenario xsw3",
                evidence=[Evidence("hop", "a\x00b <c>")],
            ),
            CheckResult(CHECKS["CAT-LANG"], Status.FAILED, "no English ServiceName"),
            CheckResult(CHECKS["ARS-MTLS"], Status.SKIPPED, "plain HTTP"),
            CheckResult(CHECKS["MANUAL-NO-IFRAME"], Status.MANUAL, "attested", attested=True),
        ],
        dv={"metadata": ["m.xml"], "logins": [{"login_url": "https://dv.example/login"}]},
    )


def test_summary_and_exit_code() -> None:
    report = sample()
    assert report.summary_line() == "1 passed, 2 failed, 1 manual"
    assert [r.check.id for r in report.mandatory_failures] == ["REFUSE-XSW3"]
    assert report.exit_code == 1
    report.results[1].status = Status.PASSED
    assert report.exit_code == 0  # a failed recommendation does not fail the run
    assert report.result("CAT-LANG").severity is Severity.RECOMMENDED


def test_json_round_trip() -> None:
    report = sample()
    data = json.loads(report.to_json())
    assert data["summary"] == {
        "line": "1 passed, 2 failed, 1 manual",
        "passed": 1,
        "failed": 2,
        "manual": 1,
        "skipped": 1,
        "mandatory_failed": 1,
        "ok": False,
    }
    again = Report.from_dict(data)
    assert again.as_dict() == data
    with pytest.raises(ValueError):
        Report.from_dict({**data, "format": 99})


def test_junit_for_ci() -> None:
    root = etree.fromstring(render_junit(sample()))
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "2", "2")
    failures = {f.getparent().get("name").split()[0]: f.get("type") for f in root.iter("failure")}
    assert failures == {"REFUSE-XSW3": "mandatory", "CAT-LANG": "recommended"}
    xsw = next(f for f in root.iter("failure") if f.get("type") == "mandatory")
    assert "fix: Require exactly one top-level Assertion" in xsw.text and "a\x00b" not in xsw.text
    assert {s.get("message").split(":")[0] for s in root.iter("skipped")} == {"skipped", "manual"}


def test_html_lists_failures_first_and_escapes_evidence() -> None:
    html = render_html(sample())
    assert html.index('data-testid="failures"') < html.index("What was tested")
    assert html.index("REFUSE-XSW3") < html.index("CAT-LANG")  # mandatory before recommended
    assert "&lt;c&gt;" in html and "<c>" not in html
    assert "1 mandatory check failed" in html
