"""``ehkit doctor``: check a DV's eHerkenning connection and say how to fix what is wrong.

Exit codes: 0 all checks ok (or only information), 1 at least one warning,
2 at least one error (also: the configuration could not be read).
Doctor never changes anything.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ehkit.cli.catalogue import ConfigOpt, JsonOpt, parse_moment, stdout
from ehkit.cli.help import plural

_STYLE = {"ok": "green", "info": "cyan", "warning": "yellow", "error": "bold red"}
_MARK = {"ok": "ok", "info": "info", "warning": "WARN", "error": "FAIL"}


def register(app: typer.Typer) -> None:
    """Add ``doctor`` to the ``ehkit`` app."""
    app.command(
        "doctor",
        help="Check the configuration, keys, broker metadata, drift, artifact endpoint and state store. "
        "Exit 0 ok, 1 warnings, 2 errors. Changes nothing.",
    )(doctor_command)


def doctor_command(
    config: ConfigOpt = Path("ehkit.toml"),
    as_json: JsonOpt = False,
    at: Annotated[
        str | None, typer.Option("--at", help="Check as of this moment (ISO 8601), e.g. to rehearse an expiry.")
    ] = None,
) -> None:
    from ehkit.ops.doctor import DoctorOptions, run_doctor

    report = run_doctor(config, DoctorOptions(now=parse_moment(at, "--at") if at else None))
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        console = stdout()
        area = None
        for finding in report.findings:
            if finding.area != area:
                area = finding.area
                console.print(f"[bold]{escape(area)}[/bold]")
            style = _STYLE[finding.level]
            line = f"  [{style}]{_MARK[finding.level]:>4}[/{style}] {escape(finding.check)}: {escape(finding.message)}"
            if finding.fix and finding.level != "ok":
                line += f"\n       [dim]fix:[/dim] {escape(finding.fix)}"
            console.print(line)
        counts = {lvl: sum(1 for f in report.findings if f.level == lvl) for lvl in ("error", "warning", "info")}
        console.print(
            f"\n{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
            f"{plural(counts['info'], 'note')}; exit {report.exit_code}"
        )
    raise typer.Exit(code=report.exit_code)
