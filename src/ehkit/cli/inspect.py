"""``ehkit inspect``: decode, pretty-print, verify and decrypt a SAML message.

The verdict is never "OK" unless something was verified: a signed message
without ``--metadata``/``--cert`` ends with "NOT VERIFIED" and exit code 3,
unless ``--decode-only`` says that reading it is all you want. Output fits the
terminal without cutting a token: XML breaks between elements and attributes,
tables that do not fit become "key: value" lines, and ``--json`` is plain JSON.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.measure import Measurement
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from ehkit.errors import EhkitError
from ehkit.inspect.analyse import EXIT_INPUT, Report

HELP = """Decode, pretty-print, verify and decrypt a SAML message (SAMLRequest,
SAMLResponse, ArtifactResponse, metadata, a SAMLart URL, raw XML, base64 or
deflated).

Signatures are verified against --metadata or --cert; without them nothing is
verified and the command says so (exit code 3) unless you pass --decode-only.

Exit codes: 0 verified (or decoded, with --decode-only); 1 a check failed (a
signature does not hold, an identifier addressed to you cannot be decrypted,
the artifact is not from --broker; with --strict also a signature by a key you
did not give); 2 the input or an option cannot be used; 3 nothing failed, but
nothing was verified (no --metadata/--cert, an unsigned message, no signature
by a key you gave, or an artifact without --broker)."""


class _InputProblem(Exception):
    """Bad input or option: one line on stderr, exit code 2."""


def _read_source(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    try:
        if not path.is_file():
            raise _InputProblem(f"no such file: {source} (use - to read from standard input)")
        return path.read_bytes()
    except OSError as exc:
        raise _InputProblem(f"cannot read {source}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an embedded NUL byte
        raise _InputProblem(f"cannot read {source!r}: {exc}") from None


def _metadata_certs(path: Path) -> tuple[list[Any], list[str]]:
    from ehkit.pki.untrusted import CertificateError, certificate_from_base64
    from ehkit.xml.ns import DS, MD, q
    from ehkit.xml.parse import ParseLimits, parse_xml

    limits = ParseLimits(max_bytes=4 * 1024 * 1024, max_depth=64, max_elements=100_000).without_counts()
    try:
        root = parse_xml(path.read_bytes(), limits)
    except OSError as exc:
        raise _InputProblem(f"--metadata {path}: {exc.strerror or exc}") from None
    except EhkitError as exc:
        raise _InputProblem(f"--metadata {path}: not readable metadata: {exc.message} ({exc.reason})") from None
    certs: list[Any] = []
    entity_ids = [e.get("entityID") for e in root.iter(q(MD, "EntityDescriptor"))]
    for kd in root.iter(q(MD, "KeyDescriptor")):
        if kd.get("use") not in (None, "signing"):
            continue
        for xc in kd.iter(q(DS, "X509Certificate")):
            try:
                certs.append(certificate_from_base64(xc.text))
            except CertificateError as exc:
                raise _InputProblem(
                    f"--metadata {path}: a certificate in the metadata is unusable: {exc.message}"
                ) from None
    if not certs:
        raise _InputProblem(f"--metadata {path}: no signing certificates found in the metadata")
    return certs, [e for e in entity_ids if e]


def register(app: typer.Typer) -> None:
    @app.command("inspect", help=HELP)
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
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output (plain JSON on stdout)."),
        show_xml: bool = typer.Option(True, "--xml/--no-xml", help="Print the pretty-printed message."),
        strict: bool = typer.Option(False, "--strict", help="Also fail on signatures whose key is not given."),
        decode_only: bool = typer.Option(
            False, "--decode-only", help="Only decode and describe: exit 0 although no signature is checked."
        ),
    ) -> None:
        err = Console(stderr=True, highlight=False)
        try:
            report = _run(source, metadata, cert, key, key_cert, entity_id, broker)
        except _InputProblem as exc:
            err.print(Text.assemble(("error: ", "red"), str(exc)))
            raise typer.Exit(EXIT_INPUT) from None
        except EhkitError as exc:
            err.print(Text.assemble(("error ", "red"), f"({exc.reason}): {exc.message}"))
            raise typer.Exit(EXIT_INPUT) from None
        verdict = report.verdict(strict=strict, decode_only=decode_only)
        if as_json:
            data = report.to_json(strict=strict, decode_only=decode_only)
            if not show_xml:
                data.pop("pretty_xml", None)
            sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
            raise typer.Exit(verdict.exit_code)
        print_report(Console(highlight=False), report, show_xml=show_xml, strict=strict, decode_only=decode_only)
        raise typer.Exit(verdict.exit_code)


def _run(
    source: str,
    metadata: Path | None,
    cert: Sequence[Path],
    key: Sequence[Path],
    key_cert: Sequence[Path],
    entity_id: str | None,
    broker: str | None,
) -> Report:
    from ehkit.inspect import analyse, decode_input
    from ehkit.pki import load_certificate, load_private_key
    from ehkit.xml.trust import TrustSet, certificate_key_names

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
            if _spki(kc.public_key()) == _spki(pk.public_key()):
                names |= certificate_key_names(kc)
        keys.append((pk, frozenset(names)))
    return analyse(
        decoded.xml,
        encoding=decoded.encoding,
        artifact=decoded.artifact,
        relay_state=decoded.relay_state,
        trust=trust,
        keys=keys or None,
        entity_id=entity_id,
        expected_issuer=expected_issuer,
        redirect_query=decoded.query if decoded.parameter in ("SAMLRequest", "SAMLResponse") else None,
        parameter=decoded.parameter,
    )


def _spki(public_key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


# ------------------------------------------------------------------ output for people


_COLOURS = {"valid": "green", "invalid": "red", "unknown-key": "yellow", "not-checked": "yellow"}
_STATUS_TEXT = {"valid": "valid", "invalid": "INVALID", "unknown-key": "key not given", "not-checked": "not checked"}


def _value_lines(value: Any) -> list[str]:
    """A summary value as lines of text: lists one item per line, mappings as key: value."""
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items() if v is not None]
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, dict):  # a status: "where: code subcode message"
                where = item.get("element")
                rest = " ".join(_plain(v) for k, v in item.items() if k != "element" and v not in (None, [], ""))
                out.append(f"{where}: {rest}" if where else rest)
            else:
                out.append(str(item))
        return out
    return [str(value)]


def _plain(value: Any) -> str:
    return " ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _wrapped(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width``, broken at spaces only: a URN, an ID or a
    base64 value is never cut, and a token wider than ``width`` gets a line of its own."""
    return textwrap.wrap(text, width=max(width, 20), break_long_words=False, break_on_hyphens=False) or [""]


def _say(console: Console, text: str, style: str = "", indent: int = 0) -> None:
    """Print ``text`` wrapped at spaces to the terminal (never inside a token)."""
    lines = _wrapped(text, console.width - indent)
    for line in lines:
        console.print(Text(" " * indent + line, style=style), soft_wrap=True)


def _pairs(console: Console, pairs: Sequence[tuple[str, Any]], indent: int = 2) -> None:
    """Aligned ``key: value`` lines; a value that does not fit beside its key goes below it.
    Values are never cut: they wrap at spaces, and a token wider than the terminal stays
    whole on a line of its own."""
    if not pairs:
        return
    key_width = min(max(len(k) for k, _ in pairs), 24)
    for key, value in pairs:
        head = " " * indent + f"{key}:".ljust(key_width + 1)
        beside = console.width - len(head) - 1
        lines = _value_lines(value)
        if all(len(line) <= beside for line in lines) or beside >= 40:
            pieces = [piece for line in lines for piece in _wrapped(line, beside)]
            if pieces and len(pieces[0]) <= beside:
                console.print(Text(f"{head} {pieces[0]}"), soft_wrap=True)
                for piece in pieces[1:]:
                    console.print(Text(" " * (len(head) + 1) + piece), soft_wrap=True)
                continue
        console.print(Text(head.rstrip()), soft_wrap=True)
        for line in lines:
            _say(console, line, indent=indent + 4)


def _fits(console: Console, table: Table) -> bool:
    """True when the table's natural width (every cell on one line) fits the terminal."""
    unbounded = console.options.update(max_width=100_000)
    return Measurement.get(console, unbounded, table).maximum <= console.width


def _records(console: Console, title: str, headers: Sequence[str], rows: Sequence[Sequence[Text | str]]) -> None:
    """A table when it fits the terminal unwrapped, else one block of key: value lines per row."""
    if not rows:
        return
    table = Table(title=title, title_justify="left", show_lines=False)
    for header in headers:
        table.add_column(header, no_wrap=True)
    for row in rows:
        table.add_row(*row)
    if _fits(console, table):
        console.print(table)
        return
    console.print(Text(title, style="italic"))
    for n, row in enumerate(rows, start=1):
        first = row[0] if isinstance(row[0], Text) else Text(str(row[0]))
        console.print(Text.assemble(f"  {n}. ", first), soft_wrap=True)
        _pairs(console, [(h, str(c)) for h, c in zip(headers[1:], row[1:], strict=True) if str(c)], indent=5)


def print_report(
    console: Console, report: Report, *, show_xml: bool = True, strict: bool = False, decode_only: bool = False
) -> None:
    console.rule(Text(f"{report.message_type}  ({' → '.join(report.encoding) or 'xml'})", style="bold"))
    if show_xml and report.element is not None:
        from ehkit.inspect.pretty import layout_xml

        code = "\n".join(layout_xml(report.element, console.width))
        highlighted = Syntax(code, "xml", theme="ansi_dark", background_color="default").highlight(code)
        for line in highlighted.split("\n"):
            console.print(line, soft_wrap=True)
    summary = [(k, v) for k, v in report.summary.items() if k != "assertions"]
    if summary:
        console.print(Text("Summary", style="italic"))
        _pairs(console, summary)
    for a in report.summary.get("assertions", []):
        title = f"Assertion {a.get('ID')}" + (" (in Advice: never identity)" if a.get("in_advice") else "")
        console.print(Text(title, style="italic"))
        _pairs(
            console,
            [(k, v) for k, v in a.items() if k not in ("path", "ID", "in_advice") and v not in (None, [], "")],
        )
    _records(
        console,
        "Signatures",
        ("element", "ID", "KeyName", "result"),
        [
            (
                s.element,
                s.id or "",
                s.key_name or "",
                Text(_STATUS_TEXT[s.status] + (f" ({s.reason})" if s.reason else ""), style=_COLOURS[s.status]),
            )
            for s in report.signatures
        ],
    )
    _records(
        console,
        "Identifiers",
        ("attribute", "type", "value", "note"),
        [
            (i.attribute, i.qualifier or "", i.value or "", "decrypted" if i.decrypted else (i.error or "plaintext"))
            for i in report.identifiers
        ],
    )
    _records(
        console,
        "Attributes",
        ("name", "assertion", "values"),
        [
            (
                a["name"] or "",
                ("advice " if a["in_advice"] else "") + (a["assertion"] or ""),
                "; ".join(str(v) for v in a["values"]),
            )
            for a in report.attributes
        ],
    )
    for p in report.problems:
        _say(console, f"problem: {p}", style="red")
    verdict = report.verdict(strict=strict, decode_only=decode_only)
    style = {"verified": "bold green", "decoded": "bold", "failed": "bold red"}.get(verdict.status, "bold yellow")
    _say(console, verdict.text, style=style)
