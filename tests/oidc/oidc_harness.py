"""One DV, configured twice (SAML and OIDC), against one broker simulator on a loopback port.

The same services, keys and EntityID appear in every variant, so a login
over SAML and one over OIDC can be compared field by field. Each OIDC
variant registers its own client at the simulator (from its own ehkit.toml),
with its own claim profile and client authentication.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import uvicorn
from cryptography.hazmat.primitives import serialization

from ehkit.broker import DEFAULT_HM_ENTITY_ID, BrokerSettings, build_broker, create_app
from ehkit.broker.data import TestData, load_test_data
from ehkit.broker.keys import BrokerKeys, load_or_create_keys
from ehkit.config import EhkitConfig, load_config
from ehkit.pki import KeyPair, TestCA

DV_OIN = "00000001234567890000"
DV_ENTITY = f"urn:etoegang:DV:{DV_OIN}:entities:9009"
HM_ENTITY = DEFAULT_HM_ENTITY_ID
MELDING_UUID = "0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a01"
VERGUNNING_UUID = "5d3c8a52-3f0e-4f6b-9a61-7f0c2b9e4d10"
COMPANY_NAME = "urn:etoegang:1.11:attribute-represented:CompanyName"
SECRET = "s3cret-for-the-simulator-only-0123456789"  # noqa: S105 - a test secret

TOML = """
[dv]
oin = "{oin}"
entity_index = 9009
name_nl = "Gemeente Testdorp"
name_en = "Municipality of Testdorp"
is_public = true
acs_url = "{dv_url}/acs"

[keys]
signing_key = "keys/dv.key"
signing_cert = "keys/dv.crt"

[broker]
entity_id = "{hm}"
metadata_file = "broker/metadata.xml"
pinned_certs = ["broker/hm-signing.pem"]
artifact_resolution_timeout = {{ connect = 2, read = 5 }}
protocol = "{protocol}"
{oidc}

[state]
store = "memory://"

[[services]]
key = "melding"
index = 1
uuid = "{melding}"
name_nl = "Melding openbare ruimte"
name_en = "Report an issue"
description_nl = "Meld een probleem in de openbare ruimte."
description_en = "Report a problem in a public space."
loa = "EH2+"
identifier_sets = [["KvKnr"]]

[[services]]
key = "vergunning"
index = 2
uuid = "{vergunning}"
name_nl = "Omgevingsvergunning"
name_en = "Environmental permit"
description_nl = "Vraag een omgevingsvergunning aan."
description_en = "Apply for an environmental permit."
loa = "EH3"
identifier_sets = [["KvKnr", "RSIN"], ["KvKnr"]]
vestiging_restriction = true
intermediation = "generalAvailable"
{vergunning_client}
privacy_url_nl = "https://testdorp.example/privacy"

[[services.attributes]]
urn = "{company_name}"
purpose_nl = "Om de aanvraag op naam te zetten."
purpose_en = "To put the application in the company's name."
"""

OIDC = """
[broker.oidc]
issuer = "{issuer}"
client_id = "{client_id}"
redirect_uri = "{dv_url}/oidc/callback"
auth_method = "{auth_method}"
{secret}
profile = "{profile}"
userinfo = {userinfo}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    def __init__(self, app: Any, port: int) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
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
class Keys:
    broker: BrokerKeys
    dv: KeyPair
    data: TestData

    @classmethod
    def create(cls) -> Keys:
        data = load_test_data()
        broker = load_or_create_keys(
            None,
            hm_entity_id=HM_ENTITY,
            mr_entity_id=data.machtigingenregister.entity_id,
            ads={a.id: a.entity_id for a in data.authentication_services},
        )
        return cls(broker, TestCA.create("ehkit DV OIDC Test").issue(DV_OIN, "DV"), data)


@dataclass(frozen=True)
class Variant:
    """One ehkit.toml of the DV: SAML, or OIDC with a client id, profile and auth method."""

    name: str
    protocol: str = "oidc"
    profile: str = "urn-claims"
    auth_method: str = "client_secret_basic"
    userinfo: bool = False


@dataclass
class OidcWorld:
    dir: Path
    base_url: str
    dv_url: str
    keys: Keys
    configs: dict[str, EhkitConfig]
    app: Any = None
    server: ServerThread | None = None
    sps: dict[str, Any] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return self.base_url + "/oidc"

    @property
    def broker(self) -> Any:
        return self.app.state.broker

    def sp(self, variant: str) -> Any:
        if variant not in self.sps:
            from ehkit.sp import ServiceProvider

            self.sps[variant] = ServiceProvider.from_config(self.configs[variant])
        return self.sps[variant]

    def api_login(self, redirect_url: str, **choices: Any) -> dict[str, Any]:
        answer = httpx.post(f"{self.base_url}/api/login", json={"redirect_url": redirect_url, **choices}, timeout=10)
        body = answer.json()
        body["status_code"] = answer.status_code
        return body

    def close(self) -> None:
        for sp in self.sps.values():
            sp.close()
        if self.server is not None:
            self.server.stop()


def callback_params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def write_variant(directory: Path, keys: Keys, variant: Variant, *, dv_url: str, issuer: str) -> EhkitConfig:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "keys").mkdir(exist_ok=True)
    (directory / "broker").mkdir(exist_ok=True)
    (directory / "keys" / "dv.key").write_bytes(keys.dv.private_pem())
    (directory / "keys" / "dv.crt").write_bytes(keys.dv.certificate_pem())
    pem = keys.broker.hm.certificate.public_bytes(serialization.Encoding.PEM)
    (directory / "broker" / "hm-signing.pem").write_bytes(pem)
    (directory / "client-secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    oidc = ""
    if variant.protocol == "oidc":
        secret = 'client_secret_file = "client-secret.txt"' if variant.auth_method == "client_secret_basic" else ""
        oidc = OIDC.format(
            issuer=issuer,
            client_id=f"{variant.name}-client",
            dv_url=dv_url,
            auth_method=variant.auth_method,
            secret=secret,
            profile=variant.profile,
            userinfo="true" if variant.userinfo else "false",
        )
    text = TOML.format(
        oin=DV_OIN,
        dv_url=dv_url,
        hm=HM_ENTITY,
        protocol=variant.protocol,
        oidc=oidc,
        melding=MELDING_UUID,
        vergunning=VERGUNNING_UUID,
        company_name=COMPANY_NAME,
        vergunning_client=f'oidc_client_id = "{variant.name}-vergunning"' if variant.protocol == "oidc" else "",
    )
    (directory / "ehkit.toml").write_text(text, encoding="utf-8")
    return load_config(directory / "ehkit.toml", check_files=False)


def make_world(
    directory: Path, keys: Keys, variants: list[Variant], *, serve: bool = True, dv_port: int = 9
) -> OidcWorld:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    dv_url = f"http://127.0.0.1:{dv_port}"
    configs = {
        v.name: write_variant(directory / v.name, keys, v, dv_url=dv_url, issuer=base_url + "/oidc") for v in variants
    }
    settings = BrokerSettings(base_url=base_url, data=keys.data, keys=keys.broker, configs=list(configs.values()))
    app = create_app(broker=build_broker(settings))
    for v in variants:
        (directory / v.name / "broker" / "metadata.xml").write_bytes(app.state.metadata_xml)
    world = OidcWorld(directory, base_url, dv_url, keys, configs, app=app)
    if serve:
        world.server = ServerThread(app, port).start()
    return world
