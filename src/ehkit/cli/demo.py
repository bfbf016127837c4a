"""``ehkit demo``: log in with eHerkenning at a sample municipality, no contract needed."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        directory: Path = typer.Option(
            Path("ehkit-demo"), "--dir", help="Working folder for keys, configuration and state (reused)."
        ),
        host: str = typer.Option("127.0.0.1", "--host", help="Loopback address to listen on."),
        portal_port: int = typer.Option(8800, "--portal-port", min=1, max=65535, help="Port of the sample portal."),
        broker_port: int = typer.Option(8801, "--broker-port", min=1, max=65535, help="Port of the broker simulator."),
    ) -> None:
        """Start the broker simulator and the sample portal "Gemeente Voorbeeldstad"."""
        from ehkit.demo.runner import start
        from ehkit.errors import EhkitError

        console = Console()
        with console.status("Test-PKI, configuratie en simulator voorbereiden…"):
            try:
                running = start(directory, host=host, portal_port=portal_port, broker_port=broker_port)
            except (EhkitError, RuntimeError, OSError) as exc:
                console.print(f"[red]Kan de demo niet starten:[/red] {exc}")
                raise typer.Exit(2) from None
        table = Table(title="ehkit demo — eHerkenning zonder contract", show_header=False, title_justify="left")
        table.add_row(
            "[bold]Portaal[/bold]",
            running.portal_url,
            "Gemeente Voorbeeldstad: kies een dienst en log in met eHerkenning",
        )
        table.add_row(
            "[bold]Simulator[/bold]",
            running.broker_url,
            "de herkenningsmakelaar met testpersonen, bedrijven en foutscenario's",
        )
        table.add_row(
            "[bold]Metadata[/bold]",
            running.broker_url + "/broker/metadata/1.13",
            "ondertekende HM-metadata voor uw eigen SAML-stack",
        )
        table.add_row("[bold]Map[/bold]", str(running.paths.root), "ehkit.toml, sleutels en status (blijft bewaard)")
        console.print(table)
        console.print(
            "Open het portaal in uw browser. Wachtwoord bij elke testpersoon: [bold]test[/bold]. Stoppen: Ctrl-C."
        )
        try:
            while all(th.is_alive() for th in running.threads):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            console.print("Stoppen…")
            running.stop()
            console.print("Gestopt.")
