"""Fixtures for the broker simulator tests.

``env`` is an in-process broker + DV configuration (Starlette TestClient);
``live`` runs the broker and a DV web app (with the ehkit SP) on loopback
ports with uvicorn, for tests that need real HTTP between the parties.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from broker_harness import BrokerEnv, ServerThread, SessionKeys, dv_app, free_port, make_env
from starlette.testclient import TestClient


@pytest.fixture(scope="session")
def session_keys() -> SessionKeys:
    return SessionKeys.create()


@pytest.fixture
def env(tmp_path: Path, session_keys: SessionKeys) -> BrokerEnv:
    """A fresh broker (fresh state) for the DV in tmp_path; the base URL is TestClient's."""
    return make_env(tmp_path, session_keys, base_url="http://127.0.0.1:8801", dv_url="http://127.0.0.1:9")


@pytest.fixture
def client(env: BrokerEnv) -> Iterator[TestClient]:
    with TestClient(env.app, base_url=env.base_url, follow_redirects=False) as c:
        yield c


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, session_keys: SessionKeys) -> Iterator[BrokerEnv]:
    """Broker and DV on real loopback ports. The SP's read timeout (1 s) is below the
    broker's slow-resolution delay (3 s), so the slow scenario times out."""
    broker_port, dv_port = free_port(), free_port()
    environment = make_env(
        tmp_path_factory.mktemp("live"),
        session_keys,
        base_url=f"http://127.0.0.1:{broker_port}",
        dv_url=f"http://127.0.0.1:{dv_port}",
        read_timeout=1.0,
        slow_resolution_seconds=3.0,
    )
    broker_server = ServerThread(environment.app, broker_port).start()
    sp = environment.sp()
    dv_server = ServerThread(dv_app(environment, sp), dv_port).start()
    environment.sp_instance = sp  # type: ignore[attr-defined]
    try:
        yield environment
    finally:
        dv_server.stop()
        broker_server.stop()
        sp.close()
