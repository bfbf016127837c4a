"""DVs for the conformance tests: ehkit's demo portal and the weak DV, on loopback ports.

Each DV publishes its SP metadata and catalogue as files, exactly what the
suite gets from a real DV. The simulator keys live in one state folder per
setup, so the DVs pin the simulator's certificate once, as a real DV would.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from ehkit.broker import DEFAULT_HM_ENTITY_ID, BrokerSettings, build_broker
from ehkit.conformance import ConformanceConfig, LoginTarget, SimulatorConfig
from ehkit.pki import TestCA, load_certificate

DEMO_SERVICES = ("vergunning", "melding", "eidas")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    def __init__(self, app: Any, port: int) -> None:
        self.port = port
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class PublishedDv:
    """What a DV hands to the suite, and where it runs."""

    url: str
    metadata: list[Path]
    catalogue: Path
    state: Path
    broker_port: int
    server: ServerThread
    app_state: Any = None

    def login(self, service: str, *, identity: bool = True) -> LoginTarget:
        return LoginTarget(
            login_url=f"{self.url}/login/{service}",
            success_url=f"{self.url}/dienst/{service}",
            identity_url=f"{self.url}/dienst/{service}" if identity else None,
        )

    def config(self, services: tuple[str, ...], *, tls: bool = False, **extra: Any) -> ConformanceConfig:
        scheme = "https" if tls else "http"
        return ConformanceConfig(
            metadata=[str(m) for m in self.metadata],
            catalogue=str(self.catalogue),
            logins=[self.login(s) for s in services],
            simulator=SimulatorConfig(base_url=f"{scheme}://127.0.0.1:{self.broker_port}", state=self.state, tls=tls),
            **extra,
        )


def publish(config: Any, root: Path) -> tuple[list[Path], Path]:
    from ehkit.catalogue.build import build_catalogue
    from ehkit.catalogue.sp_metadata import build_all_sp_metadata

    now = datetime.now(UTC)
    files = []
    for group, xml in build_all_sp_metadata(config, now).items():
        path = root / f"metadata-{group}.xml"
        path.write_bytes(xml)
        files.append(path)
    catalogue = root / "catalogue.xml"
    catalogue.write_bytes(build_catalogue(config, at=now))
    return files, catalogue


def start_demo_dv(root: Path, *, tls: bool) -> PublishedDv:
    """ehkit's demo portal ("Gemeente Voorbeeldstad") on ehkit.sp, without its own simulator."""
    from ehkit import ServiceProvider
    from ehkit.config import load_config
    from ehkit.demo.portal import create_portal
    from ehkit.demo.setup import prepare

    portal_port, broker_port = free_port(), free_port()
    paths = prepare(root, portal_port=portal_port, broker_port=broker_port)
    metadata_transport = None
    if tls:
        text = paths.config.read_text(encoding="utf-8")
        text = text.replace(f'"http://127.0.0.1:{broker_port}/', f'"https://127.0.0.1:{broker_port}/')
        text = text.replace(
            'pinned_certs = ["broker-state/keys/hm.crt"]',
            'pinned_certs = ["broker-state/keys/hm.crt"]\ntls_ca = "broker-state/ca/ca-root.pem"',
        )
        paths.config.write_text(text, encoding="utf-8")
        ca = ssl.create_default_context(cafile=str(paths.broker_state / "ca" / "ca-root.pem"))
        metadata_transport = httpx.HTTPTransport(verify=ca)
    config = load_config(paths.config)
    metadata, catalogue = publish(config, root)
    sp = ServiceProvider.from_config(config, metadata_transport=metadata_transport)
    server = ServerThread(create_portal(paths.config, sp=sp), portal_port).start()
    return PublishedDv(
        f"http://127.0.0.1:{portal_port}", metadata, catalogue, paths.broker_state, broker_port, server, sp
    )


WEAK_TOML = """
[dv]
oin = "{oin}"
entity_index = 7
name_nl = "Gemeente Zwakdorp"
name_en = "Municipality of Zwakdorp"
is_public = true
acs_url = "{url}/acs"

[dv.contact]
company = "Gemeente Zwakdorp"
email = "beheer@zwakdorp.example"

[keys]
signing_key = "keys/dv.key"
signing_cert = "keys/dv.crt"

[broker]
entity_id = "{hm}"
metadata_url = "{broker}/broker/metadata/1.13"
pinned_certs = ["{state}/keys/hm.crt"]

[[services]]
key = "vergunning"
index = 2
uuid = "{uuid}"
name_nl = "Omgevingsvergunning"
name_en = "Environmental permit"
description_nl = "Vraag een omgevingsvergunning aan."
description_en = "Apply for an environmental permit."
loa = "EH3"
identifier_sets = [["KvKnr"]]
vestiging_restriction = true
intermediation = "generalAvailable"
"""
WEAK_OIN = "00000001112223330000"


def start_weak_dv(root: Path, *, backend: str = "ehkit", tls: bool = False) -> PublishedDv:
    """The hand-written weak DV (tests/conformance/weak_dv.py) with one service, EH3, vestiging, intermediaries."""
    from weak_dv import EhkitCrypto, Identity, Pysaml2Crypto, Service, WeakDv

    from ehkit.config import load_config
    from ehkit.domain.loa import LevelOfAssurance
    from ehkit.pki import KeyPair

    port, broker_port = free_port(), free_port()
    state = root / "broker-state"
    # The simulator's keys exist before the DV pins its certificate.
    build_broker(BrokerSettings(base_url=f"http://127.0.0.1:{broker_port}", state_dir=state))
    keys = root / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    pair = TestCA.create("Zwakdorp test PKI").issue(WEAK_OIN, "DV", organisation="Gemeente Zwakdorp")
    (keys / "dv.key").write_bytes(pair.private_pem())
    (keys / "dv.crt").write_bytes(pair.certificate_pem())
    scheme = "https" if tls else "http"
    service_uuid = str(uuid.uuid4())
    (root / "ehkit.toml").write_text(
        WEAK_TOML.format(
            oin=WEAK_OIN,
            url=f"http://127.0.0.1:{port}",
            hm=DEFAULT_HM_ENTITY_ID,
            broker=f"{scheme}://127.0.0.1:{broker_port}",
            state=state,
            uuid=service_uuid,
        ),
        encoding="utf-8",
    )
    config = load_config(root / "ehkit.toml")
    metadata, catalogue = publish(config, root)
    identity = Identity(
        entity_id=str(config.dv.entity_id),
        keys=KeyPair.load(keys / "dv.key", keys / "dv.crt"),
        acs_url=f"http://127.0.0.1:{port}/acs",
        services={
            "vergunning": Service(
                "vergunning", 2, f"urn:etoegang:DV:{WEAK_OIN}:services:2", service_uuid, LevelOfAssurance.EH3
            )
        },
        hm_entity_id=DEFAULT_HM_ENTITY_ID,
        hm_metadata_url=f"{scheme}://127.0.0.1:{broker_port}/broker/metadata/1.13",
        hm_certificate=load_certificate(state / "keys" / "hm.crt"),
        tls_ca=state / "ca" / "ca-root.pem" if tls else None,
    )
    if backend == "pysaml2":
        import shutil

        xmlsec1 = shutil.which("xmlsec1")
        if xmlsec1 is None:
            raise RuntimeError("xmlsec1 is needed for the pysaml2 backend")
        dv = WeakDv(identity, lambda i: Pysaml2Crypto(i, xmlsec1))
    else:
        dv = WeakDv(identity, EhkitCrypto)
    server = ServerThread(dv.app(), port).start()
    return PublishedDv(f"http://127.0.0.1:{port}", metadata, catalogue, state, broker_port, server, dv)
