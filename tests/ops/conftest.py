"""Fixtures for ehkit.ops: a DV configured like a real one (keys, pinned broker metadata), and an
https artifact endpoint that demands the DV's TLS client certificate."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "broker"))

from broker_harness import BrokerEnv, SessionKeys, free_port, make_env


@pytest.fixture(scope="session")
def session_keys() -> SessionKeys:
    return SessionKeys.create()


class TlsEndpoint:
    """A TLS server on loopback that requires a client certificate from ``client_ca``; it completes
    handshakes and closes (doctor sends nothing after the handshake)."""

    def __init__(self, directory: Path, client_ca: x509.Certificate) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        self.cert_file = directory / "ars-tls.crt"
        self.key_file = directory / "ars-tls.key"
        self.ca_file = directory / "ars-ca.pem"
        self.client_ca_file = directory / "dv-ca.pem"
        self.cert_file.write_bytes(cert.public_bytes(pem))
        self.ca_file.write_bytes(cert.public_bytes(pem))
        self.key_file.write_bytes(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        self.client_ca_file.write_bytes(client_ca.public_bytes(pem))
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.cert_file, self.key_file)
        self.context.load_verify_locations(self.client_ca_file)
        self.context.verify_mode = ssl.CERT_REQUIRED
        self.context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN  # the test CA's intermediate is the anchor
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.handshakes: list[str] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    peer = tls.getpeercert()
                    subject = dict(x[0] for x in peer.get("subject", ())) if peer else {}
                    self.handshakes.append(str(subject.get("serialNumber", "")))
            except (OSError, ssl.SSLError):
                self.handshakes.append("refused")

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
        self.thread.join(timeout=5)


@dataclass
class DoctorEnv:
    env: BrokerEnv
    tls: TlsEndpoint

    @property
    def dir(self) -> Path:
        return self.env.dir

    @property
    def toml(self) -> Path:
        return self.env.dir / "ehkit.toml"

    def edit(self, old: str, new: str) -> None:
        text = self.toml.read_text(encoding="utf-8")
        assert old in text, old
        self.toml.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def doctor_env(tmp_path: Path, session_keys: SessionKeys) -> Iterator[DoctorEnv]:
    """A healthy DV: keys, the broker's metadata pinned, the published documents as built now, a SQLite
    store that exists, and an https artifact endpoint that wants the DV's client certificate."""
    from ehkit.catalogue.build import build_catalogue
    from ehkit.catalogue.sp_metadata import build_all_sp_metadata
    from ehkit.config import load_config
    from ehkit.sp.stores.sqlite import SQLiteStore

    tls = TlsEndpoint(tmp_path, session_keys.ca.intermediate)
    env = make_env(
        tmp_path,
        session_keys,
        base_url=f"https://127.0.0.1:{tls.port}",
        dv_url="https://dv.example",
        broker_toml=f'tls_ca = "{tls.ca_file.name}"',
    )
    now = datetime.now(UTC)
    published = tmp_path / "published"
    published.mkdir()
    (published / "catalogue.xml").write_bytes(build_catalogue(env.config, at=now))
    names = []
    for group, xml in build_all_sp_metadata(env.config, now).items():
        (published / f"metadata-{group}.xml").write_bytes(xml)
        names.append(f'"published/metadata-{group}.xml"')
    SQLiteStore(tmp_path / "state.db").close()
    text = (tmp_path / "ehkit.toml").read_text(encoding="utf-8")
    text = text.replace('store = "memory://"', 'store = "sqlite:///state.db"')
    text = text.replace(
        "[state]",
        f'[ops]\npublished_catalogue = "published/catalogue.xml"\npublished_metadata = [{", ".join(names)}]\n\n[state]',
        1,
    )
    (tmp_path / "ehkit.toml").write_text(text, encoding="utf-8")
    env.config = load_config(tmp_path / "ehkit.toml")
    try:
        yield DoctorEnv(env, tls)
    finally:
        tls.close()


__all__ = ["DoctorEnv", "free_port"]
