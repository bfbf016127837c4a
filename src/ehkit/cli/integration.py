"""``ehkit integration``: set up, check and serve the documents of a Django, Flask or FastAPI integration.

The same tasks as ``manage.py ehkit`` and ``flask ehkit``, for any framework
(FastAPI and Starlette have no command line of their own). The settings come
from ``--app module:attribute`` (an ``EHerkenning`` instance, a Flask app, or
a FastAPI/Starlette app whose module holds one) or from ``--config`` (plus
``EHKIT_CONFIG``), so overrides such as ``ACS_URL`` count as they do at run time.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ehkit.cli.catalogue import fail, friendly_errors, stderr

integration_app = typer.Typer(
    name="integration",
    help="Framework integrations: write a test set-up, check the configuration, print SP metadata, "
    "refresh the broker metadata.",
    no_args_is_help=True,
    add_completion=False,
)

AppOpt = Annotated[
    str | None,
    typer.Option("--app", "-a", help="module:attribute of your EHerkenning instance or application (e.g. app:eh)."),
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="The ehkit.toml (default: EHKIT_CONFIG).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    """Add the ``integration`` command group to the ``ehkit`` app."""
    app.add_typer(integration_app, name="integration")


def _import(target: str) -> tuple[Any, Any]:
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise fail(f"--app {target!r} must be module:attribute, e.g. app:eh")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise fail(f"--app: cannot import {module_name!r} ({exc})") from None
    try:
        return module, getattr(module, attr)
    except AttributeError:
        raise fail(f"--app: {module_name} has no attribute {attr!r}") from None


def resolve(app: str | None, config: Path | None) -> tuple[Callable[[], Any], str | None]:
    """(a settings builder, the mounted ACS path when the application tells it)."""
    from ehkit.integrations.base import IntegrationSettings

    if app is None:
        values = {"CONFIG": str(config)} if config is not None else {}
        return (
            lambda: IntegrationSettings.from_mapping(
                values, label=lambda key: f"--{key.lower()}", source="the command line"
            ),
            None,
        )
    module, obj = _import(app)
    flask_app = _flask_app(obj)
    if flask_app is not None:
        from ehkit.integrations.flask import settings_from

        with flask_app.test_request_context():
            import flask

            acs = flask.url_for("ehkit.acs") if "ehkit" in flask_app.blueprints else None
        return (lambda: settings_from(flask_app)), acs
    from ehkit.integrations.starlette import EHerkenning

    eh = (
        obj
        if isinstance(obj, EHerkenning)
        else next((v for v in vars(module).values() if isinstance(v, EHerkenning)), None)
    )
    if eh is None:
        raise fail(f"--app {app}: found no EHerkenning instance (point --app at it, e.g. {module.__name__}:eh)")
    acs = None
    url_path_for = getattr(obj, "url_path_for", None)
    if callable(url_path_for):
        try:
            acs = str(url_path_for(eh.route_prefix + "acs"))
        except Exception:  # noqa: BLE001 - not mounted under that name: no route check
            acs = None
    return eh.settings, acs


def callback_route(app: str) -> str | None:
    """The mounted OIDC callback path of ``--app`` (None when the application does not tell it)."""
    _, obj = _import(app)
    flask_app = _flask_app(obj)
    if flask_app is not None:
        if "ehkit" not in flask_app.blueprints:
            return None
        with flask_app.test_request_context():
            import flask

            return str(flask.url_for("ehkit.oidc_callback"))
    from ehkit.integrations.starlette import EHerkenning

    url_path_for = getattr(obj, "url_path_for", None)
    if not callable(url_path_for):
        return None
    try:
        return str(url_path_for(EHerkenning.route_prefix + "oidc_callback"))
    except Exception:  # noqa: BLE001 - not mounted under that name: no route check
        return None


def _flask_app(obj: Any) -> Any:
    try:
        from flask import Flask
    except ImportError:
        return None
    return obj if isinstance(obj, Flask) else None


@integration_app.command("init")
@friendly_errors
def init_command(
    directory: Annotated[
        Path, typer.Option("--dir", "-d", help="Where to write ehkit.toml, keys/ and .broker/.")
    ] = Path(),
    site_url: Annotated[str, typer.Option("--site-url", help="Your application's address.")] = "http://127.0.0.1:8000",
    prefix: Annotated[str, typer.Option("--prefix", help="Where the integration is mounted.")] = "/eherkenning",
    broker_url: Annotated[str, typer.Option("--broker-url", help="The simulator's address.")] = "http://127.0.0.1:8801",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing ehkit.toml and its test keys.")] = False,
) -> None:
    """Write a TEST set-up for logging in through `ehkit broker serve`: test keys, broker keys, ehkit.toml."""
    from ehkit.integrations.base.testsetup import write_test_setup

    with stderr().status("Test keys and configuration…"):
        setup = write_test_setup(directory, site_url=site_url, prefix=prefix, broker_url=broker_url, force=force)
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"[green]wrote[/green] {escape(str(setup.config))} (ACS {escape(setup.acs_url)}), keys/ and .broker/")
    out.print("[yellow]TEST ONLY: these keys come from a throw-away test CA.[/yellow]")
    out.print(f"Next, in {escape(str(setup.directory))}: start the simulator with")
    out.print(f"  {escape(setup.broker_command)}")
    out.print("and your application; then log in as anna (password test).")


@integration_app.command("check")
@friendly_errors
def check_command(
    app: AppOpt = None,
    config: ConfigOpt = None,
    acs_path: Annotated[str | None, typer.Option("--acs-path", help="The ACS path your application mounts.")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Skip the broker metadata and state store.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate settings, ehkit.toml, keys and routes; fetch the broker metadata; try the state store. Exit 1 on errors."""
    from ehkit.integrations.base.checks import failed, run_checks

    build, found_acs = resolve(app, config)
    callback = callback_route(app) if app is not None else None
    findings = run_checks(build, acs_route=acs_path or found_acs, offline=offline, callback_route=callback)
    if as_json:
        sys.stdout.write(
            json.dumps({"ok": not failed(findings), "findings": [f.as_dict() for f in findings]}, indent=2) + "\n"
        )
    else:
        table = Table(show_header=True)
        for column in ("", "check", "what", "result"):
            table.add_column(column, overflow="fold")
        marks = {"ok": "[green]ok[/green]", "warning": "[yellow]warning[/yellow]", "error": "[red]error[/red]"}
        for f in findings:
            table.add_row(marks[f.level], f.check, escape(f.field), escape(f.message))
        console = Console(highlight=False, soft_wrap=True)
        console.print(table)
        console.print("[bold red]FAILED[/bold red]" if failed(findings) else "[bold green]OK[/bold green]")
    if failed(findings):
        raise typer.Exit(code=1)


@integration_app.command("metadata")
@friendly_errors
def metadata_command(
    app: AppOpt = None,
    config: ConfigOpt = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help="Only this service group.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="A directory: metadata-<group>.xml per group.")
    ] = None,
) -> None:
    """Print (or write) the signed SP metadata as the running application publishes it (overrides applied)."""
    from ehkit.catalogue.build import write_output
    from ehkit.integrations.base.checks import sp_metadata

    build, _ = resolve(app, config)
    docs = sp_metadata(build().load_config(), group)
    if output is None:
        for data in docs.values():
            sys.stdout.buffer.write(data)
        return
    output.mkdir(parents=True, exist_ok=True)
    for name, data in docs.items():
        write_output(output / f"metadata-{name}.xml", data)
        stderr().print(f"[green]wrote[/green] {escape(str(output / f'metadata-{name}.xml'))}")


@integration_app.command("refresh-metadata")
@friendly_errors
def refresh_command(
    app: AppOpt = None,
    config: ConfigOpt = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Fetch from here and, after verifying, replace broker.metadata_file.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch the broker metadata and verify it against the configured trust (pinned certificates or CA + OIN)."""
    from ehkit.integrations.base.checks import refresh_metadata

    build, _ = resolve(app, config)
    result = refresh_metadata(build().load_config(), url=url)
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), indent=2) + "\n")
        return
    console = Console(highlight=False, soft_wrap=True)
    until = f"{result.valid_until:%Y-%m-%d %H:%M} UTC" if result.valid_until else "no validUntil"
    console.print(
        f"[green]verified[/green] {escape(result.entity_id)} from {escape(result.source)}: "
        f"{result.signing_certificates} signing certificate(s), valid until {until}"
    )
    if result.written_to:
        console.print(f"[green]wrote[/green] {escape(str(result.written_to))}")
