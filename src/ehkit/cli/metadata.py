"""``ehkit metadata``: build the signed SP metadata per service group, validate SP metadata, and
refresh the broker's (HM) metadata from cron."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ehkit.cli.catalogue import (
    EXIT_FINDINGS,
    CertOpt,
    ConfigOpt,
    JsonOpt,
    ProfileOpt,
    fail,
    friendly_errors,
    load_config_for_cli,
    load_trusted,
    parse_moment,
    print_report,
    read_input,
    stderr,
)
from ehkit.cli.help import HelpGroup

metadata_app = typer.Typer(
    cls=HelpGroup,
    name="metadata",
    help="SP metadata: build one signed EntityDescriptor per service group, validate it against the XSD, "
    "the AS 1.24a rules and broker profiles; refresh the broker's metadata (for cron).",
    no_args_is_help=True,
    add_completion=False,
)


def register(app: typer.Typer) -> None:
    """Add the ``metadata`` command group to the ``ehkit`` app."""
    app.add_typer(metadata_app, name="metadata")


@metadata_app.command("build")
@friendly_errors
def build_command(
    config: ConfigOpt = Path("ehkit.toml"),
    group: Annotated[str | None, typer.Option("--group", "-g", help="Only this service group.")] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="A file (one group) or a directory (metadata-<group>.xml per group)."),
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="Build as of this moment (ISO 8601); default now.")] = None,
) -> None:
    """Build and sign SP metadata (the certificate is chosen by the rollover schedule at --at)."""
    from ehkit.catalogue.build import write_output
    from ehkit.catalogue.sp_metadata import build_sp_metadata

    cfg = load_config_for_cli(config)
    moment = parse_moment(at, "--at")
    groups = [cfg.service_group(group)] if group else list(cfg.service_groups())
    documents = {g.name: build_sp_metadata(cfg, g, moment) for g in groups}

    if output is None:
        if len(documents) > 1:
            names = ", ".join(documents)
            raise fail(
                f"the configuration has {len(documents)} service groups ({names}); pass --group NAME or "
                "-o DIR to write one file per group"
            )
        sys.stdout.buffer.write(next(iter(documents.values())))
        return
    as_directory = len(documents) > 1 or output.is_dir() or str(output).endswith(("/", "\\"))
    for name, data in documents.items():
        target = output / f"metadata-{name}.xml" if as_directory else output
        if as_directory:
            output.mkdir(parents=True, exist_ok=True)
        write_output(target, data)
        stderr().print(f"[green]wrote[/green] {escape(str(target))} (group {escape(name)})")


@metadata_app.command("validate")
@friendly_errors
def validate_command(
    file: Annotated[Path, typer.Argument(help="The SP metadata XML to check.")],
    profile: ProfileOpt = None,
    cert: CertOpt = None,
    catalogue: Annotated[
        Path | None, typer.Option("--catalogue", help="The catalogue, so eIDAS services can be recognised.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check SP metadata: XSD, AS 1.24a rules as brokers apply them, broker profiles. Exit 1 on errors."""
    from ehkit.catalogue.validate import validate_sp_metadata

    report = validate_sp_metadata(
        read_input(file),
        profiles=profile or (),
        trusted=load_trusted(cert),
        catalogue=read_input(catalogue) if catalogue is not None else None,
        source=str(file),
    )
    print_report(report, as_json=as_json)
    if not report.ok:
        raise typer.Exit(code=EXIT_FINDINGS)


@metadata_app.command("refresh")
@friendly_errors
def refresh_command(
    config: ConfigOpt = Path("ehkit.toml"),
    url: Annotated[
        str | None,
        typer.Option(
            "--url", help="Fetch from this URL; with broker.metadata_file the file is replaced once verified."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch and verify the broker (HM) metadata once, for cron; record the outcome for `ehkit doctor`.

    Exit 0 when the metadata verified, 1 when the refresh failed (the last good copy stays), 2 on a usage
    or configuration error.
    """
    import json

    from ehkit.config import load_config
    from ehkit.ops.refresh import run_refresh, status_path
    from ehkit.saml.timefmt import utcnow

    cfg = load_config(config)
    record, _ = run_refresh(cfg, now=utcnow(), url=url)
    if as_json:
        sys.stdout.write(json.dumps({**record.as_dict(), "status_file": str(status_path(cfg))}, indent=2) + "\n")
    elif record.ok:
        until = f", valid until {record.valid_until:%Y-%m-%d %H:%M} UTC" if record.valid_until else ""
        written = f"; wrote {record.written_to}" if record.written_to else ""
        stderr().print(
            f"[green]refreshed[/green] {escape(record.source)}: {record.signing_certificates} signing "
            f"certificate(s){escape(until)}{escape(written)}"
        )
    else:
        stderr().print(
            f"[bold red]refresh failed:[/bold red] {escape(record.message or '')} [dim]({escape(record.reason or '')})"
            "[/dim]; the last good copy stays in use"
        )
    if not record.ok:
        raise typer.Exit(code=EXIT_FINDINGS)
