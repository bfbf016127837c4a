"""``ehkit broker``: run the broker simulator, list its test data.

A DV developer's first question is "where do I point my SAML stack, and who
can I log in as?"; ``serve`` answers both before it starts listening.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ehkit.cli.help import HelpGroup
from ehkit.errors import EhkitError

if TYPE_CHECKING:
    from ehkit.broker.data import TestData

broker_app = typer.Typer(
    cls=HelpGroup,
    name="broker",
    help="The eHerkenning broker simulator: an HM with AD and MR behind it, test data and scenarios.",
    no_args_is_help=True,
    add_completion=False,
)


def register(app: typer.Typer) -> None:
    """Add the ``broker`` command group to the ``ehkit`` app."""
    app.add_typer(broker_app, name="broker")


def _fail(error: Exception) -> typer.Exit:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    reason = f" [dim]({escape(error.reason)})[/dim]" if isinstance(error, EhkitError) else ""
    err.print(f"[bold red]Error:[/bold red] {escape(str(error))}{reason}")
    return typer.Exit(code=1)


def persona_table(data: TestData, *, title: str = "Test persons (password: test)") -> Table:
    table = Table(title=title, show_lines=False)
    for column in ("id", "name", "login means", "may act for"):
        table.add_column(column, overflow="fold")  # identifiers and UUIDs whole, never cut with "…"
    for p in data.persons:
        means = ", ".join(f"{m.ad} {m.loa.label}" for m in p.means)
        auths = (
            "; ".join(
                f"{a.company}{f' ({a.vestiging})' if a.vestiging else ''}"
                f"{f' via {a.via} (chain authorisation)' if a.via else ''}"
                f"{'' if a.services == ['*'] else ' [' + ', '.join(a.services) + ']'}"
                for a in p.authorisations
            )
            or "— (not authorised)"
        )
        table.add_row(p.id, p.display_name, means, auths)
    for e in data.eidas_persons:
        table.add_row(e.id, f"{e.display_name} ({e.country})", f"eidas {e.loa.label}", "— (eIDAS, acts for self)")
    return table


@broker_app.command("personas")
def personas(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Test data YAML (default: the packaged set).", dir_okay=False, show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole test data as JSON.")] = False,
) -> None:
    """List the test persons, companies and authorisations."""
    from ehkit.broker.data import load_test_data

    try:
        test_data = load_test_data(data)
    except EhkitError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(test_data.summary(), indent=2, ensure_ascii=False))
        return
    console = Console(highlight=False)
    console.print(persona_table(test_data))
    companies = Table(title="Companies")
    for column in ("id", "name", "KvK", "RSIN / BSN", "vestigingen"):
        companies.add_column(column, overflow="fold")
    for c in test_data.companies:
        companies.add_row(
            c.id, c.name, c.kvk, c.rsin or (f"BSN {c.bsn}" if c.bsn else ""), ", ".join(v.number for v in c.vestigingen)
        )
    console.print(companies)


@broker_app.command("scenarios")
def scenarios(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the scenarios (fault injection) and the SP reason each should produce."""
    from ehkit.broker.scenarios import SCENARIOS, catalogue

    if as_json:
        typer.echo(json.dumps(catalogue(), indent=2))
        return
    table = Table(title="Scenarios")
    for column in ("id", "what", "expected SP reason"):
        table.add_column(column)
    for s in SCENARIOS:
        table.add_row(s.id, s.description, s.expected_reason or "accept")
    Console(highlight=False).print(table)


@broker_app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8801,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Test data YAML (default: the packaged set).", dir_okay=False, show_default=False),
    ] = None,
    dv_metadata: Annotated[
        list[str] | None,
        typer.Option("--dv-metadata", help="A DV's SP metadata (file or URL); repeatable.", show_default=False),
    ] = None,
    dv_catalogue: Annotated[
        list[str] | None,
        typer.Option(
            "--dv-catalogue", help="A service catalogue (file or URL) for those DVs; repeatable.", show_default=False
        ),
    ] = None,
    config: Annotated[
        list[Path] | None,
        typer.Option(
            "--config", "-c", help="An ehkit.toml whose DV to serve; repeatable.", dir_okay=False, show_default=False
        ),
    ] = None,
    oidc_client: Annotated[
        list[Path] | None,
        typer.Option(
            "--oidc-client",
            help="OpenID Connect clients ([[clients]] tables, see docs/oidc.md); repeatable.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="External URL of the simulator (default: from host and port).", show_default=False
        ),
    ] = None,
    state_dir: Annotated[
        Path | None,
        typer.Option(
            "--state",
            "--state-dir",
            help="Keep the CA and keys here (keys/hm.crt is the certificate to pin), so they survive restarts.",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    hm_entity_id: Annotated[
        str | None, typer.Option("--hm-entity-id", help="The simulated broker's EntityID.", show_default=False)
    ] = None,
    tls_cert: Annotated[
        Path | None,
        typer.Option("--tls-cert", help="Serve HTTPS with this certificate (PEM).", dir_okay=False, show_default=False),
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="The key of --tls-cert.", dir_okay=False, show_default=False)
    ] = None,
    tls_client_ca: Annotated[
        Path | None,
        typer.Option(
            "--tls-client-ca",
            help="Ask DVs for a TLS client certificate from this CA and check it at artifact resolution.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    client_cert_header: Annotated[
        str | None,
        typer.Option(
            "--client-cert-header",
            help="Header a TLS-terminating proxy puts the client certificate in (URL-encoded PEM).",
            show_default=False,
        ),
    ] = None,
    slow_seconds: Annotated[
        float, typer.Option("--slow-resolution-seconds", help="Delay of the slow_resolution scenario.", min=0)
    ] = 15.0,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
) -> None:
    """Run the broker simulator (an eHerkenning HM with AD and MR) on HTTP or HTTPS."""
    import uvicorn

    from ehkit.broker import DEFAULT_HM_ENTITY_ID, BrokerSettings, create_app
    from ehkit.broker.tls import uvicorn_config

    if (tls_cert is None) != (tls_key is None):
        raise typer.BadParameter("give --tls-cert and --tls-key together", param_hint="'--tls-cert'")
    if tls_client_ca is not None and tls_cert is None:
        raise typer.BadParameter(
            "--tls-client-ca needs --tls-cert/--tls-key (client certificates need TLS)", param_hint="'--tls-client-ca'"
        )
    scheme = "https" if tls_cert else "http"
    settings = BrokerSettings(
        base_url=base_url or f"{scheme}://{host}:{port}",
        hm_entity_id=hm_entity_id or DEFAULT_HM_ENTITY_ID,
        data_file=data,
        dv_metadata=list(dv_metadata or []),
        dv_catalogues=list(dv_catalogue or []),
        config_files=list(config or []),
        oidc_client_files=list(oidc_client or []),
        state_dir=state_dir,
        client_cert_policy="require" if tls_client_ca else "auto",
        client_cert_header=client_cert_header,
        slow_resolution_seconds=slow_seconds,
    )
    try:
        app = create_app(settings)
    except (EhkitError, ValueError, OSError) as exc:
        raise _fail(exc) from None
    broker = app.state.broker
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"[bold green]{escape(settings.hm_name)}[/bold green]  {escape(settings.hm_entity_id)}")
    console.print(f"  Metadata        {escape(settings.metadata_url)}")
    console.print(f"  Signing cert    {escape(settings.metadata_url)}/signing.pem  (KeyName {broker.keys.hm.key_name})")
    console.print(f"  SSO             {escape(settings.sso_url)}")
    console.print(f"  Artifact res.   {escape(settings.ars_url)}")
    console.print(f"  JSON API        {escape(settings.base_url)}/api/login, /api/personas, /api/scenarios")
    if broker.oidc is not None:
        console.print(
            f"  OpenID provider {escape(settings.oidc_issuer)}  (discovery: /.well-known/openid-configuration)"
        )
        for client in broker.oidc.clients.all():
            console.print(f"    client {escape(client.client_id)}: {escape(client.profile.name)}, {client.auth_method}")
    if state_dir is None:
        console.print(
            "  [yellow]Keys are new on every start; pass --state DIR to keep the metadata certificate.[/yellow]"
        )
    dvs = broker.registry.all()
    if not dvs:
        console.print(
            "  [yellow]No DV loaded: pass --config ehkit.toml, or --dv-metadata (and --dv-catalogue), or POST /api/dvs.[/yellow]"
        )
    for dv in dvs:
        services = ", ".join(
            f"{s.index}:{s.name('nl')} ({s.loa.label})" for s in sorted(dv.services.values(), key=lambda s: s.index)
        )
        console.print(f"  DV {escape(dv.entity_id)}: {escape(services)}")
        for warning in dv.warnings:
            console.print(f"    [yellow]warning: {escape(warning)}[/yellow]")
    console.print(persona_table(broker.data))
    uvicorn.Server(
        uvicorn_config(
            app,
            host=host,
            port=port,
            tls_cert=tls_cert,
            tls_key=tls_key,
            tls_client_ca=tls_client_ca,
            log_level=log_level,
        )
    ).run()
