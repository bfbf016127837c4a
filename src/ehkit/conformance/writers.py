"""The report as files: HTML for a broker's implementation team, JSON for tools, JUnit XML for the DV's CI.

The HTML page is English with the Dutch eHerkenning terms (dienstverlener,
makelaar, vestiging, ketenmachtiging) and a Dutch title under each check: the
teams that read it work in both languages, and SAML itself is English. It is
one self-contained file (no scripts, no external resources) so it can be
attached to an e-mail or a ticket.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from lxml import etree

from ehkit.conformance.report import CheckResult, Report, Status
from ehkit.util.files import atomic_write

__all__ = ["FILE_NAMES", "render_html", "render_junit", "write_reports"]

FILE_NAMES = {"html": "report.html", "json": "report.json", "junit": "report.junit.xml"}

_ENV = Environment(
    loader=PackageLoader("ehkit.conformance", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(report: Report) -> str:
    return _ENV.get_template("report.html").render(report=report, Status=Status)


def render_junit(report: Report) -> bytes:
    """One testsuite per category, one testcase per check.

    Failures of mandatory checks are ``<failure type="mandatory">``; failed
    recommendations are ``<failure type="recommended">`` (CI tools show them,
    the exit code ignores them); manual and skipped checks are ``<skipped>``.
    """
    suites = etree.Element("testsuites", name="ehkit conformance")
    suites.set("tests", str(len(report.results)))
    suites.set("failures", str(report.failed))
    suites.set("skipped", str(report.manual + report.skipped))
    suites.set("time", f"{(report.finished - report.started).total_seconds():.3f}")
    for category, results in report.by_category():
        suite = etree.SubElement(suites, "testsuite", name=category.heading)
        suite.set("tests", str(len(results)))
        suite.set("failures", str(sum(r.status is Status.FAILED for r in results)))
        suite.set("errors", "0")
        suite.set("skipped", str(sum(r.status in (Status.MANUAL, Status.SKIPPED) for r in results)))
        suite.set("timestamp", report.started.strftime("%Y-%m-%dT%H:%M:%S"))
        for r in results:
            case = etree.SubElement(
                suite, "testcase", classname=f"conformance.{category.value}", name=f"{r.check.id} {r.check.title}"
            )
            case.set("time", f"{r.duration:.3f}")
            severity = (r.severity or r.check.severity).value
            if r.status is Status.FAILED:
                failure = etree.SubElement(case, "failure", message=r.summary[:500], type=severity)
                failure.text = _details(r)
            elif r.status in (Status.MANUAL, Status.SKIPPED):
                etree.SubElement(case, "skipped", message=f"{r.status.value}: {r.summary}"[:500])
            if r.status is not Status.FAILED and (r.observed or r.evidence):
                etree.SubElement(case, "system-out").text = _details(r)
    return bytes(etree.tostring(suites, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _details(r: CheckResult) -> str:
    parts = [f"rule: {r.check.rule}", f"source: {r.check.source}"]
    if r.status is Status.FAILED:
        parts.append(f"fix: {r.check.fix}")
    if r.sent:
        parts.append("sent:\n" + r.sent)
    if r.observed:
        parts.append("observed:\n" + r.observed)
    parts.extend(f"{e.label}:\n{e.text}" for e in r.evidence)
    return _xml_safe("\n\n".join(parts))


def _xml_safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def write_reports(
    report: Report, out_dir: Path, formats: tuple[str, ...] = ("html", "json", "junit")
) -> dict[str, Path]:
    """Write the chosen formats into ``out_dir`` (created), each atomically; returns format -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for fmt in formats:
        path = out_dir / FILE_NAMES[fmt]
        if fmt == "html":
            data = render_html(report).encode("utf-8")
        elif fmt == "json":
            data = (report.to_json() + "\n").encode("utf-8")
        elif fmt == "junit":
            data = render_junit(report)
        else:
            raise ValueError(f"unknown report format {fmt!r} (use html, json or junit)")
        atomic_write(path, data)
        written[fmt] = path
    return written
