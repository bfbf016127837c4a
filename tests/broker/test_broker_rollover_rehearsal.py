"""A DV key rollover rehearsed end to end against the simulator, on a controllable clock.

The DV configures ``[keys.next]`` with an activation moment. Before it, the DV's SP metadata
and catalogue announce the next certificate beside the current one, and the simulator (which
follows what the DV publishes) trusts and encrypts to both. At the moment itself the SP signs
with the next key, without a restart; the simulator re-reads the published documents and from
then on knows only the new key. No login fails on the way, not even one that starts before the
switch and finishes after it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from broker_harness import DV_ENTITY, DV_OIN, ServerThread, free_port, make_env

from ehkit.broker import BrokerSettings, build_broker, create_app
from ehkit.config import load_config
from ehkit.pki import key_name_sha256
from ehkit.sp import ServiceProvider
from ehkit.sp.audit import add_listener, remove_listener

pytestmark = pytest.mark.network


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _login_start(base_url: str, sp: ServiceProvider, now: datetime) -> tuple[Any, dict[str, Any]]:
    start = sp.start_login("melding", relay_state="/na", now=now)
    answer = httpx.post(
        f"{base_url}/api/login",
        json={"redirect_url": start.url, "relay_state": start.relay_state, "person": "anna"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return start, answer.json()["delivery"]


def _finish(sp: ServiceProvider, start: Any, delivery: dict[str, Any], now: datetime) -> Any:
    return sp.finish_login(
        saml_art=delivery["SAMLart"], relay_state=delivery["RelayState"], request_id=start.request_id, now=now
    )


def test_rollover_rehearsed_without_a_failed_login(tmp_path, session_keys):
    activation = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    clock = Clock(activation - timedelta(minutes=30))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = make_env(tmp_path, session_keys, base_url=base_url, dv_url="http://127.0.0.1:9")

    # The DV adds its next key with an activation moment (the only change an operator makes).
    nxt = session_keys.ca.issue(DV_OIN, "DV")
    (tmp_path / "keys" / "next.key").write_bytes(nxt.private_pem())
    (tmp_path / "keys" / "next.crt").write_bytes(nxt.certificate_pem())
    toml = tmp_path / "ehkit.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'signing_cert = "keys/dv.crt"\n',
            'signing_cert = "keys/dv.crt"\n\n[keys.next]\nkey = "keys/next.key"\ncert = "keys/next.crt"\n'
            f'activation = "{activation.isoformat()}"\n',
        ),
        encoding="utf-8",
    )
    config = load_config(toml)
    broker = build_broker(
        BrokerSettings(
            base_url=base_url, data=session_keys.data, keys=session_keys.broker, configs=[config], clock=clock
        )
    )
    app = create_app(broker=broker)
    (tmp_path / "broker" / "metadata.xml").write_bytes(app.state.metadata_xml)
    server = ServerThread(app, port).start()
    sp = ServiceProvider.from_config(config, now=clock())
    outcomes: list[tuple[str, str | None]] = []

    def listener(event: dict[str, Any]) -> None:
        outcomes.append((event["outcome"], event.get("reason")))

    add_listener(listener)
    current_name, next_name = env.keys.dv.key_name, key_name_sha256(nxt.certificate)
    try:
        # Before: the simulator already trusts the announced next key, and encrypts to both.
        dv = broker.registry.get(DV_ENTITY)
        assert {key_name_sha256(c) for c in dv.signing_certificates} == {current_name, next_name}
        assert sp.settings.signing_key_at(clock()).key_name == current_name
        start, delivery = _login_start(base_url, sp, clock())
        assert _finish(sp, start, delivery, clock()).legal_subject.value == "30123456"

        # Across the switch: the request is signed with the current key, the ArtifactResolve
        # (after the activation moment) with the next one.
        clock.at = activation - timedelta(seconds=30)
        start, delivery = _login_start(base_url, sp, clock())
        clock.at = activation + timedelta(seconds=30)
        assert sp.settings.signing_key_at(clock()).key_name == next_name
        assert _finish(sp, start, delivery, clock()).legal_subject.value == "30123456"

        # After: the simulator re-read the published documents and knows only the new key.
        clock.at = activation + timedelta(minutes=10)
        start, delivery = _login_start(base_url, sp, clock())
        assert _finish(sp, start, delivery, clock()).legal_subject.value == "30123456"
        dv = broker.registry.get(DV_ENTITY)
        assert [key_name_sha256(c) for c in dv.signing_certificates] == [next_name]
        assert broker.registry.last_reload is not None and broker.registry.last_reload[1]
    finally:
        remove_listener(listener)
        server.stop()
        sp.close()
    assert outcomes == [("success", None)] * 3


def test_a_failed_reread_keeps_the_loaded_dvs(tmp_path, session_keys):
    clock = Clock(datetime.now(UTC))
    env = make_env(tmp_path, session_keys, base_url="http://127.0.0.1:8801", dv_url="http://127.0.0.1:9", clock=clock)
    assert env.broker.registry.get(DV_ENTITY) is not None
    (tmp_path / "keys" / "dv.crt").write_bytes(b"not a certificate")  # the DV's documents cannot be built now
    clock.at += timedelta(minutes=6)
    assert env.broker.registry.get(DV_ENTITY) is not None
    moment, ok, detail = env.broker.registry.last_reload
    assert moment == clock.at and not ok and detail


def test_health_endpoint(client):
    answer = client.get("/health")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["status"] == "ok" and body["dvs"] >= 2 and body["dv_documents"]["ok"] is True
