"""Every OIDC fault scenario of the simulator is refused by the ehkit SP with the reason it names."""

from __future__ import annotations

import pytest
from oidc_harness import OidcWorld, callback_params

from ehkit.broker.oidc_scenarios import OIDC_SCENARIOS
from ehkit.errors import LoginRejected
from ehkit.reasons import REASONS


def _run(
    world: OidcWorld, variant: str, scenario: str, service: str = "vergunning", person: str = "bram"
) -> list[LoginRejected | None]:
    sp = world.sp(variant)
    start = sp.start_login(service)
    answer = world.api_login(start.url, person=person, scenario=scenario)
    assert answer.get("status") == "success", answer
    outcomes: list[LoginRejected | None] = []
    for delivery in answer["deliveries"]:
        try:
            sp.finish_oidc_login(callback_params(delivery["url"]), request_id=start.request_id)
            outcomes.append(None)
        except LoginRejected as exc:
            outcomes.append(exc)
    return outcomes


@pytest.mark.network
@pytest.mark.parametrize("scenario", OIDC_SCENARIOS, ids=lambda s: s.id)
def test_each_fault_is_refused_with_its_reason(world: OidcWorld, scenario) -> None:  # type: ignore[no-untyped-def]
    variant = "info" if scenario.needs_userinfo else "urn"
    outcomes = _run(world, variant, scenario.id)
    if scenario.expected_reason is None:
        assert outcomes == [None]
        return
    assert scenario.expected_reason in REASONS
    last = outcomes[-1]
    assert last is not None, f"{scenario.id} was accepted"
    assert last.reason == scenario.expected_reason, last
    if scenario.delivery == "twice":
        assert outcomes[0] is None  # the first delivery is the genuine login


@pytest.mark.network
@pytest.mark.parametrize("variant", ["idp", "kc"])
def test_level_faults_with_a_separate_level_claim(world: OidcWorld, variant: str) -> None:
    for scenario, reason in (("oidc_loa_too_low", "loa_too_low"), ("oidc_missing_acr", "oidc_acr_missing")):
        (outcome,) = _run(world, variant, scenario)
        assert outcome is not None and outcome.reason == reason


@pytest.mark.network
def test_an_eh2_plus_service_given_loa2_and_userinfo_fault_ignored_without_userinfo(world: OidcWorld) -> None:
    (low,) = _run(world, "urn", "oidc_loa_too_low", service="melding", person="anna")
    assert low is not None and low.reason == "loa_too_low"
    # Without userinfo the DV never sees the userinfo answer, so that fault does not apply.
    assert _run(world, "urn", "oidc_userinfo_other_sub") == [None]


@pytest.mark.network
def test_the_scenarios_are_listed_by_the_api(world: OidcWorld) -> None:
    import httpx

    listed = httpx.get(f"{world.base_url}/api/scenarios", params={"protocol": "oidc"}, timeout=5).json()
    assert [s["id"] for s in listed] == [s.id for s in OIDC_SCENARIOS]
    assert all(s["protocol"] == "oidc" for s in listed)
