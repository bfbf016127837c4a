"""The ehkit SP logs in through the simulator over real HTTP, and refuses every fault scenario.

Broker and DV run on loopback ports (uvicorn threads); the SP resolves the
artifact over HTTP at the broker's ARS, exactly as against a real broker.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest
from broker_harness import DV_OIN, BrokerEnv

from ehkit.broker.pseudonyms import Pseudonyms
from ehkit.broker.scenarios import SCENARIOS
from ehkit.domain.urns import IdentifierType
from ehkit.errors import LoginCancelled, LoginRejected

pytestmark = pytest.mark.network


def api_login(live: BrokerEnv, sp: Any, service: str, **body: Any) -> tuple[Any, dict[str, Any]]:
    start = sp.start_login(service, relay_state="/na-inloggen")
    payload = {"relay_state": start.relay_state, **body}
    if start.method == "redirect":
        payload["redirect_url"] = start.url
    answer = httpx.post(f"{live.base_url}/api/login", json=payload, timeout=30)
    assert answer.status_code == 200, answer.text
    return start, answer.json()


def finish(sp: Any, start: Any, delivery: dict[str, Any]) -> Any:
    return sp.finish_login(
        saml_art=delivery.get("SAMLart"),
        saml_response=delivery.get("SAMLResponse"),
        relay_state=delivery["RelayState"],
        request_id=start.request_id,
    )


@pytest.fixture
def sp(live: BrokerEnv) -> Any:
    return live.sp_instance  # type: ignore[attr-defined]


def test_company_by_kvk(live: BrokerEnv, sp: Any) -> None:
    start, result = api_login(live, sp, "melding", person="anna")
    login = finish(sp, start, result["delivery"])
    assert login.legal_subject.type is IdentifierType.KVK and login.legal_subject.value == "30123456"
    assert login.acting_subject.type is IdentifierType.PSEUDO
    assert login.vestigingsnummer is None and login.intermediary is None
    assert login.relay_state == "/na-inloggen"
    assert login.authenticating_authority == result["grant"]["ad"]
    assert login.authorization_registry == live.data.machtigingenregister.entity_id
    # The same person for the same company at the same DV: the same pseudonym.
    start2, again = api_login(live, sp, "melding", person="anna")
    assert finish(sp, start2, again["delivery"]).acting_subject.value == login.acting_subject.value


def test_vestiging_restricted_with_second_identifier_and_attribute(live: BrokerEnv, sp: Any) -> None:
    start, result = api_login(live, sp, "vergunning", person="bram")
    login = finish(sp, start, result["delivery"])
    assert (login.legal_subject.value, login.vestigingsnummer) == ("30123456", "000012345602")
    assert [(i.type, i.value) for i in login.additional_identifiers] == [(IdentifierType.RSIN, "843464097")]
    assert login.attribute("urn:etoegang:1.11:attribute-represented:CompanyName") == "Bakkerij De Korenaar B.V."


def test_intermediary_chain_authorisation(live: BrokerEnv, sp: Any) -> None:
    start, result = api_login(live, sp, "vergunning", person="carla", company="vandijk")
    login = finish(sp, start, result["delivery"])
    assert login.legal_subject.value == "30234567"
    assert login.intermediary is not None and login.intermediary.kvk == "30345678"
    assert login.intermediary.company_name == "Administratiekantoor Telling & Co B.V."
    start2, direct = api_login(live, sp, "vergunning", person="carla", company="telling")
    other = finish(sp, start2, direct["delivery"])
    assert other.intermediary is None and other.acting_subject.value != login.acting_subject.value


def test_sole_trader_by_bsn(live: BrokerEnv, sp: Any) -> None:
    start, result = api_login(live, sp, "zzp", person="jan")
    login = finish(sp, start, result["delivery"])
    assert login.legal_subject.type is IdentifierType.BSN
    assert Pseudonyms.read_bsnk_identity(str(login.legal_subject.value)) == (DV_OIN, "999993653")
    assert "999993653" not in repr(login)
    # For a KvK-only service the same sole trader is identified by KvK number.
    start2, kvk = api_login(live, sp, "melding", person="jan")
    assert finish(sp, start2, kvk["delivery"]).legal_subject.value == "30456789"


def test_eidas_person(live: BrokerEnv, sp: Any) -> None:
    start, result = api_login(live, sp, "eidas", person="lukas")
    login = finish(sp, start, result["delivery"])
    assert login.legal_subject.type is IdentifierType.PSEUDO
    assert login.attribute("urn:etoegang:1.9:attribute:FamilyName") == "Müller"
    assert login.attribute("urn:etoegang:1.9:attribute:DateOfBirth") == "1978-11-23"
    assert login.loa.label == "EH4"


def test_cancel_reaches_the_sp_as_a_cancel(live: BrokerEnv, sp: Any) -> None:
    start, result = api_login(live, sp, "vergunning", action="cancel")
    with pytest.raises(LoginCancelled) as err:
        finish(sp, start, result["delivery"])
    assert err.value.reason == "cancelled"


def test_post_response_binding(live: BrokerEnv, sp: Any) -> None:
    from ehkit.sp import ServiceProvider

    post_sp = ServiceProvider(replace(sp.settings, response_binding="post"), metadata=sp._metadata, store="memory://")
    start, result = api_login(live, post_sp, "melding", person="anna")
    assert result["delivery"]["method"] == "POST"
    assert finish(post_sp, start, result["delivery"]).legal_subject.value == "30123456"
    start, unsigned = api_login(live, post_sp, "melding", person="anna", scenario="unsigned_inner_response")
    with pytest.raises(LoginRejected) as err:  # with POST nothing else authenticates the Response
        finish(post_sp, start, unsigned["delivery"])
    assert err.value.reason == "signature_missing"


def test_unsolicited_response_is_refused(live: BrokerEnv, sp: Any) -> None:
    answer = httpx.post(
        f"{live.base_url}/api/login", json={"dv": sp.settings.entity_id, "service": 1, "person": "anna"}, timeout=30
    ).json()
    with pytest.raises(LoginRejected) as err:
        sp.finish_login(saml_art=answer["delivery"]["SAMLart"], relay_state=None)
    assert err.value.reason == "unsolicited"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_scenario_gets_its_expected_outcome_from_the_sp(live: BrokerEnv, sp: Any, scenario: Any) -> None:
    start, result = api_login(live, sp, "vergunning", person="anna", scenario=scenario.id)
    assert result["expected_reason"] == scenario.expected_reason
    deliveries = result["deliveries"]
    if scenario.delivery != "once":
        first = finish(sp, start, deliveries[0])
        assert first.legal_subject.value == "30123456"
        with pytest.raises(LoginRejected) as err:
            finish(sp, start, deliveries[1])
        assert err.value.reason == scenario.expected_reason
        return
    if scenario.expected_reason is None:
        assert finish(sp, start, deliveries[0]).legal_subject.value == "30123456"
        return
    with pytest.raises(LoginRejected) as err:
        finish(sp, start, deliveries[0])
    assert err.value.reason == scenario.expected_reason, err.value.message
