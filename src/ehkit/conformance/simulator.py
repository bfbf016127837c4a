"""The broker simulator, run in-process for one conformance run, with a tap on what the DV sends it.

It is ``ehkit.broker`` as ``ehkit broker serve`` runs it (same keys in the same
``state`` folder, same metadata), with three differences that keep one fault
from hiding all others: RelayState of any length is accepted (REQ-RELAY-STATE
reports it), an ArtifactResolve with the wrong Content-Type is recorded and
passed on as text/xml (ARS-CONTENT-TYPE reports it), and the server can be
stopped and started again on the same port (DOWN-UNREACHABLE).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ehkit.broker import BrokerSettings, build_broker, create_app
from ehkit.broker.engine import Broker
from ehkit.broker.tls import TlsInfoProtocol
from ehkit.conformance.config import SimulatorConfig
from ehkit.errors import ConfigError, EhkitError
from ehkit.pki import TestCA
from ehkit.util.files import atomic_write

__all__ = ["ResolveObservation", "Simulator"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

_MAX_BODY = 1024 * 1024
SERVER_CERT_DAYS = 365


@dataclass
class ResolveObservation:
    """One ArtifactResolve as it arrived at the simulator."""

    at: datetime
    content_type: str
    soap_action: str | None
    client_cert_pem: str | None
    body: bytes
    status: int | None = None


@dataclass
class _Tap:
    """ASGI wrapper: records every request to the artifact resolution path (and normalises its Content-Type)."""

    app: Asgi
    ars_path: str
    observations: list[ResolveObservation] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("path") != self.ars_path:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            body = message.get("body", b"")
            size += len(body)
            if size <= _MAX_BODY:
                chunks.append(body)
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        chain = ((scope.get("extensions") or {}).get("tls") or {}).get("client_cert_chain") or []
        obs = ResolveObservation(
            datetime.now(UTC),
            headers.get("content-type", ""),
            headers.get("soapaction"),
            chain[0] if chain else None,
            b"".join(chunks),
        )
        with self.lock:
            self.observations.append(obs)
        if not obs.content_type.lower().startswith("text/xml"):
            scope = dict(scope)
            scope["headers"] = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-type"] + [
                (b"content-type", b"text/xml; charset=utf-8")
            ]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": obs.body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                obs.status = int(message["status"])
            await send(message)

        await self.app(scope, replay, capture)


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def issue_server_certificate(ca: TestCA, host: str, *, days: int = SERVER_CERT_DAYS) -> tuple[bytes, bytes]:
    """A TLS server certificate for ``host`` (and the loopback names) from the simulator's test CA: (cert+chain PEM, key PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    names: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    if _is_address(host):
        ip = x509.IPAddress(ipaddress.ip_address(host))
        if ip not in names:
            names.append(ip)
    elif host != "localhost":
        names.insert(0, x509.DNSName(host))
    start = datetime.now(UTC) - timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])]))
        .issuer_name(ca.intermediate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca.intermediate_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = cert.public_bytes(pem) + ca.intermediate.public_bytes(pem)
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return chain, key_pem


class _PartialChainConfig(uvicorn.Config):
    """Client certificates are checked against the DV's own (leaf) certificates: OpenSSL needs partial chains."""

    def load(self) -> None:
        super().load()
        if isinstance(self.ssl, ssl.SSLContext):
            self.ssl.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN


class Simulator:
    """Build with the DV's sources, ``start()``, run logins, ``stop()``."""

    def __init__(self, config: SimulatorConfig, *, metadata: list[str], catalogue: str | None) -> None:
        self.config = config
        base = config.base_url
        if base is None:
            host = config.listen or "127.0.0.1"
            port = free_port(host)
            base = f"{'https' if config.tls else 'http'}://{host}:{port}"
        parts = urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.listen = config.listen or (
            self.host if _is_address(self.host) or self.host == "localhost" else "127.0.0.1"
        )
        self.settings = BrokerSettings(
            base_url=base,
            hm_entity_id=config.hm_entity_id,
            data_file=config.data,
            dv_metadata=list(metadata),
            dv_catalogues=[catalogue] if catalogue else [],
            state_dir=config.state,
            relay_state_limit=None,
            client_cert_policy="auto",
        )
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.broker: Broker | None = None
        self.tap: _Tap | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._uvicorn: uvicorn.Config | None = None
        self.requests: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        #: Why the DV could not be registered (the protocol checks then cannot run).
        self.load_error: EhkitError | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None

    # -- where a DV points

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    @property
    def metadata_url(self) -> str:
        return self.settings.metadata_url

    @property
    def sso_path(self) -> str:
        return self.settings.sso_path

    @property
    def ars_path(self) -> str:
        return self.settings.ars_path

    @property
    def work_dir(self) -> Path:
        if self.config.state is not None:
            return self.config.state
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="ehkit-conformance-")
        return Path(self._tmp.name)

    @property
    def ca_file(self) -> Path:
        """The simulator CA root (PEM): what a DV trusts for the HTTPS server certificate."""
        return self.work_dir / "tls" / "ca-root.pem"

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "base_url": self.base_url,
            "hm_entity_id": self.settings.hm_entity_id,
            "metadata_url": self.metadata_url,
            "sso_url": self.settings.sso_url,
            "ars_url": self.settings.ars_url,
            "tls": self.config.tls,
            "state": str(self.config.state) if self.config.state else None,
        }
        if self.broker is not None:
            out["signing_key_name"] = self.broker.keys.hm.key_name
            out["signing_certificate_url"] = self.metadata_url + "/signing.pem"
            out["ca_certificate_url"] = self.base_url + "/broker/ca.pem"
        return out

    # -- life cycle

    def load(self) -> Broker | None:
        """Build the broker with the DV registered; on a DV that cannot be read, keep the reason and return None."""
        try:
            broker = build_broker(self.settings)
        except EhkitError as exc:
            self.load_error = exc
            return None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"the simulator cannot start: {exc}", reason="config") from None
        broker.request_observer = self._observe_request
        self.broker = broker
        return broker

    def _observe_request(self, dv: str, xml: bytes) -> None:
        with self._lock:
            self.requests.append((dv, xml))

    def start(self) -> None:
        broker = self.broker or self.load()
        if broker is None:
            return
        tap = _Tap(create_app(broker=broker), self.ars_path)
        self.tap = tap
        self._uvicorn = self._server_config(broker, tap)
        self._run()

    def _server_config(self, broker: Broker, tap: _Tap) -> uvicorn.Config:
        if not self.config.tls:
            return uvicorn.Config(
                tap, host=self.listen, port=self.port, log_level="warning", access_log=False, lifespan="off"
            )
        tls = self.work_dir / "tls"
        tls.mkdir(parents=True, exist_ok=True)
        cert, key = tls / "server.crt", tls / "server.key"
        if not self._server_cert_usable(cert, broker.keys.ca):
            chain, key_pem = issue_server_certificate(broker.keys.ca, self.host)
            atomic_write(key, key_pem, mode=0o600)
            atomic_write(cert, chain)
        atomic_write(self.ca_file, broker.keys.ca.root.public_bytes(serialization.Encoding.PEM))
        clients = tls / "dv-clients.pem"
        pem = b"".join(
            c.public_bytes(serialization.Encoding.PEM) for dv in broker.registry.all() for c in dv.signing_certificates
        )
        atomic_write(clients, pem)
        return _PartialChainConfig(
            tap,
            host=self.listen,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=TlsInfoProtocol,
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
            ssl_ca_certs=str(clients),
            ssl_cert_reqs=ssl.CERT_OPTIONAL,
        )

    def _server_cert_usable(self, path: Path, ca: TestCA) -> bool:
        """Reuse the server certificate in ``state`` while it is this CA's, for this host, and valid 30 more days."""
        if not path.is_file():
            return False
        try:
            cert = x509.load_pem_x509_certificate(path.read_bytes())
        except ValueError:
            return False
        if cert.issuer != ca.intermediate.subject:
            return False
        if cert.not_valid_after_utc < datetime.now(UTC) + timedelta(days=30):
            return False
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        wanted: x509.GeneralName = (
            x509.IPAddress(ipaddress.ip_address(self.host)) if _is_address(self.host) else x509.DNSName(self.host)
        )
        return wanted in san

    def _run(self) -> None:
        if self._uvicorn is None:
            raise RuntimeError("start() the simulator first")
        server = uvicorn.Server(self._uvicorn)
        thread = threading.Thread(target=server.run, name=f"ehkit-conformance-simulator-{self.port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise ConfigError(
                    f"the simulator could not listen on {self.listen}:{self.port}; is the port in use? "
                    "(choose another --broker-url, or leave it out for a free port)",
                    reason="config",
                )
            time.sleep(0.02)
        self._server, self._thread = server, thread

    def pause(self) -> None:
        """Stop listening (the broker is down), keeping all state."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(15)
            self._server = self._thread = None

    def resume(self) -> None:
        if self._server is None and self._uvicorn is not None:
            self._run()

    def stop(self) -> None:
        self.pause()
        self._stop_loop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def resolve_observations(self) -> list[ResolveObservation]:
        if self.tap is None:
            return []
        with self.tap.lock:
            return list(self.tap.observations)

    def observed_requests(self) -> list[tuple[str, bytes]]:
        with self._lock:
            return list(self.requests)

    def run_async(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run an engine coroutine from the (synchronous) runner, on a loop of the simulator's own.

        Not ``asyncio.run``: the caller's thread may already run an event loop (a notebook, a
        Playwright session, the workspace's web server).
        """
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="ehkit-conformance-engine", daemon=True)
            thread.start()
            self._loop, self._loop_thread = loop, thread
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def _stop_loop(self) -> None:
        if self._loop is not None and self._loop_thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop_thread.join(10)
            self._loop.close()
        self._loop = self._loop_thread = None
