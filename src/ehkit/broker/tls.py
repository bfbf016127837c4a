"""Serving with TLS and telling the app who the client is.

The afsprakenstelsel has DVs authenticate to the artifact resolution service
with their PKIoverheid certificate over mutual TLS. uvicorn verifies the
client certificate (``ssl_cert_reqs`` + ``ssl_ca_certs``) but does not pass it
to the app, so this protocol adds it to the ASGI TLS extension
(``scope["extensions"]["tls"]["client_cert_chain"]``, PEM strings).
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ehkit.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from ehkit.pki import TestCA

#: Browsers and TLS libraries refuse server certificates valid for longer than this (CA/B Forum: 398 days).
MAX_SERVER_DAYS = 397


class TlsInfoProtocol(H11Protocol):
    """H11 protocol that exposes the verified client certificate to the ASGI app."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if not der:
            return
        pem = ssl.DER_cert_to_PEM_cert(der)
        inner = self.app

        async def with_tls(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") == "http":
                extensions = dict(scope.get("extensions") or {})
                extensions["tls"] = {**extensions.get("tls", {}), "client_cert_chain": [pem]}
                scope = {**scope, "extensions": extensions}
            await inner(scope, receive, send)

        self.app = with_tls


def uvicorn_config(
    app: Any,
    *,
    host: str,
    port: int,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    tls_client_ca: Path | None = None,
    log_level: str = "info",
) -> uvicorn.Config:
    """uvicorn settings; with ``tls_client_ca`` clients may present a certificate (verified against it)."""
    kwargs: dict[str, Any] = {"host": host, "port": port, "log_level": log_level, "http": TlsInfoProtocol}
    if tls_cert is not None:
        kwargs["ssl_certfile"] = str(tls_cert)
        kwargs["ssl_keyfile"] = str(tls_key) if tls_key else None
        if tls_client_ca is not None:
            kwargs["ssl_ca_certs"] = str(tls_client_ca)
            kwargs["ssl_cert_reqs"] = ssl.CERT_OPTIONAL
    return uvicorn.Config(app, **kwargs)


@dataclass(frozen=True)
class ServerCertificate:
    """The simulator's HTTPS identity: a key, its certificate and the chain up to (not including) the root."""

    private_key: RSAPrivateKey
    certificate_pem: bytes
    chain_pem: bytes  # leaf + intermediate: what ``--tls-cert`` serves

    def private_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def _san(host: str) -> Any:
    from cryptography import x509

    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        pass
    name = host.strip().rstrip(".").lower()
    labels = name.split(".")
    if (
        not name
        or any(not label or len(label) > 63 for label in labels)
        or not all(label.replace("-", "").isalnum() or (label == "*" and i == 0) for i, label in enumerate(labels))
    ):
        raise ValidationError(
            f"{host!r} is neither an IP address nor a host name (use e.g. 127.0.0.1 or broker.test)",
            reason="tls_host_invalid",
        )
    return x509.DNSName(name)


def issue_server_certificate(ca: TestCA, hosts: list[str], *, days: int = 365) -> ServerCertificate:
    """A TLS server certificate for ``hosts`` (DNS names and IP addresses as SANs), from ``ca``.

    Only for the simulator: a DV trusts it by trusting ``ca``'s root for the
    broker connection (``[broker] tls_ca`` in ehkit.toml, ``--cacert`` in curl).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    if not hosts:
        raise ValidationError("give at least one host name or IP address", reason="tls_host_invalid")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_SERVER_DAYS:
        raise ValidationError(
            f"days must be 1 to {MAX_SERVER_DAYS} (TLS clients refuse longer server certificates), got {days!r}",
            reason="days_invalid",
        )
    names = [_san(h) for h in dict.fromkeys(h.strip() for h in hosts)]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = datetime.now(UTC) - timedelta(minutes=5)
    ski = ca.intermediate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ehkit Broker Simulator"),
                    x509.NameAttribute(NameOID.COMMON_NAME, hosts[0].strip()[:64]),
                ]
            )
        )
        .issuer_name(ca.intermediate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(ca.intermediate_key, hashes.SHA256())
    )
    leaf = cert.public_bytes(Encoding.PEM)
    return ServerCertificate(key, leaf, leaf + ca.intermediate.public_bytes(Encoding.PEM))
