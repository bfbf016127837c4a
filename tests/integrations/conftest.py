"""Fixtures for the integration tests: one test set-up per session, sites started on demand."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dv_apps import ASGI, BUILDERS
from site_env import AsgiServer, Site, WsgiServer, broker_app, copy_setup, env, free_port, use_oidc


@pytest.fixture(scope="session")
def setup_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """keys/, .broker/ and ehkit.toml as `ehkit integration init` writes them (URLs rewritten per site)."""
    from ehkit.integrations.base.testsetup import write_test_setup

    directory = tmp_path_factory.mktemp("setup")
    write_test_setup(directory, site_url="http://127.0.0.1:9", broker_url="http://127.0.0.1:9")
    return directory


SiteFactory = Callable[..., Site]


def start_site(
    kind: str,
    template: Path,
    directory: Path,
    *,
    settings: dict[str, Any] | None = None,
    host: str = "127.0.0.1",
    broker: dict[str, Any] | None = None,
    site_ssl: dict[str, Any] | None = None,
    post: bool = False,
    oidc: bool = False,
    slo: bool = False,
) -> Site:
    broker_port, site_port = free_port(), free_port()
    broker_url = f"http://127.0.0.1:{broker_port}"
    scheme = "https" if site_ssl else "http"
    site_url = f"{scheme}://{host}:{site_port}"
    config = copy_setup(template, directory, site_url=site_url, broker_url=broker_url, post=post, slo=slo)
    if oidc:
        use_oidc(config, site_url=site_url, broker_url=broker_url)
    site = Site(kind, site_url, broker_url, config)
    site.servers.append(
        AsgiServer(broker_app(config, broker_url, **(broker or {})), broker_port, lifespan="off").start()
    )
    with env(EHKIT_CONFIG=str(config)):
        app, eh = BUILDERS[kind](settings)
        if kind in ASGI:
            server: Any = AsgiServer(app, site_port, **(site_ssl or {})).start()
        else:
            server = WsgiServer(app, site_port).start()
    site.servers.append(server)
    site.app, site.eh = app, eh  # type: ignore[attr-defined]
    return site


@pytest.fixture(scope="module")
def make_site(setup_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteFactory]:
    """Start sites for this module; all are stopped when the module ends."""
    sites: list[Site] = []

    def factory(kind: str, **options: Any) -> Site:
        site = start_site(kind, setup_template, tmp_path_factory.mktemp(kind), **options)
        sites.append(site)
        return site

    yield factory
    for site in sites:
        site.stop()


@pytest.fixture
def audit(caplog: pytest.LogCaptureFixture) -> Callable[[], list[dict[str, Any]]]:
    """The ehkit.audit events logged during the test."""
    caplog.set_level(logging.INFO, logger="ehkit.audit")

    def events() -> list[dict[str, Any]]:
        return [r.ehkit_event for r in caplog.records if hasattr(r, "ehkit_event")]

    return events
