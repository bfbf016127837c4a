"""Artifact resolution over mutual TLS: the DV's client certificate must be the one in its metadata."""

from __future__ import annotations

import ipaddress
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from broker_harness import BrokerEnv, SessionKeys, artifact_resolve, free_port, make_env
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ehkit.broker.tls import uvicorn_config
from ehkit.pki import TestCA

pytestmark = pytest.mark.network


def server_certificate(ca: TestCA, directory: Path) -> tuple[Path, Path]:
    """A TLS server certificate for 127.0.0.1 (IP SAN) from the broker's test CA."""
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
    cert_file, key_file = directory / "tls.crt", directory / "tls.key"
    cert_file.write_bytes(cert.public_bytes(pem) + ca.intermediate.public_bytes(pem))
    key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture(scope="module")
def tls_env(tmp_path_factory: pytest.TempPathFactory, session_keys: SessionKeys) -> Iterator[BrokerEnv]:
    directory = tmp_path_factory.mktemp("tls")
    pem = serialization.Encoding.PEM
    (directory / "broker").mkdir()
    (directory / "broker" / "ca.pem").write_bytes(session_keys.broker.ca.root.public_bytes(pem))
    client_ca = directory / "dv-ca.pem"
    client_ca.write_bytes(session_keys.ca.root.public_bytes(pem) + session_keys.ca.intermediate.public_bytes(pem))
    cert_file, key_file = server_certificate(session_keys.broker.ca, directory)
    port = free_port()
    env = make_env(
        directory,
        session_keys,
        base_url=f"https://127.0.0.1:{port}",
        dv_url="https://127.0.0.1:9",
        broker_toml='tls_ca = "broker/ca.pem"',
        client_cert_policy="require",
    )
    server = uvicorn.Server(
        uvicorn_config(
            env.app,
            host="127.0.0.1",
            port=port,
            tls_cert=cert_file,
            tls_key=key_file,
            tls_client_ca=client_ca,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield env
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def client_context(env: BrokerEnv, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(env.dir / "broker" / "ca.pem"))
    if cert is not None:
        ctx.load_cert_chain(str(cert), str(key))
    return ctx


def api_login(env: BrokerEnv, sp, service: str = "melding"):  # type: ignore[no-untyped-def]
    start = sp.start_login(service)
    with httpx.Client(verify=client_context(env)) as client:
        answer = client.post(f"{env.base_url}/api/login", json={"redirect_url": start.url, "person": "anna"})
    assert answer.status_code == 200, answer.text
    return start, answer.json()["delivery"]


def test_sp_resolves_with_its_client_certificate(tls_env: BrokerEnv) -> None:
    sp = tls_env.sp()
    start, delivery = api_login(tls_env, sp)
    result = sp.finish_login(
        saml_art=delivery["SAMLart"], relay_state=delivery["RelayState"], request_id=start.request_id
    )
    assert result.legal_subject.value == "30123456"
    sp.close()


def test_other_or_missing_client_certificate_is_refused(tls_env: BrokerEnv, tmp_path: Path) -> None:
    sp = tls_env.sp()
    _, delivery = api_login(tls_env, sp)
    other = tls_env.keys.other_dv
    (tmp_path / "other.crt").write_bytes(other.certificate_pem())
    (tmp_path / "other.key").write_bytes(other.private_pem())
    body = artifact_resolve(tls_env, delivery["SAMLart"])
    url = tls_env.broker.settings.ars_url
    with httpx.Client(verify=client_context(tls_env, tmp_path / "other.crt", tmp_path / "other.key")) as client:
        wrong = client.post(url, content=body, headers={"Content-Type": "text/xml"})
    assert wrong.status_code == 403 and b"client_certificate" in wrong.content
    with httpx.Client(verify=client_context(tls_env)) as client:
        missing = client.post(url, content=body, headers={"Content-Type": "text/xml"})
    assert missing.status_code == 403
    # Both refusals happened before the artifact was looked up: the DV can still resolve it.
    (tmp_path / "dv.crt").write_bytes(tls_env.keys.dv.certificate_pem())
    (tmp_path / "dv.key").write_bytes(tls_env.keys.dv.private_pem())
    with httpx.Client(verify=client_context(tls_env, tmp_path / "dv.crt", tmp_path / "dv.key")) as client:
        ok = client.post(url, content=body, headers={"Content-Type": "text/xml"})
    assert ok.status_code == 200 and b"Assertion" in ok.content
    sp.close()
