"""A DV and the broker simulator wired together, in-process or over real loopback HTTP.

The DV is configured the way a real one is: an ``ehkit.toml`` with its own
keys, the broker's metadata file and pinned signing certificate. The broker
reads that DV from the same configuration (SP metadata + catalogue built in
memory). Keys are made once per session; environments are cheap after that.
"""

from __future__ import annotations

import html
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from cryptography.hazmat.primitives import serialization
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ehkit.broker import DEFAULT_HM_ENTITY_ID, BrokerSettings, build_broker, create_app
from ehkit.broker.data import TestData, load_test_data
from ehkit.broker.engine import Broker
from ehkit.broker.keys import BrokerKeys, load_or_create_keys
from ehkit.config import EhkitConfig, load_config
from ehkit.errors import LoginRejected
from ehkit.pki import KeyPair, TestCA

DV_OIN = "00000001234567890000"
DV_ENTITY = f"urn:etoegang:DV:{DV_OIN}:entities:9009"
DV_EIDAS_ENTITY = f"urn:etoegang:DV:{DV_OIN}:entities:9010"
HM_ENTITY = DEFAULT_HM_ENTITY_ID
#: The example "melding" UUID: Fleur (default data) is authorised for this service only.
MELDING_UUID = "0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a01"
VERGUNNING_UUID = "5d3c8a52-3f0e-4f6b-9a61-7f0c2b9e4d10"
ZZP_UUID = "5d3c8a52-3f0e-4f6b-9a61-7f0c2b9e4d11"
EIDAS_UUID = "5d3c8a52-3f0e-4f6b-9a61-7f0c2b9e4d12"
COMPANY_NAME = "urn:etoegang:1.11:attribute-represented:CompanyName"

TOML = """
[dv]
oin = "{oin}"
entity_index = 9009
name_nl = "Gemeente Testdorp"
name_en = "Municipality of Testdorp"
is_public = true
acs_url = "{dv_url}/acs"
post_acs_url = "{dv_url}/acs-post"

[keys]
signing_key = "keys/dv.key"
signing_cert = "keys/dv.crt"

[broker]
entity_id = "{hm}"
metadata_file = "broker/metadata.xml"
pinned_certs = ["broker/hm-signing.pem"]
artifact_resolution_timeout = {{ connect = 2, read = {read_timeout} }}
{broker_extra}

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
privacy_url_nl = "https://testdorp.example/privacy"
privacy_url_en = "https://testdorp.example/en/privacy"

[[services.attributes]]
urn = "{company_name}"
purpose_nl = "Om de aanvraag op naam te zetten."
purpose_en = "To put the application in the company's name."

[[services]]
key = "zzp"
index = 4
uuid = "{zzp}"
name_nl = "Ondernemersloket zzp"
name_en = "Sole trader desk"
description_nl = "Voor eenmanszaken, ook met BSN."
description_en = "For sole traders, also by BSN."
loa = "EH3"
identifier_sets = [["BSN"], ["KvKnr"]]
bsnk_structure_version = 1
bsnk_recipient_key_set_version = 1

[[services]]
key = "eidas"
index = 3
uuid = "{eidas}"
name_nl = "Omgevingsvergunning (Europese inlog)"
name_en = "Environmental permit (European login)"
description_nl = "Met een inlogmiddel uit een ander EU-land."
description_en = "With a login means from another EU country."
loa = "EH3"
eidas = true
identifier_sets = [["Pseudo"]]

[[metadata_groups]]
name = "eidas"
entity_id = "{eidas_entity}"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """uvicorn in a daemon thread on a loopback port."""

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
class SessionKeys:
    """Made once: RSA key generation is the slow part of these tests."""

    broker: BrokerKeys
    ca: TestCA
    dv: KeyPair
    other_dv: KeyPair
    data: TestData

    @classmethod
    def create(cls) -> SessionKeys:
        data = load_test_data()
        broker = load_or_create_keys(
            None,
            hm_entity_id=HM_ENTITY,
            mr_entity_id=data.machtigingenregister.entity_id,
            ads={a.id: a.entity_id for a in data.authentication_services},
        )
        ca = TestCA.create("ehkit DV Test")
        return cls(broker, ca, ca.issue(DV_OIN, "DV"), ca.issue("00000007777777770000", "DV"), data)


@dataclass
class BrokerEnv:
    dir: Path
    config: EhkitConfig
    broker: Broker
    app: Starlette
    base_url: str
    dv_url: str
    keys: SessionKeys
    pending: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> TestData:
        return self.broker.data

    def sp(self, **kwargs: Any) -> Any:
        from ehkit.sp import ServiceProvider

        return ServiceProvider.from_config(self.config, **kwargs)


def make_env(
    directory: Path,
    keys: SessionKeys,
    *,
    base_url: str,
    dv_url: str,
    read_timeout: float = 2.0,
    clock: Callable[[], datetime] | None = None,
    broker_toml: str = "",
    toml_edit: Callable[[str], str] | None = None,
    **settings: Any,
) -> BrokerEnv:
    """Write the DV's files, build the broker from its configuration, publish the broker metadata to the DV."""
    (directory / "keys").mkdir(parents=True, exist_ok=True)
    (directory / "broker").mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    (directory / "keys" / "dv.key").write_bytes(keys.dv.private_pem())
    (directory / "keys" / "dv.crt").write_bytes(keys.dv.certificate_pem())
    (directory / "broker" / "hm-signing.pem").write_bytes(keys.broker.hm.certificate.public_bytes(pem))
    toml = TOML.format(
        oin=DV_OIN,
        dv_url=dv_url,
        hm=HM_ENTITY,
        read_timeout=read_timeout,
        melding=MELDING_UUID,
        vergunning=VERGUNNING_UUID,
        zzp=ZZP_UUID,
        eidas=EIDAS_UUID,
        eidas_entity=DV_EIDAS_ENTITY,
        company_name=COMPANY_NAME,
        broker_extra=broker_toml,
    )
    if toml_edit is not None:
        toml = toml_edit(toml)
    (directory / "ehkit.toml").write_text(toml, encoding="utf-8")
    config = load_config(directory / "ehkit.toml")
    broker_settings = BrokerSettings(base_url=base_url, data=keys.data, keys=keys.broker, configs=[config], **settings)
    if clock is not None:
        broker_settings.clock = clock
    broker = build_broker(broker_settings)
    app = create_app(broker=broker)
    (directory / "broker" / "metadata.xml").write_bytes(app.state.metadata_xml)
    return BrokerEnv(directory, config, broker, app, base_url, dv_url, keys)


# ------------------------------------------------------------------ a DV web app using the ehkit SP


def dv_app(env: BrokerEnv, sp: Any) -> Starlette:
    """A minimal DV: /start/<service> begins a login, the ACS shows the result or the refusal reason."""

    async def start(request: Request) -> Response:
        begin = sp.start_login(request.path_params["service"], relay_state="/welkom")
        env.pending[begin.relay_state] = begin.request_id
        return RedirectResponse(begin.url, status_code=303)

    def show(result: Any) -> Response:
        rows = {
            "legal-type": result.legal_subject.type.name,
            "legal-value": str(result.legal_subject.value),
            "acting": str(result.acting_subject.value),
            "loa": result.loa.label,
            "vestiging": result.vestigingsnummer or "",
            "intermediary": result.intermediary.kvk if result.intermediary else "",
            "service": result.service,
        }
        body = "".join(f'<dt>{k}</dt><dd data-testid="dv-{k}">{html.escape(v)}</dd>' for k, v in rows.items())
        return HTMLResponse(
            f'<!DOCTYPE html><html lang="nl"><body><h1 data-testid="dv-welcome">Welkom</h1><dl>{body}</dl></body></html>'
        )

    def refused(exc: LoginRejected) -> Response:
        return HTMLResponse(
            f'<!DOCTYPE html><html lang="nl"><body><p data-testid="dv-refused" data-reason="{html.escape(exc.reason)}">Inloggen mislukt</p></body></html>',
            status_code=403,
        )

    async def acs(request: Request) -> Response:
        params = (
            dict(request.query_params)
            if request.method == "GET"
            else {k: str(v) for k, v in (await request.form()).items()}
        )
        relay = params.get("RelayState")
        try:
            result = sp.finish_login(
                saml_art=params.get("SAMLart"),
                saml_response=params.get("SAMLResponse"),
                relay_state=relay,
                request_id=env.pending.get(relay or ""),
            )
        except LoginRejected as exc:
            return refused(exc)
        return show(result)

    return Starlette(
        routes=[
            Route("/start/{service}", start),
            Route("/acs", acs, methods=["GET", "POST"]),
            Route("/acs-post", acs, methods=["POST"]),
        ]
    )


def now_utc() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------ building what a DV sends


def authn_request(
    env: BrokerEnv,
    *,
    index: int | None = 2,
    issuer: str = DV_ENTITY,
    destination: str | None = None,
    loa: Any = None,
    acs_url: str | None = None,
    is_passive: bool | None = None,
    issue_instant: datetime | None = None,
    request_id: str | None = None,
) -> Any:
    from ehkit.saml import constants as c
    from ehkit.saml.authn_request import AuthnRequest
    from ehkit.saml.ids import new_id

    return AuthnRequest(
        id=request_id or new_id(),
        issue_instant=issue_instant or env.broker.now(),
        destination=destination or env.broker.settings.sso_url,
        issuer=issuer,
        attribute_consuming_service_index=index,
        requested_loa=loa,
        protocol_binding=c.BINDING_ARTIFACT,
        assertion_consumer_service_url=acs_url or f"{env.dv_url}/acs",
        is_passive=is_passive,
    )


def redirect_url_for(
    env: BrokerEnv, request: Any, *, relay_state: str | None = "rs-1", key: KeyPair | None = None
) -> str:
    from ehkit.saml.bindings import redirect_url

    pair = key or env.keys.dv
    return redirect_url(request.destination, request.to_xml(), relay_state=relay_state, private_key=pair.private_key)


def post_fields_for(request: Any, key: KeyPair | None, *, relay_state: str | None = "rs-1") -> dict[str, str]:
    from ehkit.saml.bindings import b64encode

    xml = request.to_signed_xml(key.private_key, key.key_name) if key is not None else request.to_xml()
    fields = {"SAMLRequest": b64encode(xml)}
    if relay_state is not None:
        fields["RelayState"] = relay_state
    return fields


def artifact_resolve(env: BrokerEnv, saml_art: str, *, key: KeyPair | None = None, issuer: str = DV_ENTITY) -> bytes:
    from ehkit.saml.artifact_resolution import build_artifact_resolve
    from ehkit.saml.soap import wrap

    pair = key or env.keys.dv
    el = build_artifact_resolve(
        saml_art,
        issuer=issuer,
        destination=env.broker.settings.ars_url,
        now=env.broker.now(),
        key=pair.private_key,
        key_name=pair.key_name,
    )
    return wrap(el)


def resolve(client: Any, env: BrokerEnv, saml_art: str, **kwargs: Any) -> Any:
    """POST an ArtifactResolve to the ARS; returns (HTTP response, ArtifactResponse element or None)."""
    from ehkit.saml.soap import unwrap

    answer = client.post(
        env.broker.settings.ars_path,
        content=artifact_resolve(env, saml_art, **kwargs),
        headers={"Content-Type": "text/xml"},
    )
    if answer.status_code != 200:
        return answer, None
    payload, _ = unwrap(answer.content)
    return answer, payload


def status_of(response: Any) -> tuple[str | None, str | None, str | None]:
    """(top, second, message) of a samlp:Response element."""
    from ehkit.xml.ns import SAMLP, q

    status = response.find(q(SAMLP, "Status"))
    top = status.find(q(SAMLP, "StatusCode"))
    sub = top.find(q(SAMLP, "StatusCode"))
    return top.get("Value"), sub.get("Value") if sub is not None else None, status.findtext(q(SAMLP, "StatusMessage"))


def delivered_response(client: Any, env: BrokerEnv, location: str) -> Any:
    """Follow an artifact redirect to the ACS the way the DV would: resolve the SAMLart at the ARS."""
    from urllib.parse import parse_qs, urlsplit

    from ehkit.xml.ns import SAMLP, q

    query = parse_qs(urlsplit(location).query)
    _, payload = resolve(client, env, query["SAMLart"][0])
    return payload.find(q(SAMLP, "Response"))
