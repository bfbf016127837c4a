"""The two ASGI apps of the HTTP login benchmark, built from a prepared directory.

``prepare(directory, ...)`` writes what a real DV has (an ``ehkit.toml``, its
key and certificate from a test CA, the broker's metadata and pinned signing
certificate) and the simulator's key state. uvicorn then starts, each in its
own process::

    uvicorn --factory bench.http_apps:broker_app   (one process: the simulator keeps flows in memory)
    uvicorn --factory bench.http_apps:dv_app --workers 2

both reading ``EHKIT_BENCH_DIR``. The DV app is the smallest useful one:
``/start/<service>`` begins a login (redirect binding; the request ID goes into
a cookie, binding the answer to this browser) and ``/acs`` finishes it
(artifact resolution over SOAP to the simulator) and answers 200 with the
legal subject, or 403 with the refusal reason.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

DV_OIN = "00000001234567890000"
SERVICE = "melding"
PERSON = "anna"  # default test data: director of Bakkerij De Korenaar, may act for every service

_TOML = """
[dv]
oin = "{oin}"
entity_index = 9009
name_nl = "Gemeente Benchdorp"
name_en = "Municipality of Benchdorp"
is_public = true
acs_url = "{dv_url}/acs"

[keys]
signing_key = "keys/dv.key"
signing_cert = "keys/dv.crt"

[broker]
entity_id = "{hm}"
metadata_file = "broker/metadata.xml"
pinned_certs = ["broker/hm-signing.pem"]
artifact_resolution_timeout = {{ connect = 5, read = 10 }}

[state]
store = "sqlite:///{store}"

[[services]]
key = "{service}"
index = 1
uuid = "7d0b3f4e-2f6a-4c1d-9a0e-5b8c1d2e3f40"
name_nl = "Melding openbare ruimte"
name_en = "Report an issue"
description_nl = "Meld een probleem in de openbare ruimte."
description_en = "Report a problem in a public space."
loa = "EH2+"
identifier_sets = [["KvKnr"]]
"""


def prepare(directory: Path, *, broker_url: str, dv_url: str) -> None:
    """Write the DV's files and the simulator's keys; publish the broker metadata to the DV."""
    from cryptography.hazmat.primitives import serialization

    from ehkit.broker import DEFAULT_HM_ENTITY_ID, BrokerSettings, build_broker, create_app
    from ehkit.broker.data import load_test_data
    from ehkit.broker.keys import load_or_create_keys
    from ehkit.config import load_config
    from ehkit.pki import TestCA

    (directory / "keys").mkdir(parents=True, exist_ok=True)
    (directory / "broker").mkdir(parents=True, exist_ok=True)
    data = load_test_data()
    state = directory / "broker-state"
    keys = load_or_create_keys(
        state,
        hm_entity_id=DEFAULT_HM_ENTITY_ID,
        mr_entity_id=data.machtigingenregister.entity_id,
        ads={a.id: a.entity_id for a in data.authentication_services},
    )
    dv = TestCA.create("ehkit bench DV CA").issue(DV_OIN, "DV")
    (directory / "keys" / "dv.key").write_bytes(dv.private_pem())
    (directory / "keys" / "dv.crt").write_bytes(dv.certificate_pem())
    (directory / "broker" / "hm-signing.pem").write_bytes(keys.hm.certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "ehkit.toml").write_text(
        _TOML.format(
            oin=DV_OIN,
            dv_url=dv_url,
            hm=DEFAULT_HM_ENTITY_ID,
            store=(directory / "dv-state.db").resolve(),
            service=SERVICE,
        ),
        encoding="utf-8",
    )
    (directory / "settings.json").write_text(json.dumps({"broker_url": broker_url, "dv_url": dv_url}), encoding="utf-8")
    broker = build_broker(
        BrokerSettings(
            base_url=broker_url, data=data, keys=keys, state_dir=state, configs=[load_config(directory / "ehkit.toml")]
        )
    )
    (directory / "broker" / "metadata.xml").write_bytes(create_app(broker=broker).state.metadata_xml)


def _directory() -> Path:
    value = os.environ.get("EHKIT_BENCH_DIR")
    if not value:
        raise RuntimeError("EHKIT_BENCH_DIR is not set (run through bench.http_login)")
    return Path(value)


def broker_app() -> Any:
    from ehkit.broker import BrokerSettings, create_app
    from ehkit.config import load_config

    d = _directory()
    settings = json.loads((d / "settings.json").read_text(encoding="utf-8"))
    return create_app(
        BrokerSettings(
            base_url=settings["broker_url"],
            state_dir=d / "broker-state",
            configs=[load_config(d / "ehkit.toml")],
            show_test_options=False,
        )
    )


def dv_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, RedirectResponse, Response
    from starlette.routing import Route

    from ehkit.errors import LoginRejected
    from ehkit.sp import ServiceProvider

    sp = ServiceProvider.from_config(_directory() / "ehkit.toml")

    def start(request: Request) -> Response:
        begin = sp.start_login(request.path_params["service"], relay_state="/welkom")
        response = RedirectResponse(begin.url, status_code=303, headers=dict(begin.headers))
        response.set_cookie("ehkit_rid", begin.request_id, httponly=True, samesite="lax")
        return response

    def acs(request: Request) -> Response:
        params = request.query_params
        try:
            result = sp.finish_login(
                saml_art=params.get("SAMLart"),
                relay_state=params.get("RelayState"),
                request_id=request.cookies.get("ehkit_rid"),
            )
        except LoginRejected as exc:
            return JSONResponse({"refused": exc.reason}, status_code=403)
        return JSONResponse({"legal_subject": str(result.legal_subject.value), "loa": result.loa.label})

    # Sync endpoints: Starlette runs them in its thread pool, so finish_login's
    # blocking artifact resolution does not stall the event loop.
    return Starlette(routes=[Route("/start/{service}", start), Route("/acs", acs)])
