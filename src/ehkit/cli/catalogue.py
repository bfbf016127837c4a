"""``ehkit catalogue``: build, validate, diff and roll over the service catalogue.

People get a readable report (rich); scripts pass ``--json``. Expected
failures (a bad config, a missing file) print one message naming the problem
and exit 2; validation errors exit 1; no traceback ever reaches the user.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ehkit.cli.help import HelpGroup, plural
from ehkit.errors import EhkitError

catalogue_app = typer.Typer(
    cls=HelpGroup,
    name="catalogue",
    help="Service catalogue: build and sign it from ehkit.toml, validate it (XSD, rules, broker profiles), "
    "compare two versions, plan a certificate rollover.",
    no_args_is_help=True,
    add_completion=False,
)

EXIT_FINDINGS = 1
EXIT_USAGE = 2

F = TypeVar("F", bound=Callable[..., Any])


def register(app: typer.Typer) -> None:
    """Add the ``catalogue`` command group to the ``ehkit`` app."""
    app.add_typer(catalogue_app, name="catalogue")


# ------------------------------------------------------------------ shared helpers (also used by cli.metadata)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def fail(message: str, reason: str | None = None) -> typer.Exit:
    suffix = f" [dim]({escape(reason)})[/dim]" if reason else ""
    stderr().print(f"[bold red]Error:[/bold red] {escape(message)}{suffix}")
    return typer.Exit(code=EXIT_USAGE)


def friendly_errors(fn: F) -> F:
    """Turn expected failures into one message and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EhkitError as exc:
            raise fail(exc.message, exc.reason) from None
        except FileNotFoundError as exc:
            raise fail(f"file not found: {exc.filename}") from None
        except IsADirectoryError as exc:
            raise fail(f"{exc.filename} is a directory; give a file") from None
        except PermissionError as exc:
            raise fail(f"permission denied: {exc.filename}") from None
        except OSError as exc:
            raise fail(f"{exc.filename or ''}: {exc.strerror or exc}") from None

    return wrapper  # type: ignore[return-value]


def read_input(path: Path) -> bytes:
    if not path.exists():
        raise FileNotFoundError(2, "not found", str(path))
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory", str(path))
    return path.read_bytes()


def parse_moment(value: str | None, option: str) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not an ISO 8601 date-time (write e.g. 2026-03-01T09:00:00+01:00)") from None
    if moment.tzinfo is None:
        raise fail(f"{option} {value!r} has no time zone (add Z or +01:00)")
    return moment


def load_trusted(paths: list[Path] | None) -> list[Any] | None:
    if not paths:
        return None
    from ehkit.pki import load_certificates

    certs: list[Any] = []
    for path in paths:
        certs.extend(load_certificates(path))
    return certs


def load_config_for_cli(path: Path) -> Any:
    """The configuration; the broker's trust files may be missing, these tools never read them.

    ``write_example`` pins the certificate the simulator writes on its first
    start, so building a catalogue before that start must still work. Every
    problem is collected in one pass, so when only ``[broker]`` files are
    missing, all of the DV's own files were found.
    """
    from ehkit.config import load_config
    from ehkit.config.errors import ConfigInvalidError

    try:
        return load_config(path)
    except ConfigInvalidError as exc:
        if not exc.problems or not all(
            p.path.startswith("broker.") and p.message.startswith("file not found") for p in exc.problems
        ):
            raise
        return load_config(path, check_files=False)


def print_report(report: Any, *, as_json: bool) -> None:
    """Findings as a table (people) or JSON (scripts)."""
    if as_json:
        sys.stdout.write(report.to_json() + "\n")
        return
    out = stdout()
    label = f"{report.document} {report.source}"
    if report.profiles:
        label += f" (profiles: {', '.join(report.profiles)})"
    if not report.findings:
        out.print(f"[bold green]OK[/bold green] {escape(label)}: no findings")
    else:
        table = Table(show_lines=False, expand=False)
        table.add_column("severity")
        table.add_column("rule", no_wrap=True)
        table.add_column("where", overflow="fold")
        table.add_column("what", overflow="fold")
        colour = {"error": "red", "warning": "yellow", "info": "blue"}
        for f in report.sorted():
            sev = f.severity.value
            table.add_row(
                f"[{colour[sev]}]{sev}[/{colour[sev]}]",
                escape(f.rule),
                escape(f.path),
                f"{escape(f.message)}\n[dim]source: {escape(f.source)}[/dim]",
            )
        out.print(table)
        verdict = "[bold red]FAILED[/bold red]" if report.errors else "[bold yellow]passed with warnings[/bold yellow]"
        counts = f"{plural(len(report.errors), 'error')}, {plural(len(report.warnings), 'warning')}"
        out.print(f"{verdict} {escape(label)}: {counts}")
    for note in report.notes:
        out.print(f"[dim]note: {escape(note)}[/dim]")


# ------------------------------------------------------------------ commands

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="The ehkit.toml to read.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
ProfileOpt = Annotated[
    list[str] | None,
    typer.Option("--profile", "-p", help="Broker profile(s): kpn, signicat, onewelcome, digidentity. Repeatable."),
]
CertOpt = Annotated[
    list[Path] | None,
    typer.Option("--cert", help="Certificate (PEM/DER) the signature must verify with. Repeatable."),
]


@catalogue_app.command("build")
@friendly_errors
def build_command(
    config: ConfigOpt = Path("ehkit.toml"),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    version_style: Annotated[
        str | None,
        typer.Option(
            "--version-style",
            help="afsprakenstelsel (urn:etoegang:1.13:service-catalogue:T:1) or sequence (urn:etoegang:1.13:1).",
        ),
    ] = None,
    sequence: Annotated[int | None, typer.Option("--sequence", min=1, help="Catalogue sequence number.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="Build as of this moment (ISO 8601); default now.")] = None,
) -> None:
    """Build and sign the service catalogue."""
    from ehkit.catalogue.build import BuildOptions, build_catalogue, write_output

    if version_style is not None and version_style not in ("afsprakenstelsel", "sequence"):
        raise fail(f"--version-style {version_style!r} is unknown (use afsprakenstelsel or sequence)")
    cfg = load_config_for_cli(config)
    moment = parse_moment(at, "--at")
    data = build_catalogue(cfg, at=moment, options=BuildOptions(version_style=version_style, sequence=sequence))
    if output is None:
        sys.stdout.buffer.write(data)
        return
    write_output(output, data)
    stderr().print(
        f"[green]wrote[/green] {escape(str(output))}: {plural(len(cfg.services), 'service')}, version "
        f"{escape(cfg.catalogue.version_urn(style=version_style, sequence=sequence))}"
    )


@catalogue_app.command("validate")
@friendly_errors
def validate_command(
    file: Annotated[Path, typer.Argument(help="The catalogue XML to check.")],
    profile: ProfileOpt = None,
    cert: CertOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a catalogue: XSD, every rule, and the chosen broker profiles. Exit 1 on errors."""
    from ehkit.catalogue.validate import validate_catalogue

    report = validate_catalogue(read_input(file), profiles=profile or (), trusted=load_trusted(cert), source=str(file))
    print_report(report, as_json=as_json)
    if not report.ok:
        raise typer.Exit(code=EXIT_FINDINGS)


def _print_diff(diff: Any) -> None:
    out = stdout()
    if not diff.changed:
        out.print("[bold green]no changes[/bold green]")
        return
    for change in diff.catalogue:
        mark = "[bold red]BREAKING[/bold red] " if change.breaking else ""
        out.print(f"catalogue: {mark}{escape(change.field)}: {escape(str(change.old))} -> {escape(str(change.new))}")
    for service in diff.services:
        if service.status == "unchanged":
            continue
        colour = {"added": "green", "removed": "red", "changed": "yellow"}[service.status]
        head = f"[{colour}]{service.status}[/{colour}] {escape(service.service_id or service.key)}"
        if service.name:
            head += f" ({escape(service.name)})"
        if service.breaking:
            head += " [bold red]BREAKING[/bold red]"
        out.print(head)
        for change in service.changes:
            mark = "[bold red]![/bold red] " if change.breaking else "  "
            line = f"  {mark}{escape(change.field)}: {escape(_short(change.old))} -> {escape(_short(change.new))}"
            if change.note:
                line += f"\n      [dim]{escape(change.note)}[/dim]"
            out.print(line)
    verdict = "[bold red]breaking changes[/bold red]" if diff.breaking else "[green]no breaking changes[/green]"
    out.print(verdict)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


@catalogue_app.command("diff")
@friendly_errors
def diff_command(
    old: Annotated[Path, typer.Argument(help="The catalogue now registered.")],
    new: Annotated[Path, typer.Argument(help="The catalogue you want to send.")],
    as_json: JsonOpt = False,
    fail_on_breaking: Annotated[bool, typer.Option("--fail-on-breaking", help="Exit 1 on breaking changes.")] = False,
) -> None:
    """What changed per service, and which changes brokers treat as breaking."""
    from ehkit.catalogue.diff import diff_catalogues

    diff = diff_catalogues(read_input(old), read_input(new))
    if as_json:
        sys.stdout.write(diff.to_json() + "\n")
    else:
        _print_diff(diff)
    if fail_on_breaking and diff.breaking:
        raise typer.Exit(code=EXIT_FINDINGS)


@catalogue_app.command("rollover")
@friendly_errors
def rollover_command(
    config: ConfigOpt = Path("ehkit.toml"),
    out: Annotated[Path | None, typer.Option("--out", help="Write the documents for every moment here.")] = None,
    now: Annotated[str | None, typer.Option("--now", help="Plan as of this moment (ISO 8601); default now.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Explain what to publish when for the configured [keys.next], and write those files."""
    from ehkit.catalogue.rollover import plan_rollover, write_rollover

    cfg = load_config_for_cli(config)
    steps = plan_rollover(cfg, now=parse_moment(now, "--now"))
    written = write_rollover(steps, out) if out is not None else None
    if as_json:
        sys.stdout.write(json.dumps([s.as_dict(written) for s in steps], indent=2) + "\n")
        return
    console = stdout()
    for number, step in enumerate(steps, start=1):
        when = step.when.isoformat() if step.when else "after the broker confirms"
        console.print(f"[bold]{number}. {escape(step.title)}[/bold] [dim]({escape(when)})[/dim]")
        console.print(f"   {escape(step.explanation)}")
        for cert in step.certificates:
            console.print(f"   certificate {escape(cert)}")
        for name in step.files:
            target = written[name] if written else name
            console.print(f"   [green]{'wrote' if written else 'file'}[/green] {escape(str(target))}")
    if out is None:
        console.print("[dim]pass --out DIR to write these files[/dim]")


@catalogue_app.command("rules")
def rules_command(as_json: JsonOpt = False) -> None:
    """List every rule with its severity, what it checks and its source."""
    import ehkit.catalogue.rules  # noqa: F401  (registers the rules)
    from ehkit.catalogue.findings import REGISTRY

    rules = REGISTRY.all_rules()
    if as_json:
        sys.stdout.write(json.dumps([r.__dict__ | {"severity": r.severity.value} for r in rules], indent=2) + "\n")
        return
    table = Table()
    for column in ("rule", "severity", "document", "profile", "checks", "source"):
        table.add_column(column, overflow="fold")
    for r in rules:
        table.add_row(r.id, r.severity.value, r.document, r.profile or "", escape(r.checks), escape(r.source))
    stdout().print(table)
