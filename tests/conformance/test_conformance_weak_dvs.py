"""Each weakness of a deliberately weak DV is reported by the check that should report it, and by no other.

The weak DV (weak_dv.py) is written without ehkit.sp; switched to "no
weakness" it must pass every protocol check, which is the control that makes
each weakness's result mean something. One server serves all variants: its
state is reset between runs. The simulator runs with TLS so ARS-MTLS is judged
too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conformance_harness import PublishedDv, start_weak_dv
from weak_dv import REFUSED_BY_BROKER, WEAKNESSES

from ehkit.conformance import Report, Status, run

pytestmark = pytest.mark.network

#: Only the protocol checks: the documents are the same for every variant (tested in test_conformance_static).
PROTOCOL_ONLY = ["LOGIN-*", "REFUSE-*", "REQ-*", "ARS-*", "ACS-*", "DOWN-*"]

EXPECTED: dict[str, set[str]] = {
    "no_level_check": {"REFUSE-LOA-TOO-LOW"},
    "no_replay_record": {"REFUSE-REPLAYED-ARTIFACT", "REFUSE-REPLAYED-ASSERTION"},
    # Trusting the first signature it finds (the Response's) means the assertion's own signature is never checked,
    # and reading the first Assertion means every wrapping variant succeeds.
    "first_signature": {
        "REFUSE-UNSIGNED-ASSERTION",
        "REFUSE-BAD-SIGNATURE",
        "REFUSE-UNKNOWN-KEY",
        "REFUSE-XSW3",
        "REFUSE-XSW-ADVICE",
        "REFUSE-DUPLICATE-ID",
    },
    "crash_on_spent_artifact": {"REFUSE-SPENT-ARTIFACT"},
    "long_relay_state": {"REQ-RELAY-STATE"},
    "no_cache_control": {"ACS-CACHE-CONTROL"},
    "no_audience_check": {"REFUSE-AUDIENCE"},
    "no_time_check": {"REFUSE-EXPIRED", "REFUSE-NOT-YET-VALID"},
    "no_client_cert": {"ARS-MTLS"},
    "soap12_content_type": {"ARS-CONTENT-TYPE"},
    "no_force_authn": {"REQ-FORCE-AUTHN"},
}


@pytest.fixture(scope="module")
def weak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedDv]:
    dv = start_weak_dv(tmp_path_factory.mktemp("weak-dv"), tls=True)
    try:
        yield dv
    finally:
        dv.server.stop()


def run_with(dv: PublishedDv, weaknesses: frozenset[str], **extra: Any) -> Report:
    dv.app_state.reset(weaknesses)
    return run(dv.config(("vergunning",), tls=True, **{"only": PROTOCOL_ONLY, **extra}))


def test_every_weakness_has_an_expectation() -> None:
    assert set(EXPECTED) | REFUSED_BY_BROKER == set(WEAKNESSES)


def test_the_weak_dv_without_weaknesses_passes_every_protocol_check(weak: PublishedDv) -> None:
    report = run_with(weak, frozenset())
    assert report.failed_ids() == set(), [r.summary for r in report.results if r.status is Status.FAILED]
    skipped = {r.check.id for r in report.results if r.status is Status.SKIPPED}
    assert skipped == {"LOGIN-EIDAS"}  # it offers no eIDAS service
    assert report.result("LOGIN-BRANCH").status is Status.PASSED
    assert report.result("LOGIN-CHAIN").status is Status.PASSED
    assert report.result("ARS-MTLS").summary == "the metadata certificate was presented at every resolution"
    assert report.ok and report.exit_code == 0


@pytest.mark.parametrize("weakness", sorted(EXPECTED))
def test_each_weakness_is_reported_by_its_check_only(weak: PublishedDv, weakness: str) -> None:
    report = run_with(weak, frozenset({weakness}))
    assert report.failed_ids() == EXPECTED[weakness], {
        r.check.id: r.summary for r in report.results if r.status is Status.FAILED
    }
    assert report.exit_code == 1
    for check_id in EXPECTED[weakness]:
        result = report.result(check_id)
        assert result.check.fix and result.check.source and result.check.rule
        assert result.observed or result.evidence, check_id


def test_a_crash_is_named_as_a_crash(weak: PublishedDv) -> None:
    report = run_with(weak, frozenset({"crash_on_spent_artifact"}), skip=["REFUSE-[!S]*", "REQ-*"])
    result = report.result("REFUSE-SPENT-ARTIFACT")
    assert result.summary.startswith("the DV crashed: HTTP 500")
    assert "second delivery (a fresh browser)" in result.observed


def test_an_accepted_forgery_names_the_detector_that_saw_the_login(weak: PublishedDv) -> None:
    report = run_with(weak, frozenset({"no_level_check"}), only=["REFUSE-LOA-TOO-LOW"])
    result = report.result("REFUSE-LOA-TOO-LOW")
    assert result.status is Status.FAILED
    assert "logged the user in" in result.summary and "/dienst/vergunning answers 200" in result.summary
    assert "scenario loa_too_low" in result.sent
    # --only still runs the one successful login the refusal is judged against, but reports only what was asked.
    assert [r.check.id for r in report.results] == ["REFUSE-LOA-TOO-LOW"]


def test_without_a_working_login_no_refusal_counts_as_passed(weak: PublishedDv, tmp_path: Path) -> None:
    """A success detector that never succeeds would make every refusal pass: the positive control prevents that."""
    from ehkit.conformance import LoginTarget

    weak.app_state.reset(frozenset())
    config = weak.config(("vergunning",), tls=True, only=["LOGIN-SUCCESS", "REFUSE-AUDIENCE", "DOWN-HTTP-500"])
    broken = LoginTarget(login_url=f"{weak.url}/login/vergunning", success_text="this text never appears")
    report = run(config.model_copy(update={"logins": [broken]}))
    assert report.result("LOGIN-SUCCESS").status is Status.FAILED
    assert report.result("REFUSE-AUDIENCE").status is Status.FAILED
    assert report.result("REFUSE-AUDIENCE").summary.startswith("not judged")
    assert report.result("DOWN-HTTP-500").summary.startswith("not judged")


def test_the_post_request_binding_passes_too(weak: PublishedDv) -> None:
    """The AuthnRequest in a self-posting form with an enveloped signature, as many DVs send it."""
    weak.app_state.reset(frozenset(), request_binding="post")
    report = run(weak.config(("vergunning",), tls=True, only=["LOGIN-SUCCESS", "REFUSE-XSW3", "REQ-*"]))
    assert report.failed_ids() == set()
    assert "(post binding): enveloped signature verifies" in report.result("REQ-SIGNED").evidence[0].text


@pytest.mark.parametrize(
    ("weakness", "check_id", "problem", "refusal"),
    [
        ("unsigned_request", "REQ-SIGNED", "not signed", "signature"),
        ("loa_above_catalogue", "REQ-LOA", "asks for EH4, the catalogue says EH3", "above the catalogue level"),
    ],
)
def test_request_faults_a_broker_refuses_fail_their_check_and_every_login(
    weak: PublishedDv, weakness: str, check_id: str, problem: str, refusal: str
) -> None:
    weak.app_state.reset(frozenset({weakness}), request_binding="post")
    report = run(weak.config(("vergunning",), tls=True, only=["LOGIN-SUCCESS", "REFUSE-AUDIENCE", check_id]))
    assert problem in report.result(check_id).summary
    success = report.result("LOGIN-SUCCESS")
    assert success.status is Status.FAILED and refusal in success.evidence[0].text
    assert report.result("REFUSE-AUDIENCE").summary.startswith("not judged")
