"""``ehkit conformance``: test a DV against the eHerkenning interface and write the report.

``run`` exits 0 when every mandatory check passed, 1 when one failed, 2 when
the run could not start (bad configuration, unreadable input, port in use).
People get a progress bar and a table; scripts pass ``--json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ehkit.errors import EhkitError

conformance_app = typer.Typer(
    name="conformance",
    help="Test any DV against the eHerkenning DV-HM interface through the broker simulator; "
    "write an HTML, JSON and JUnit report.",
    no_args_is_help=True,
    add_completion=False,
)

EXIT_FAILED = 1
EXIT_USAGE = 2
DEFAULT_OUT = Path("conformance-report")
_STATUS_STYLE = {"passed": "green", "failed": "bold red", "manual": "yellow", "skipped": "dim"}


def register(app: typer.Typer) -> None:
    """Add the ``conformance`` command group to the ``ehkit`` app."""
    app.add_typer(conformance_app, name="conformance")


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, reason: str | None = None) -> typer.Exit:
    suffix = f" [dim]({escape(reason)})[/dim]" if reason else ""
    _stderr().print(f"[bold red]Error:[/bold red] {escape(message)}{suffix}")
    return typer.Exit(code=EXIT_USAGE)


def _ids(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _build_config(
    *,
    config: Path | None,
    metadata: list[str] | None,
    catalogue: str | None,
    login_url: str | None,
    success_url: str | None,
    success_text: str | None,
    identity_url: str | None,
    out: Path | None,
    only: list[str] | None,
    skip: list[str] | None,
    state: Path | None,
    broker_url: str | None,
    tls: bool | None,
    profiles: list[str] | None,
    trusted_ca: list[Path] | None,
    timeout: float | None,
    dv_ca: Path | None = None,
) -> Any:
    from ehkit.conformance.config import ConformanceConfig, read_config_file

    data: dict[str, Any] = read_config_file(config) if config is not None else {}
    base = config.resolve().parent if config is not None else Path.cwd()
    if metadata:
        data["metadata"] = [_absolute(m) for m in metadata]
    if catalogue:
        data["catalogue"] = _absolute(catalogue)
    if login_url or success_url or success_text or identity_url:
        login = {
            "login_url": login_url,
            "success_url": success_url,
            "success_text": success_text,
            "identity_url": identity_url,
        }
        data["logins"] = [{k: v for k, v in login.items() if v is not None}]
    simulator = dict(data.get("simulator") or {})
    if state is not None:
        simulator["state"] = str(state.resolve())
    if broker_url is not None:
        simulator["base_url"] = broker_url
    if tls is not None:
        simulator["tls"] = tls
    if simulator:
        data["simulator"] = simulator
    for key, value in (("out", str(out.resolve()) if out else None), ("only", _ids(only)), ("skip", _ids(skip))):
        if value is not None:
            data[key] = value
    if profiles:
        data["profiles"] = _ids(profiles)
    if trusted_ca:
        data["trusted_ca"] = [str(p.resolve()) for p in trusted_ca]
    if timeout is not None:
        data["timeout"] = timeout
    if dv_ca is not None:
        data["dv_ca"] = str(dv_ca.resolve())
    source = str(config) if config is not None else "the command line"
    return ConformanceConfig.from_data(data, source=source).resolved(base)


def _absolute(source: str) -> str:
    return source if source.startswith(("http://", "https://")) else str(Path(source).expanduser().resolve())


@conformance_app.command("run")
def run_command(
    metadata: Annotated[
        list[str] | None,
        typer.Option(
            "--metadata",
            "-m",
            help="The DV's SP metadata (file or URL); repeat for each EntityDescriptor.",
            show_default=False,
        ),
    ] = None,
    catalogue: Annotated[
        str | None, typer.Option("--catalogue", help="The DV's service catalogue (file or URL).", show_default=False)
    ] = None,
    login_url: Annotated[
        str | None, typer.Option("--login-url", help="The URL that starts a login for a service.", show_default=False)
    ] = None,
    success_url: Annotated[
        str | None,
        typer.Option("--success-url", help="A URL that answers 2xx only when logged in.", show_default=False),
    ] = None,
    success_text: Annotated[
        str | None,
        typer.Option("--success-text", help="A text on the landing page only after a login.", show_default=False),
    ] = None,
    identity_url: Annotated[
        str | None,
        typer.Option(
            "--identity-url", help="A page that shows what the DV read (KvK number, vestiging).", show_default=False
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="A conformance configuration (TOML or YAML); flags override it.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Directory for report.html, report.json and report.junit.xml [default: conformance-report].",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Run only these check ids (comma-separated; patterns like REFUSE-*).", show_default=False
        ),
    ] = None,
    skip: Annotated[
        list[str] | None,
        typer.Option("--skip", help="Leave out these check ids (comma-separated; patterns).", show_default=False),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            help="Keep the simulator's keys here, so the DV trusts it across runs.",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    broker_url: Annotated[
        str | None,
        typer.Option(
            "--broker-url",
            help="The simulator's URL (scheme://host:port); default: a free port on 127.0.0.1.",
            show_default=False,
        ),
    ] = None,
    tls: Annotated[
        bool | None,
        typer.Option(
            "--tls/--no-tls",
            help="Serve the simulator over HTTPS and check the DV's TLS client certificate.",
            show_default=False,
        ),
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            help="Your broker's profile (kpn, signicat, onewelcome, digidentity): its rules become mandatory.",
            show_default=False,
        ),
    ] = None,
    trusted_ca: Annotated[
        list[Path] | None,
        typer.Option(
            "--trusted-ca",
            help="PEM with the root (and intermediate) the DV certificates must chain to.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout", help="Seconds to wait for each answer of the DV [default: 20].", min=0.1, show_default=False
        ),
    ] = None,
    dv_ca: Annotated[
        Path | None,
        typer.Option(
            "--dv-ca",
            help="CA certificate (PEM) for the DV's own HTTPS, if not in the system store.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON on stdout.")] = False,
) -> None:
    """Run the conformance checks against a DV and write the report."""
    from ehkit.conformance import run, write_reports
    from ehkit.conformance.runner import ProgressEvent

    try:
        cfg = _build_config(
            config=config,
            metadata=metadata,
            catalogue=catalogue,
            login_url=login_url,
            success_url=success_url,
            success_text=success_text,
            identity_url=identity_url,
            out=out,
            only=only,
            skip=skip,
            state=state,
            broker_url=broker_url,
            tls=tls,
            profiles=profile,
            trusted_ca=trusted_ca,
            timeout=timeout,
            dv_ca=dv_ca,
        )
    except EhkitError as exc:
        raise _fail(exc.message, exc.reason) from None
    err = _stderr()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("static checks", total=None)

        def progress(event: ProgressEvent) -> None:
            if event.kind == "simulator":
                info = event.info
                bar.console.print(
                    f"Simulator {escape(str(info.get('base_url')))}  metadata {escape(str(info.get('metadata_url')))}"
                    + (f"  KeyName {escape(str(info['signing_key_name']))}" if info.get("signing_key_name") else "")
                )
            description = f"checking {event.check_id}" if event.check_id else "static checks"
            if event.kind == "done":
                description = "writing the report"
            bar.update(task, total=event.total, completed=event.done, description=description)

        try:
            report = run(cfg, progress=progress)
        except EhkitError as exc:
            raise _fail(exc.message, exc.reason) from None
    target = cfg.out or DEFAULT_OUT.resolve()
    try:
        written = write_reports(report, target)
    except OSError as exc:
        raise _fail(f"cannot write the report into {target}: {exc.strerror or exc}") from None
    if as_json:
        typer.echo(report.to_json())
    else:
        _print_table(report)
        console = Console(highlight=False, soft_wrap=True)
        for fmt, path in written.items():
            console.print(f"[dim]{fmt:>5}[/dim] {escape(str(path))}")
        style = "green" if report.ok else "bold red"
        console.print(f"[{style}]{escape(report.summary_line())}[/{style}]")
    if as_json:
        err.print(report.summary_line())
    if not report.ok:
        raise typer.Exit(code=EXIT_FAILED)


def _print_table(report: Any) -> None:
    """Counts per category, then every check that did not simply pass (the HTML report has them all)."""
    from ehkit.conformance.report import Status

    console = Console(highlight=False)
    counts = Table(title="eHerkenning conformance", show_edge=False)
    counts.add_column("category")
    for status in Status:
        counts.add_column(status.value, justify="right")
    for category, results in report.by_category():
        cells = []
        for status in Status:
            n = sum(r.status is status for r in results)
            style = _STATUS_STYLE[status.value] if n and status is not Status.PASSED else ""
            cells.append(f"[{style}]{n}[/{style}]" if style else str(n))
        counts.add_row(category.heading, *cells)
    console.print(counts)
    rest = [r for r in report.results if r.status is not Status.PASSED]
    if not rest:
        return
    table = Table(title="Not passed", show_lines=False)
    for column in ("status", "check", "severity", "result"):
        table.add_column(column)
    order = {Status.FAILED: 0, Status.MANUAL: 1, Status.SKIPPED: 2}
    for r in sorted(rest, key=lambda r: (order[r.status], r.severity.value)):
        style = _STATUS_STYLE[r.status.value]
        table.add_row(
            f"[{style}]{r.status.value}[/{style}]",
            escape(f"{r.check.id}  {r.check.title}"),
            r.severity.value,
            escape(r.summary[:300]),
        )
    console.print(table)


@conformance_app.command("checks")
def checks_command(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List every check: id, severity, title, the rule and its source."""
    from ehkit.conformance import CHECKS

    if as_json:
        typer.echo(json.dumps([c.as_dict() for c in CHECKS.values()], indent=2, ensure_ascii=False))
        return
    table = Table(title="Conformance checks")
    for column in ("id", "category", "severity", "what"):
        table.add_column(column)
    for c in CHECKS.values():
        table.add_row(c.id, c.category.value, c.severity.value, escape(c.title))
    Console(highlight=False).print(table)
