"""The ASGI application of the broker simulator.

``create_app(settings)`` is all a host needs: ``ehkit broker serve`` runs it
with uvicorn, ``ehkit demo`` runs it in-process next to a sample DV, and the
tests run it on a loopback port.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ehkit.broker import oidc_routes, routes_api, routes_logout, routes_saml, routes_ui
from ehkit.broker.data import TestData, load_test_data
from ehkit.broker.dv_registry import DvRegistry, RegisteredDv, dvs_from_config, load_dvs
from ehkit.broker.engine import Broker
from ehkit.broker.keys import load_or_create_keys
from ehkit.broker.metadata import build_hm_metadata
from ehkit.broker.settings import BrokerSettings
from ehkit.errors import ConfigError


def _ad_entity_ids(data: TestData) -> dict[str, str]:
    return {ad.id: ad.entity_id for ad in data.authentication_services}


def build_broker(settings: BrokerSettings, *, http_transport: httpx.AsyncBaseTransport | None = None) -> Broker:
    """Load data, keys and DVs into a :class:`Broker` (raises ConfigError with a clear message)."""
    data = settings.data or load_test_data(settings.data_file)
    keys = settings.keys or load_or_create_keys(
        settings.state_dir,
        hm_entity_id=settings.hm_entity_id,
        mr_entity_id=data.machtigingenregister.entity_id,
        ads=_ad_entity_ids(data),
    )
    missing = set(_ad_entity_ids(data)) - set(keys.ads)
    if missing:
        raise ValueError(f"the given BrokerKeys have no key for authentication service(s) {', '.join(sorted(missing))}")
    dvs: list[RegisteredDv] = list(settings.dvs)
    dvs.extend(load_dvs(settings.dv_metadata, settings.dv_catalogues))
    configs = list(settings.configs)
    if settings.config_files:
        from ehkit.config import load_config

        configs.extend(load_config(path) for path in settings.config_files)
    for config in configs:
        dvs.extend(dvs_from_config(config, at=settings.clock()))
    broker = Broker(settings, data, keys, DvRegistry(dvs), http_transport=http_transport)
    broker.oidc = _oidc_provider(broker, settings, configs)
    return broker


def _oidc_provider(broker: Broker, settings: BrokerSettings, configs: list[Any]) -> Any:
    """The OpenID Connect front, with the clients of the loaded ehkit.toml files and client files.

    It needs joserfc (the ``oidc`` extra); without it the simulator serves SAML only, unless an OIDC
    client was asked for, which is then a clear configuration error.
    """
    try:
        from ehkit.broker.oidc_clients import OidcClientRegistry, clients_from_config, load_client_file
        from ehkit.broker.oidc_provider import OidcProvider
    except ImportError as exc:  # pragma: no cover - the oidc extra is part of dev
        wanted = settings.oidc_clients or settings.oidc_client_files or any(c.uses_oidc for c in configs)
        if wanted:
            raise ConfigError(
                f"OIDC clients need the oidc extra (pip install 'ehkit[oidc]'): {exc}", reason="config_invalid"
            ) from None
        return None

    clients = list(settings.oidc_clients)
    for config in configs:
        clients.extend(clients_from_config(config))
    for path in settings.oidc_client_files:
        clients.extend(load_client_file(path))
    return OidcProvider(broker, OidcClientRegistry(clients))


def create_app(
    settings: BrokerSettings | None = None,
    *,
    broker: Broker | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> Starlette:
    """The simulator as a Starlette app. Pass a ready ``broker`` to share one between apps or tests."""
    settings = settings or (broker.settings if broker else BrokerSettings())
    broker = broker or build_broker(settings, http_transport=http_transport)
    static_dir = Path(str(resources.files("ehkit.broker").joinpath("static")))
    routes = [
        Route("/", routes_ui.index),
        Route("/favicon.ico", routes_saml.favicon),
        Route("/broker/error/{error_id}", routes_saml.error_again),
        Route(settings.metadata_path, routes_saml.metadata),
        Route(settings.metadata_path + "/signing.pem", routes_saml.signing_certificate),
        Route("/broker/ca.pem", routes_saml.ca_certificate),
        Route(settings.sso_path, routes_saml.sso, methods=["GET", "POST"]),
        Route(settings.ars_path, routes_saml.artifact_resolution, methods=["POST"]),
        Route(settings.slo_path, routes_logout.slo_endpoint, methods=["GET", "POST"]),
        Route("/broker/logout/{logout_id}", routes_logout.logout_page),
        Route("/broker/logout/{logout_id}/continue", routes_logout.logout_continue, methods=["POST"]),
        Route("/broker/session", routes_logout.session_page),
        Route("/broker/session/logout", routes_logout.session_logout, methods=["POST"]),
        Route("/broker/login/{flow_id}", routes_ui.choose_ad),
        Route("/broker/login/{flow_id}/ad", routes_ui.choose_ad_post, methods=["POST"]),
        Route("/broker/login/{flow_id}/authenticate", routes_ui.authenticate),
        Route("/broker/login/{flow_id}/authenticate", routes_ui.authenticate_post, methods=["POST"]),
        Route("/broker/login/{flow_id}/represent", routes_ui.represent),
        Route("/broker/login/{flow_id}/represent", routes_ui.represent_post, methods=["POST"]),
        Route("/broker/login/{flow_id}/cancel", routes_ui.cancel, methods=["POST"]),
        Route("/broker/login/{flow_id}/options", routes_ui.options, methods=["POST"]),
        Route("/oidc/.well-known/openid-configuration", oidc_routes.discovery),
        Route("/oidc/jwks", oidc_routes.jwks),
        Route("/oidc/authorize", oidc_routes.authorize),
        Route("/oidc/token", oidc_routes.token, methods=["POST"]),
        Route("/oidc/userinfo", oidc_routes.userinfo, methods=["GET", "POST"]),
        Route("/api/personas", routes_api.personas),
        Route("/api/scenarios", routes_api.scenarios),
        Route("/api/dvs", routes_api.dvs),
        Route("/api/dvs", routes_api.add_dv, methods=["POST"]),
        Route("/api/login", routes_api.login, methods=["POST"]),
        Mount("/broker/static", StaticFiles(directory=static_dir), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: routes_saml.not_found, oidc_routes._NoProvider: oidc_routes.not_installed},
    )
    app.state.broker = broker
    app.state.metadata_xml = build_hm_metadata(settings, broker.keys.hm, now=settings.clock())
    return app
