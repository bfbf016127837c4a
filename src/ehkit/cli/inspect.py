"""``ehkit inspect``: decode, pretty-print, verify and decrypt a SAML message."""

from __future__ import annotations

import base64
import binascii
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

from ehkit.errors import EhkitError


def _read_source(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {source} (use - to read from standard input)", param_hint="FILE")
    return path.read_bytes()


def _metadata_certs(path: Path):  # type: ignore[no-untyped-def]
    from cryptography import x509
    from lxml import etree

    from ehkit.xml.ns import DS, MD, q
    from ehkit.xml.parse import ParseLimits, parse_xml

    root = parse_xml(path.read_bytes(), ParseLimits(max_bytes=4 * 1024 * 1024, max_depth=64, max_elements=100_000))
    certs, entity_ids = [], [e.get("entityID") for e in root.iter(q(MD, "EntityDescriptor"))]
    for kd in root.iter(q(MD, "KeyDescriptor")):
        if kd.get("use") not in (None, "signing"):
            continue
        for xc in kd.iter(q(DS, "X509Certificate")):
            try:
                certs.append(x509.load_der_x509_certificate(base64.b64decode("".join((xc.text or "").split()))))
            except (binascii.Error, ValueError):
                raise typer.BadParameter(
                    f"{path}: a certificate in the metadata is unreadable", param_hint="--metadata"
                ) from None
    if not certs:
        raise typer.BadParameter(f"{path}: no signing certificates found in the metadata", param_hint="--metadata")
    _ = etree
    return certs, [e for e in entity_ids if e]


def register(app: typer.Typer) -> None:
    @app.command("inspect")
    def inspect_cmd(
        source: str = typer.Argument(
            "-", metavar="[FILE|-]", help="Message file, or - for standard input (the default)."
        ),
        metadata: Path | None = typer.Option(
            None, "--metadata", "-m", help="Broker (or DV) metadata whose signing certificates verify the signatures."
        ),
        cert: list[Path] = typer.Option(
            [], "--cert", "-c", help="A trusted signing certificate (PEM/DER); repeat for more."
        ),
        key: list[Path] = typer.Option(
            [], "--key", "-k", help="A private key (PEM/DER) to decrypt identifiers addressed to you; repeat for more."
        ),
        key_cert: list[Path] = typer.Option(
            [], "--key-cert", help="The certificate of a --key, so its KeyName can be matched."
        ),
        entity_id: str | None = typer.Option(
            None, "--entity-id", help="Your entity ID, to pick the EncryptedKey addressed to you."
        ),
        broker: str | None = typer.Option(None, "--broker", help="Broker entity ID, to check an artifact's SourceID."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
        show_xml: bool = typer.Option(True, "--xml/--no-xml", help="Print the pretty-printed message."),
        strict: bool = typer.Option(False, "--strict", help="Also fail on signatures whose key is not given."),
    ) -> None:
        """Decode, pretty-print, verify and decrypt a SAML message (SAMLRequest,
        SAMLResponse, ArtifactResponse, a SAMLart URL, raw XML, base64 or deflated)."""
        from cryptography.hazmat.primitives.asymmetric import rsa

        from ehkit.inspect import analyse, decode_input
        from ehkit.pki import load_certificate, load_private_key
        from ehkit.xml.trust import TrustSet, certificate_key_names

        console = Console(stderr=False, highlight=False)
        err = Console(stderr=True)
        try:
            raw = _read_source(source)
            decoded = decode_input(raw)
            certs = [load_certificate(p) for p in cert]
            expected_issuer = broker
            if metadata is not None:
                md_certs, entity_ids = _metadata_certs(metadata)
                certs.extend(md_certs)
                if expected_issuer is None and len(entity_ids) == 1:
                    expected_issuer = entity_ids[0]
            trust = TrustSet.from_certificates(certs) if certs else None
            key_certs = [load_certificate(p) for p in key_cert]
            keys = []
            for kp in key:
                pk = load_private_key(kp)
                names: set[str] = set()
                for kc in key_certs:
                    cert_key = kc.public_key()
                    if (
                        isinstance(cert_key, rsa.RSAPublicKey)
                        and cert_key.public_numbers() == pk.public_key().public_numbers()
                    ):
                        names |= certificate_key_names(kc)
                keys.append((pk, frozenset(names)))
            report = analyse(
                decoded.xml,
                encoding=decoded.encoding,
                artifact=decoded.artifact,
                relay_state=decoded.relay_state,
                trust=trust,
                keys=keys or None,
                entity_id=entity_id,
                expected_issuer=expected_issuer,
            )
        except typer.BadParameter:
            raise
        except EhkitError as exc:
            err.print(f"[red]error[/red] ({exc.reason}): {exc}")
            raise typer.Exit(2) from None
        failed = not report.ok or (strict and any(s.status == "unknown-key" for s in report.signatures))
        if as_json:
            data = report.to_json()
            if not show_xml:
                data.pop("pretty_xml", None)
            console.print_json(json.dumps(data, default=str))
            raise typer.Exit(1 if failed else 0)
        _print_report(console, report, show_xml)
        raise typer.Exit(1 if failed else 0)


def _print_report(console: Console, report, show_xml: bool) -> None:  # type: ignore[no-untyped-def]
    console.rule(f"[bold]{report.message_type}[/bold]  ({' → '.join(report.encoding) or 'xml'})")
    if show_xml and report.pretty_xml:
        console.print(Syntax(report.pretty_xml, "xml", word_wrap=True))
    t = Table(title="Summary", show_header=False)
    for k, v in report.summary.items():
        if k == "assertions":
            continue
        t.add_row(str(k), json.dumps(v) if isinstance(v, (list, dict)) else str(v))
    console.print(t)
    for a in report.summary.get("assertions", []):
        at = Table(
            title=f"Assertion {a.get('ID')}" + (" (in Advice: never identity)" if a.get("in_advice") else ""),
            show_header=False,
        )
        for k, v in a.items():
            if k not in ("path", "ID", "in_advice") and v is not None:
                at.add_row(k, ", ".join(map(str, v)) if isinstance(v, list) else str(v))
        console.print(at)
    if report.signatures:
        st = Table(title="Signatures")
        for col in ("element", "ID", "KeyName", "result"):
            st.add_column(col)
        colours = {"valid": "green", "invalid": "red", "unknown-key": "yellow", "not-checked": "dim"}
        for s in report.signatures:
            result = s.status + (f" ({s.reason})" if s.reason else "")
            st.add_row(s.element, s.id or "", (s.key_name or "")[:24], f"[{colours[s.status]}]{result}[/]")
        console.print(st)
    if report.identifiers:
        it = Table(title="Identifiers")
        for col in ("attribute", "type", "value", "note"):
            it.add_column(col)
        for i in report.identifiers:
            note = "decrypted" if i.decrypted else (i.error or "plaintext")
            it.add_row(i.attribute, i.qualifier or "", i.value or "", note)
        console.print(it)
    if report.attributes:
        att = Table(title="Attributes")
        for col in ("assertion", "name", "values"):
            att.add_column(col)
        for a in report.attributes:
            att.add_row(
                ("advice " if a["in_advice"] else "") + (a["assertion"] or "")[:12],
                a["name"] or "",
                "; ".join(str(v) for v in a["values"]),
            )
        console.print(att)
    for p in report.problems:
        console.print(f"[red]problem:[/red] {p}")
    console.print("[green]OK[/green]" if report.ok else "[red]FAILED[/red]")
