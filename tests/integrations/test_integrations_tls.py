"""Artifact resolution over mutual TLS: the simulator on https demands the DV's client certificate,
and each integration's login still completes (the SP presents the certificate of ehkit.toml)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dv_apps import ASGI, BUILDERS
from site_env import AsgiServer, Headless, Site, WsgiServer, copy_setup, env, free_port
from tls_env import tls_broker

pytestmark = pytest.mark.network


@pytest.fixture(scope="module", params=["fastapi", "starlette", "flask"])
def tls_site(
    request: pytest.FixtureRequest, setup_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    kind = request.param
    broker_port, site_port = free_port(), free_port()
    broker_url, site_url = f"https://127.0.0.1:{broker_port}", f"http://127.0.0.1:{site_port}"
    config = copy_setup(
        setup_template, tmp_path_factory.mktemp(f"tls-{kind}"), site_url=site_url, broker_url=broker_url
    )
    broker, settings = tls_broker(config, broker_port)
    site = Site(kind, site_url, broker_url, config, [broker])
    with env(EHKIT_CONFIG=str(config)):
        app, _ = BUILDERS[kind](settings)
        server: Any = AsgiServer(app, site_port).start() if kind in ASGI else WsgiServer(app, site_port).start()
    site.servers.append(server)
    yield site
    site.stop()


def _verify(site: Site) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(site.config.parent / "broker-ca.pem"))


def test_login_with_artifact_resolution_over_mutual_tls(tls_site: Site, audit: Any) -> None:
    from ehkit.config import load_config
    from ehkit.pki import KeyPair
    from ehkit.saml.artifact_resolution import build_artifact_resolve
    from ehkit.saml.soap import wrap
    from ehkit.saml.timefmt import utcnow

    user = Headless(tls_site)
    try:
        start = user.start("vergunning", "/vergunning")
        answer = httpx.post(
            f"{tls_site.broker_url}/api/login",
            json={"redirect_url": start.headers["location"], "person": "anna", "company": "korenaar"},
            verify=_verify(tls_site),
            timeout=20,
        )
        assert answer.status_code == 200, answer.text
        delivery = answer.json()["delivery"]
        # Someone without the DV's client certificate cannot resolve the artifact, even with a signed request.
        config = load_config(tls_site.config)
        pair = KeyPair.load(config.keys.signing_key, config.keys.signing_cert)
        ars = f"{tls_site.broker_url}/broker/ars/1.13"
        resolve = build_artifact_resolve(
            delivery["SAMLart"],
            issuer=str(config.dv.entity_id),
            destination=ars,
            now=utcnow(),
            key=pair.private_key,
            key_name=pair.key_name,
        )
        bare = httpx.post(
            ars, content=wrap(resolve), headers={"Content-Type": "text/xml"}, verify=_verify(tls_site), timeout=20
        )
        assert bare.status_code == 403
        # The integration's SP presents the certificate: the login completes.
        done = user.deliver(delivery)
        assert done.headers["location"] == "/vergunning", audit()
        assert 'data-testid="legal-subject">30123456<' in user.http.get("/vergunning").text
    finally:
        user.close()
