"""An OIDC login's secrets live in the SP's state store: every backend keeps them and hands them out once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fake_provider import NOW

from ehkit.domain.loa import LevelOfAssurance
from ehkit.sp.oidc_login import request_id_for_state
from ehkit.sp.stores.base import PendingRequest, StateStore, open_store


def pending(state: str) -> PendingRequest:
    return PendingRequest(
        request_id=request_id_for_state(state),
        service="melding",
        loa=LevelOfAssurance.EH2_PLUS,
        requested_loa=None,
        response_binding="oidc",
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=15),
        relay_target="/terug",
        protocol_data={"nonce": "n" * 43, "code_verifier": "v" * 43, "client_id": "c", "issuer": "https://op"},
    )


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StateStore:
    if request.param == "memory":
        return open_store("memory://")
    if request.param == "sqlite":
        return open_store(f"sqlite:///{tmp_path / 'state.db'}")
    url = request.getfixturevalue("redis_url")
    return open_store(url, key_prefix=f"ehkit-oidc-test-{request.node.name}:")


def test_the_secrets_survive_the_store_and_are_taken_once(store: StateStore) -> None:
    with store:
        record = pending("s" * 43)
        store.put_pending(record, now=NOW)
        assert PendingRequest.from_json(record.to_json()) == record
        taken = store.take_pending(record.request_id, now=NOW)
        assert taken == record and taken.protocol_data["code_verifier"] == "v" * 43  # type: ignore[index]
        assert store.take_pending(record.request_id, now=NOW) is None


def test_the_key_is_a_hash_of_the_state_never_the_state() -> None:
    state = "s" * 43
    key = request_id_for_state(state)
    assert key.startswith("oidc_") and state not in key and len(key) == 45
    assert request_id_for_state("t" * 43) != key
