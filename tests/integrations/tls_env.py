"""A broker simulator on https that demands the DV's TLS client certificate at artifact resolution."""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from site_env import AsgiServer, broker_app


def server_certificate(directory: Path) -> tuple[Path, Path]:
    """A TLS server certificate for 127.0.0.1 from the simulator's own test CA (in .broker/ca)."""
    from ehkit.pki import TestCA

    ca = TestCA.load(directory / ".broker" / "ca")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.intermediate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca.intermediate_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    cert_file, key_file = directory / "broker-tls.crt", directory / "broker-tls.key"
    cert_file.write_bytes(cert.public_bytes(pem) + ca.intermediate.public_bytes(pem))
    key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (directory / "broker-ca.pem").write_bytes(ca.root.public_bytes(pem))
    return cert_file, key_file


def tls_broker(config: Path, port: int) -> tuple[AsgiServer, dict[str, Any]]:
    """Start the https broker for the DV of ``config``; returns it and the settings the DV needs."""
    from ehkit.broker.tls import uvicorn_config

    directory = config.parent
    cert, key = server_certificate(directory)
    # The DV trusts the simulator's CA for TLS and reads the broker metadata from a file.
    text = config.read_text(encoding="utf-8")
    text = re.sub(
        r"(?m)^artifact_resolution_timeout = .*$",
        'artifact_resolution_timeout = { connect = 5, read = 10 }\ntls_ca = "broker-ca.pem"',
        text,
    )
    config.write_text(text, encoding="utf-8")
    base = f"https://127.0.0.1:{port}"
    app = broker_app(config, base, client_cert_policy="require")
    (directory / "broker-metadata.xml").write_bytes(app.state.metadata_xml)
    import uvicorn

    server = AsgiServer(app, port, lifespan="off")
    server.server = uvicorn.Server(
        uvicorn_config(
            app,
            host="127.0.0.1",
            port=port,
            tls_cert=cert,
            tls_key=key,
            tls_client_ca=directory / "keys" / "dv-ca.pem",
            log_level="warning",
        )
    )
    server.thread = __import__("threading").Thread(target=server.server.run, daemon=True)
    return server.start(), {"METADATA_FILE": "broker-metadata.xml"}
