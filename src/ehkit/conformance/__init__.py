"""Test any DV against the eHerkenning DV-HM interface before the broker does.

The suite knows only what a broker knows: the DV's SP metadata, its service
catalogue, the URL that starts a login, and how to see that a login worked. It
checks the documents statically, then runs real logins through the broker
simulator (positive flows, hostile responses, outages) and writes a report::

    from ehkit.conformance import ConformanceConfig, LoginTarget, run, write_reports

    config = ConformanceConfig(
        metadata=["metadata.xml"],
        catalogue="catalogue.xml",
        logins=[LoginTarget(login_url="https://dv.example/login", success_url="https://dv.example/me")],
    )
    report = run(config)
    write_reports(report, Path("conformance-report"))
    print(report.summary_line())  # "41 passed, 0 failed, 4 manual"

It uses :mod:`ehkit.broker` as a library and never :mod:`ehkit.sp`: a DV built
on any SAML stack, in any language, is judged the same way. See
docs/conformance.md.
"""

from ehkit.conformance.checks import CHECKS, Category, Check, Severity
from ehkit.conformance.config import (
    Attestations,
    ConformanceConfig,
    LoginTarget,
    SimulatorConfig,
    load_conformance_config,
)
from ehkit.conformance.report import CheckResult, Evidence, Report, Status
from ehkit.conformance.runner import ProgressEvent, run
from ehkit.conformance.writers import FILE_NAMES, render_html, render_junit, write_reports

__all__ = [
    "CHECKS",
    "FILE_NAMES",
    "Attestations",
    "Category",
    "Check",
    "CheckResult",
    "ConformanceConfig",
    "Evidence",
    "LoginTarget",
    "ProgressEvent",
    "Report",
    "Severity",
    "SimulatorConfig",
    "Status",
    "load_conformance_config",
    "render_html",
    "render_junit",
    "run",
    "write_reports",
]
