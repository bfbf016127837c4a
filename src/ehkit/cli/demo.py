"""``ehkit demo``: log in with eHerkenning at a sample municipality, no contract needed.

The console says where everything is (whole URLs, never shortened: people copy
them from narrow terminals and CI logs) and then prints one readable line per
login. ``--log-json`` (or ``EHKIT_LOG_JSON=1``) prints the SP's audit events as
JSON lines instead, for piping into a log tool.
"""

from __future__ import annotations

import enum
import logging
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

TEXTS: dict[str, tuple[str, str]] = {
    "preparing": (
        "Preparing the test PKI, configuration and simulator…",
        "Test-PKI, configuratie en simulator voorbereiden…",
    ),
    "cannot_start": ("Cannot start the demo:", "Kan de demo niet starten:"),
    "title": ("ehkit demo: eHerkenning without a contract", "ehkit demo: eHerkenning zonder contract"),
    "portal": ("Portal", "Portaal"),
    "portal_hint": (
        "Gemeente Voorbeeldstad: pick a service and log in with eHerkenning",
        "Gemeente Voorbeeldstad: kies een dienst en log in met eHerkenning",
    ),
    "simulator": ("Simulator", "Simulator"),
    "simulator_hint": (
        "the broker with test persons, companies and fault scenarios",
        "de herkenningsmakelaar met testpersonen, bedrijven en foutscenario's",
    ),
    "metadata": ("Metadata", "Metadata"),
    "metadata_hint": (
        "signed HM metadata for your own SAML stack",
        "ondertekende HM-metadata voor uw eigen SAML-stack",
    ),
    "folder": ("Folder", "Map"),
    "folder_hint": ("ehkit.toml, keys and state (kept)", "ehkit.toml, sleutels en status (blijft bewaard)"),
    "open": (
        "Open the portal in your browser. Password of every test person: test. Stop: Ctrl-C.",
        "Open het portaal in uw browser. Wachtwoord bij elke testpersoon: test. Stoppen: Ctrl-C.",
    ),
    "logins": ("Logins:", "Inlogpogingen:"),
    "stopping": ("Stopping…", "Stoppen…"),
    "stopped": ("Stopped.", "Gestopt."),
    "success": ("logged in", "ingelogd"),
    "cancelled": ("cancelled", "afgebroken"),
    "rejected": ("refused", "geweigerd"),
    "failed": ("failed", "mislukt"),
    "error": ("error", "fout"),
    "required": ("required", "vereist"),
}


class Language(str, enum.Enum):
    en = "en"
    nl = "nl"


def say(lang: str, key: str) -> str:
    en, nl = TEXTS[key]
    return nl if lang == "nl" else en


def login_line(event: dict[str, Any], lang: str, *, at: datetime | None = None) -> str:
    """``14:03:12  vergunning  logged in  EH3 (required EH3)  210 ms`` for one audit event."""
    when = (at or datetime.now().astimezone()).strftime("%H:%M:%S")
    outcome = str(event.get("outcome", "?"))
    parts = [when, str(event.get("service") or "?"), say(lang, outcome) if outcome in TEXTS else outcome]
    if event.get("reason") and outcome != "success":
        parts[-1] += f" ({event['reason']})"
    level = event.get("loa")
    if level or event.get("loa_required"):
        parts.append(f"{level or '–'} ({say(lang, 'required')} {event.get('loa_required') or '–'})")
    if "duration_ms" in event:
        parts.append(f"{round(float(event['duration_ms']))} ms")
    return "  ".join(parts)


class LoginLineHandler(logging.Handler):
    """Writes each ``ehkit.audit`` event as one readable line, or as its JSON line."""

    def __init__(self, stream: TextIO, *, lang: str, as_json: bool) -> None:
        super().__init__(logging.INFO)
        self.stream, self.lang, self.as_json = stream, lang, as_json

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "ehkit_event", None)
        try:
            if self.as_json or not isinstance(event, dict):
                line = record.getMessage()
            else:
                line = login_line(event, self.lang, at=datetime.fromtimestamp(record.created).astimezone())
            self.stream.write(line + "\n")
            self.stream.flush()
        except Exception:  # noqa: BLE001 - logging must never stop the demo
            self.handleError(record)


def install_login_log(stream: TextIO, *, lang: str, as_json: bool) -> LoginLineHandler:
    audit = logging.getLogger("ehkit.audit")
    handler = LoginLineHandler(stream, lang=lang, as_json=as_json)
    audit.addHandler(handler)
    audit.setLevel(logging.INFO)
    audit.propagate = False  # no second, raw copy through the root logger's last resort
    return handler


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        directory: Annotated[
            Path, typer.Option("--dir", help="Working folder for keys, configuration and state (reused).")
        ] = Path("ehkit-demo"),
        host: Annotated[str, typer.Option("--host", help="Loopback address to listen on.")] = "127.0.0.1",
        portal_port: Annotated[
            int, typer.Option("--portal-port", min=1, max=65535, help="Port of the sample portal.")
        ] = 8800,
        broker_port: Annotated[
            int, typer.Option("--broker-port", min=1, max=65535, help="Port of the broker simulator.")
        ] = 8801,
        lang: Annotated[Language, typer.Option("--lang", help="Language of this console output.")] = Language.en,
        log_json: Annotated[
            bool,
            typer.Option("--log-json", envvar="EHKIT_LOG_JSON", help="Print each login's audit event as a JSON line."),
        ] = False,
    ) -> None:
        """Start the broker simulator and the sample portal "Gemeente Voorbeeldstad"."""
        from rich.console import Console
        from rich.markup import escape

        from ehkit.demo.runner import start
        from ehkit.errors import EhkitError

        code = lang.value
        # soft_wrap: a URL is printed whole whatever the terminal width, never cut with "…".
        console = Console(highlight=False, soft_wrap=True)
        with console.status(say(code, "preparing")):
            try:
                running = start(directory, host=host, portal_port=portal_port, broker_port=broker_port)
            except (EhkitError, RuntimeError, OSError) as exc:
                console.print(f"[red]{say(code, 'cannot_start')}[/red] {escape(str(exc))}")
                raise typer.Exit(2) from None
        rows = [
            ("portal", running.portal_url, "portal_hint"),
            ("simulator", running.broker_url, "simulator_hint"),
            ("metadata", running.broker_url + "/broker/metadata/1.13", "metadata_hint"),
            ("folder", str(running.paths.root), "folder_hint"),
        ]
        console.print(f"[bold]{say(code, 'title')}[/bold]")
        width = max(len(say(code, label)) for label, _, _ in rows)
        for label, value, hint in rows:
            console.print(f"  [bold]{say(code, label):<{width}}[/bold]  {escape(value)}")
            console.print(f"  {'':<{width}}  [dim]{escape(say(code, hint))}[/dim]")
        console.print(say(code, "open"))
        console.print(f"[bold]{say(code, 'logins')}[/bold]")
        handler = install_login_log(sys.stdout, lang=code, as_json=log_json)
        try:
            while all(th.is_alive() for th in running.threads):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            console.print(say(code, "stopping"))
            running.stop()
            logging.getLogger("ehkit.audit").removeHandler(handler)
            console.print(say(code, "stopped"))
