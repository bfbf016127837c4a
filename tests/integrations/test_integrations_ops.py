"""Operations endpoints of the integrations: health/ and metrics/, counted in end-to-end logins.

Each site runs the ehkit SP against the simulator over loopback HTTP (the flows' harness);
metrics are process-wide, so the tests compare counts before and after.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from site_env import Headless, Site

pytestmark = pytest.mark.network


@pytest.fixture(scope="module", params=["starlette", "flask"])
def site(request: pytest.FixtureRequest, make_site: Any) -> Site:
    return make_site(request.param, settings={"METRICS": True})


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the Prometheus text format (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        match = re.fullmatch(rf"{re.escape(name)}(?:\{{(.*)\}})? (\S+)", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(2))
    return 0.0


def test_metrics_count_logins_by_outcome_and_time_them(site: Site, audit: Any) -> None:
    user = Headless(site)
    try:
        before = user.http.get("/eherkenning/metrics/")
        assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
        ok_before = _sample(before.text, "ehkit_logins_total", outcome="success", reason="none")
        cancel_before = _sample(before.text, "ehkit_logins_total", outcome="cancelled", reason="cancelled")
        artifact_before = _sample(before.text, "ehkit_artifact_resolution_seconds_count")

        user.http.headers["X-Request-ID"] = "trace-4711"
        done = user.login("vergunning", "/vergunning", person="anna", company="korenaar")
        assert done.status_code == 303
        start = user.start("vergunning", "/vergunning")
        user.deliver(user.at_broker(start, action="cancel")["delivery"])

        after = user.http.get("/eherkenning/metrics/").text
        assert _sample(after, "ehkit_logins_total", outcome="success", reason="none") == ok_before + 1
        assert _sample(after, "ehkit_logins_total", outcome="cancelled", reason="cancelled") == cancel_before + 1
        assert _sample(after, "ehkit_artifact_resolution_seconds_count") == artifact_before + 2
        assert _sample(after, "ehkit_login_validation_seconds_count") >= 2
        assert _sample(after, "ehkit_metadata_last_refresh_success") == 1
        assert 0 < _sample(after, "ehkit_metadata_age_seconds") < 3600
        assert _sample(after, "ehkit_metadata_valid_seconds") > 0
        assert 300 < _sample(after, "ehkit_certificate_days_left", role="signing") < 4000
        # The audit line carries the request's correlation id and the time of the artifact exchange.
        success = [e for e in audit() if e["outcome"] == "success"][-1]
        assert success["correlation_id"] == "trace-4711"
        assert success["phases_ms"]["artifact_resolution"] > 0
    finally:
        user.close()


def test_health_reports_ok_with_the_metadata_state(site: Site) -> None:
    user = Headless(site)
    try:
        answer = user.http.get("/eherkenning/health/")
        assert answer.status_code == 200 and "no-store" in answer.headers["cache-control"]
        doc = answer.json()
        assert doc["status"] == "ok" and doc["problems"] == []
        assert doc["store"] == "ok"
        assert doc["metadata"]["signing_keys"] >= 1 and doc["metadata"]["valid_until"]
        assert doc["signing_certificate"]["days_left"] > 300
    finally:
        user.close()


def test_metrics_are_off_unless_enabled(make_site: Any) -> None:
    plain = make_site("fastapi")
    user = Headless(plain)
    try:
        assert user.http.get("/eherkenning/metrics/").status_code == 404
        assert user.http.get("/eherkenning/health/").status_code == 200
    finally:
        user.close()
