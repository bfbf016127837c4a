"""Servers for the integration tests: the broker simulator and a DV application on loopback ports.

A test set-up (keys, ehkit.toml) is written once per session by
``ehkit.integrations.base.testsetup`` (what ``ehkit integration init`` runs)
and copied per site with the site's own URLs, so RSA key generation happens
once. The broker reads the DV from that same ehkit.toml.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AsgiServer:
    def __init__(self, app: Any, port: int, *, lifespan: str = "on", **config: Any) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan, **config)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> AsgiServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start (see the log above)")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=2)
        if self.thread.is_alive():  # a client still holds a keep-alive connection: do not wait for it
            self.server.force_exit = True
            self.thread.join(timeout=10)


def self_signed(directory: Path, host: str = "localhost") -> dict[str, str]:
    """A TLS server certificate for ``host`` (the browser is told to accept it)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "site.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "site.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return {"ssl_certfile": str(directory / "site.crt"), "ssl_keyfile": str(directory / "site.key")}


class WsgiServer:
    def __init__(self, app: Any, port: int) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> WsgiServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def copy_setup(
    template: Path,
    directory: Path,
    *,
    site_url: str,
    broker_url: str,
    prefix: str = "/eherkenning",
    post: bool = False,
    slo: bool = False,
) -> Path:
    """A copy of the test set-up whose ehkit.toml names this site's ACS and this broker
    (``post``: the ACS also takes the POST response binding, at the same path; ``slo``:
    single sign-on for melding and vergunning, and the site's SingleLogoutService)."""
    shutil.copytree(template, directory, dirs_exist_ok=True)
    config = directory / "ehkit.toml"
    text = config.read_text(encoding="utf-8")
    acs = f"{site_url}{prefix}/acs/"
    extra = f'\npost_acs_url = "{acs}"' if post else ""
    if slo:
        extra += f'\nslo_url = "{site_url}{prefix}/slo/"'
        text = text.replace('loa = "EH2+"\n', 'loa = "EH2+"\nsso_support = true\n', 1)
        text = text.replace('loa = "EH3"\n', 'loa = "EH3"\nsso_support = true\n', 1)
    text = re.sub(r'(?m)^acs_url = "[^"]*"', f'acs_url = "{acs}"{extra}', text)
    text = re.sub(r'(?m)^metadata_url = "[^"]*"', f'metadata_url = "{broker_url}/broker/metadata/1.13"', text)
    config.write_text(text, encoding="utf-8")
    return config


OIDC_SECRET = "integration-test-oidc-secret-0123456789"  # noqa: S105 - a test secret for the simulator


def use_oidc(config: Path, *, site_url: str, broker_url: str, prefix: str = "/eherkenning") -> Path:
    """Switch the copied ehkit.toml to the simulator's OpenID Connect front: ``[broker] protocol``
    and a ``[broker.oidc]`` table, nothing else (the application's code stays as it is)."""
    text = config.read_text(encoding="utf-8")
    (config.parent / "oidc-secret.txt").write_text(OIDC_SECRET + "\n", encoding="utf-8")
    text = text.replace("\n[broker]\n", '\n[broker]\nprotocol = "oidc"\n', 1)
    # One client per service beyond the first, as brokers register them (the simulator needs to know
    # which catalogue service a login is for).
    for key in ("vergunning", "eidas"):
        text = text.replace(f'\nkey = "{key}"\n', f'\nkey = "{key}"\noidc_client_id = "integration-test-{key}"\n', 1)
    text += (
        "\n[broker.oidc]\n"
        f'issuer = "{broker_url}/oidc"\n'
        'client_id = "integration-test"\n'
        f'redirect_uri = "{site_url}{prefix}/oidc/callback/"\n'
        'client_secret_file = "oidc-secret.txt"\n'
        'profile = "urn-claims"\n'
    )
    config.write_text(text, encoding="utf-8")
    return config


def broker_app(config: Path, broker_url: str, **settings: Any) -> Any:
    from ehkit.broker import BrokerSettings, create_app

    return create_app(
        BrokerSettings(base_url=broker_url, state_dir=config.parent / ".broker", config_files=[config], **settings)
    )


def load_example(name: str, module: str) -> ModuleType:
    """Import examples/<name>/<module>.py afresh (a new integration instance each time)."""
    path = EXAMPLES / name / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}_{module}_{time.monotonic_ns()}", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@contextmanager
def env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass
class Site:
    """A running DV application and its broker."""

    name: str
    url: str
    broker_url: str
    config: Path
    servers: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for s in reversed(self.servers):
            s.stop()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=20)


class Headless:
    """A user without a browser: the site through httpx, the broker through its JSON API."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.http = site.client()

    def close(self) -> None:
        self.http.close()

    def start(self, service: str | None, next_path: str | None = None) -> httpx.Response:
        params = {k: v for k, v in (("service", service), ("next", next_path)) if v}
        return self.http.get("/eherkenning/login/", params=params)

    def at_broker(self, start: httpx.Response, **body: Any) -> dict[str, Any]:
        assert start.status_code == 303, start.text
        answer = httpx.post(
            f"{self.site.broker_url}/api/login", json={"redirect_url": start.headers["location"], **body}, timeout=20
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def deliver(self, delivery: dict[str, Any], *, method: str | None = None) -> httpx.Response:
        url = urlsplit(delivery["url"] if delivery.get("url") else delivery["acs_url"])
        path = url.path
        fields = dict(delivery.get("fields") or {})
        if (method or delivery["method"]) == "GET":
            query = {k: v[0] for k, v in parse_qs(url.query).items()} or fields
            return self.http.get(path, params=query)
        return self.http.post(path, data=fields)

    def login(self, service: str, next_path: str | None = None, **body: Any) -> httpx.Response:
        body.setdefault("person", "anna")
        answer = self.at_broker(self.start(service, next_path), **body)
        return self.deliver(answer["delivery"])
