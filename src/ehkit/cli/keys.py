"""``ehkit keys``: make test keys and certificates, and look inside certificates.

Getting a PKIoverheid certificate takes days; a developer wants to try the
whole flow (metadata, signing, the broker simulator) in the first minutes.
``generate`` gives them a key pair of the right shape from a local test CA,
``show`` answers "which OIN and KeyName does this certificate have?", the two
questions every broker onboarding form asks.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from rich.console import Console
from rich.markup import escape

from ehkit.cli.help import HelpGroup, plural
from ehkit.domain.identifiers import Oin
from ehkit.errors import EhkitError, ValidationError
from ehkit.pki import (
    CA_FILES,
    ROLES,
    TestCA,
    certificate_oin,
    describe_name,
    key_name_sha1,
    key_name_sha256,
    load_certificates,
)
from ehkit.util.files import atomic_write

keys_app = typer.Typer(
    cls=HelpGroup,
    name="keys",
    help="Test keys and certificates: a PKIoverheid-style key pair, the simulator's TLS server certificate, "
    "show a certificate.",
    no_args_is_help=True,
    add_completion=False,
)

# Which option a validation failure from the library is about, so the user sees it named.
_OPTION_FOR_REASON = {
    "oin_invalid": "'--oin'",
    "role_invalid": "'--role'",
    "common_name_invalid": "'--cn'",
    "days_invalid": "'--days'",
}


def register(app: typer.Typer) -> None:
    """Add the ``keys`` command group to the ``ehkit`` app."""
    app.add_typer(keys_app, name="keys")


def _fail(error: EhkitError | OSError) -> typer.Exit:
    """Print an expected failure without a traceback; return the Exit to raise."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if isinstance(error, EhkitError):
        err.print(f"[bold red]Error:[/bold red] {escape(error.message)} [dim]({escape(error.reason)})[/dim]")
    else:
        where = f" {error.filename!s}" if error.filename else ""
        err.print(f"[bold red]Error:[/bold red] cannot write{escape(where)}: {escape(error.strerror or str(error))}")
    return typer.Exit(code=1)


def _key_description(cert: x509.Certificate) -> tuple[str, int | None]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}", key.key_size
    return type(key).__name__.removesuffix("PublicKey").lstrip("_"), getattr(key, "key_size", None)


def _status(cert: x509.Certificate, now: datetime) -> str:
    if now < cert.not_valid_before_utc:
        return "not yet valid"
    if now > cert.not_valid_after_utc:
        return "expired"
    return "valid"


def describe_certificate(cert: x509.Certificate, *, now: datetime | None = None) -> dict[str, Any]:
    """The facts a broker onboarding form asks for, as JSON-ready values."""
    key_type, key_size = _key_description(cert)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        dns_names = []
    oin = certificate_oin(cert)
    return {
        "subject": describe_name(cert.subject),
        "issuer": describe_name(cert.issuer),
        "oin": str(oin) if oin is not None else None,
        "key_name_sha256": key_name_sha256(cert),
        "key_name_sha1": key_name_sha1(cert),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "status": _status(cert, now or datetime.now(UTC)),
        "key_type": key_type,
        "key_size": key_size,
        "serial_number": format(cert.serial_number, "x"),
        "dns_names": dns_names,
    }


def _print_rows(console: Console, rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        console.print(f"  [bold]{escape(label.ljust(width))}[/bold]  {escape(value)}")


def _certificate_rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    def when(iso: str) -> str:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S UTC")

    rows = [
        ("Subject", info["subject"]),
        ("Issuer", info["issuer"]),
        ("OIN", info["oin"] or "(none in subject serialNumber)"),
        ("KeyName SHA-256", info["key_name_sha256"]),
        ("KeyName SHA-1", info["key_name_sha1"]),
        ("Valid from", when(info["not_before"])),
        ("Valid until", f"{when(info['not_after'])} ({info['status']})"),
        ("Key", f"{info['key_type']} {info['key_size']} bits" if info["key_size"] else info["key_type"]),
    ]
    if info["dns_names"]:
        rows.append(("DNS names", ", ".join(info["dns_names"])))
    return rows


@keys_app.command("generate")
def generate(
    oin: Annotated[
        str,
        typer.Option(
            "--oin", help="OIN of the organisation: 20 digits, e.g. 00000001234567890000.", show_default=False
        ),
    ],
    role: Annotated[
        str, typer.Option("--role", help=f"Role in the eHerkenning network: {', '.join(ROLES)}.", show_default=False)
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Directory to write <role>.key, <role>.crt and <role>-chain.pem into.",
            file_okay=False,
            show_default=False,
        ),
    ],
    ca_dir: Annotated[
        Path | None,
        typer.Option(
            "--ca-dir",
            help="Test CA directory; reused when it holds a CA, created otherwise. Default: OUT/ca.",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    cn: Annotated[
        str | None,
        typer.Option(
            "--cn",
            help="Common name (a host name also becomes a DNS SAN). Default: <role>-<oin>.ehkit.test.",
            show_default=False,
        ),
    ] = None,
    days: Annotated[int, typer.Option("--days", help="Validity in days.", min=1, max=36500)] = 365,
    force: Annotated[bool, typer.Option("--force", help="Replace existing key and certificate files.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a summary.")] = False,
) -> None:
    """Create a TEST key pair with a PKIoverheid-style certificate from a local test CA."""
    try:
        oin_value = Oin(oin.strip())
    except ValidationError as exc:
        raise typer.BadParameter(
            f"{exc.message}. Give your organisation's 20-digit OIN, e.g. 00000001234567890000", param_hint="'--oin'"
        ) from None
    role_value = role.strip().upper()
    if role_value not in ROLES:
        raise typer.BadParameter(f"expected one of {', '.join(ROLES)}, got {role!r}", param_hint="'--role'")

    stem = role_value.lower()
    key_file, cert_file, chain_file = out / f"{stem}.key", out / f"{stem}.crt", out / f"{stem}-chain.pem"
    existing = [str(p) for p in (key_file, cert_file, chain_file) if p.exists()]
    if existing and not force:
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        err.print(
            f"[bold red]Error:[/bold red] refusing to overwrite {escape(', '.join(existing))}. "
            "Pass --force to replace them (the old private key is then gone), or choose another --out."
        )
        raise typer.Exit(code=1)

    ca_path = ca_dir if ca_dir is not None else out / "ca"
    try:
        if any((ca_path / name).exists() for name in CA_FILES.values()):
            ca, ca_created = TestCA.load(ca_path), False
        else:
            ca, ca_created = TestCA.create(), True
        try:
            pair = ca.issue(oin_value, role_value, common_name=cn, days=days)
        except ValidationError as exc:
            hint = _OPTION_FOR_REASON.get(exc.reason)
            if hint is None:
                raise
            raise typer.BadParameter(exc.message, param_hint=hint) from None
        out.mkdir(parents=True, exist_ok=True)
        if ca_created:
            ca.save(ca_path)
        atomic_write(key_file, pair.private_pem(), mode=0o600)
        atomic_write(cert_file, pair.certificate_pem())
        atomic_write(chain_file, pair.chain_pem())
    except (EhkitError, OSError) as exc:
        raise _fail(exc) from None

    info = describe_certificate(pair.certificate)
    info["role"] = role_value
    info["files"] = {
        "private_key": str(key_file),
        "certificate": str(cert_file),
        "chain": str(chain_file),
        "ca_root": str(ca_path / CA_FILES["root_cert"]),
    }
    info["ca"] = {"directory": str(ca_path), "created": ca_created, "name": ca.name}
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return

    console = Console(highlight=False, soft_wrap=True)
    console.print(f"[bold green]Test key pair for {role_value} written[/bold green]")
    _print_rows(
        console,
        [
            *_certificate_rows(info),
            ("Private key", f"{key_file} (mode 0600)"),
            ("Certificate", str(cert_file)),
            ("Chain", f"{chain_file} (intermediate)"),
            ("Test CA", f"{ca_path} ({'created' if ca_created else 'reused'}; trust {CA_FILES['root_cert']})"),
        ],
    )
    console.print(
        "[yellow]This certificate comes from a local test CA, not PKIoverheid: "
        "no real broker accepts it. Use it with the broker simulator and in tests.[/yellow]"
    )


@keys_app.command("show")
def show(
    file: Annotated[
        Path,
        typer.Argument(
            help="Certificate file (PEM or DER); of a bundle, the first is shown.",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a summary.")] = False,
) -> None:
    """Show a certificate's subject, issuer, OIN, KeyNames, validity and key size."""
    try:
        certs = load_certificates(file)
    except EhkitError as exc:
        raise _fail(exc) from None
    info = describe_certificate(certs[0])
    info["certificates_in_file"] = len(certs)
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"[bold]{escape(str(file))}[/bold]")
    _print_rows(console, _certificate_rows(info))
    if len(certs) > 1:
        console.print(f"  [dim]The file holds {plural(len(certs), 'certificate')}; this is the first.[/dim]")


@keys_app.command("tls-server")
def tls_server(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Directory to write server.key, server.crt (with chain) and the CA into.", file_okay=False
        ),
    ],
    host: Annotated[
        list[str] | None,
        typer.Option("--host", help="Host name or IP address the simulator is reached at; repeatable."),
    ] = None,
    ca_dir: Annotated[
        Path | None,
        typer.Option(
            "--ca-dir",
            help="Test CA directory; reused when it holds a CA, created otherwise. Default: OUT/ca.",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    days: Annotated[int, typer.Option("--days", help="Validity in days.", min=1, max=397)] = 365,
    force: Annotated[bool, typer.Option("--force", help="Replace existing files.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a summary.")] = False,
) -> None:
    """Create a TEST TLS server certificate for the broker simulator (ehkit broker serve --tls-cert/--tls-key).

    A DV trusts it through the CA root: [broker] tls_ca in ehkit.toml, --cacert for curl.
    """
    from ehkit.broker.tls import issue_server_certificate

    hosts = host or ["127.0.0.1", "localhost"]
    key_file, cert_file = out / "server.key", out / "server.crt"
    existing = [str(p) for p in (key_file, cert_file) if p.exists()]
    if existing and not force:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"[bold red]Error:[/bold red] refusing to overwrite {escape(', '.join(existing))}. "
            "Pass --force to replace them, or choose another --out."
        )
        raise typer.Exit(code=1)
    ca_path = ca_dir if ca_dir is not None else out / "ca"
    try:
        if any((ca_path / name).exists() for name in CA_FILES.values()):
            ca, ca_created = TestCA.load(ca_path), False
        else:
            ca, ca_created = TestCA.create("ehkit Simulator TLS"), True
        try:
            server = issue_server_certificate(ca, hosts, days=days)
        except ValidationError as exc:
            raise typer.BadParameter(
                exc.message, param_hint="'--host'" if "host" in exc.reason else "'--days'"
            ) from None
        out.mkdir(parents=True, exist_ok=True)
        if ca_created:
            ca.save(ca_path)
        atomic_write(key_file, server.private_pem(), mode=0o600)
        atomic_write(cert_file, server.chain_pem)
    except (EhkitError, OSError) as exc:
        raise _fail(exc) from None
    root = ca_path / CA_FILES["root_cert"]
    info = {
        "hosts": hosts,
        "files": {"private_key": str(key_file), "certificate": str(cert_file), "ca_root": str(root)},
        "ca": {"directory": str(ca_path), "created": ca_created},
        "serve": f"ehkit broker serve --tls-cert {cert_file} --tls-key {key_file}",
        "trust": f'[broker] tls_ca = "{root}"',
    }
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"[bold green]TLS server certificate for {escape(', '.join(hosts))} written[/bold green]")
    _print_rows(
        console,
        [
            ("Private key", f"{key_file} (mode 0600)"),
            ("Certificate", f"{cert_file} (with the intermediate: serve this file)"),
            ("Test CA", f"{ca_path} ({'created' if ca_created else 'reused'})"),
            ("Trust anchor", f"{root}: what the DV trusts for the broker connection"),
        ],
    )
    console.print(f"Serve:  {escape(str(info['serve']))}")
    console.print(f"Trust:  {escape(str(info['trust']))} in the DV's ehkit.toml (paths relative to that file)")
    console.print("[yellow]Test CA only: no browser or real DV trusts it unless told to.[/yellow]")
