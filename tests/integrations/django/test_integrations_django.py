"""The Django app end to end (pytest-django's live server) plus what only Django has:
session-key rotation, CSRF on logout, the mixin, the authentication backend,
system checks and ``manage.py ehkit``."""

from __future__ import annotations

import json
import re
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from site_env import Headless, Site
from test_integrations_flows import (
    test_an_answer_without_the_binding_cookie_is_not_resolved,
    test_anonymous_user_is_sent_to_the_login_of_the_view,
    test_audit_event_of_a_success,
    test_broker_down_gives_the_unavailable_page,
    test_cancel_gives_the_cancelled_page,
    test_level_and_service_guard,
    test_login_for_unknown_service,
    test_login_shows_the_identity,
    test_metadata_per_group_and_catalogue_off,
    test_refused_login_shows_no_reason_code,
    test_replay_of_the_same_artifact_is_refused,
    test_return_address_stays_on_this_site,
    test_unknown_error_page,
)

pytestmark = pytest.mark.network

__all__ = [  # the shared scenarios, run here against Django
    "test_an_answer_without_the_binding_cookie_is_not_resolved",
    "test_anonymous_user_is_sent_to_the_login_of_the_view",
    "test_audit_event_of_a_success",
    "test_broker_down_gives_the_unavailable_page",
    "test_cancel_gives_the_cancelled_page",
    "test_level_and_service_guard",
    "test_login_for_unknown_service",
    "test_login_shows_the_identity",
    "test_metadata_per_group_and_catalogue_off",
    "test_refused_login_shows_no_reason_code",
    "test_replay_of_the_same_artifact_is_refused",
    "test_return_address_stays_on_this_site",
    "test_unknown_error_page",
]


@pytest.fixture
def site(dj_site: Site) -> Site:
    return dj_site


@pytest.fixture
def user(site: Site) -> Any:
    h = Headless(site)
    yield h
    h.close()


def test_login_rotates_the_session_key_and_keeps_the_session(user: Headless) -> None:
    user.http.get("/bezoek")
    before = user.http.cookies.get("sessionid")
    assert before
    user.login("melding", person="anna")
    after = user.http.cookies.get("sessionid")
    assert after and after != before  # cycle_key: a new key, so a planted session ID is worthless
    assert user.http.get("/bezocht").text == "yes"
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=before).exists()


def test_class_based_view_with_the_mixin(user: Headless) -> None:
    assert user.http.get("/aanvraag").status_code == 302
    user.login("vergunning", person="anna")
    page = user.http.get("/aanvraag")
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    assert 'data-testid="service">vergunning<' in page.text


def test_async_view_is_guarded(user: Headless) -> None:
    assert user.http.get("/api/wie").status_code == 302
    user.login("melding", person="anna")
    assert user.http.get("/api/wie").json() == {"service": "melding", "legal": "30123456"}


def test_logout_needs_the_csrf_token(user: Headless) -> None:
    user.login("melding", person="anna")
    assert user.http.post("/eherkenning/logout/").status_code == 403  # Django's CSRF protection
    assert user.http.get("/melding").status_code == 200
    page = user.http.get("/eherkenning/logout/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text
    done = user.http.post(
        "/eherkenning/logout/", data={"csrfmiddlewaretoken": token.group(1)}, headers={"Referer": user.site.url + "/"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert user.http.get("/melding").status_code == 302
    assert "ehkit_request" not in user.http.cookies


def test_backend_logs_a_user_in_when_enabled(user: Headless, dj_site: Site) -> None:
    from django.contrib.auth import get_user_model

    backends = ["ehkit.integrations.django.backends.EHerkenningBackend"]
    with override_settings(AUTHENTICATION_BACKENDS=backends, EHKIT={"CONFIG": str(dj_site.config)}):
        user.login("melding", person="anna")
        home = user.http.get("/")
        name = re.search(r'data-testid="user">([^<]+)<', home.text)
        assert name and name.group(1).startswith("eh-") and "30123456" not in name.group(1)
        users = get_user_model().objects.all()
        assert [u.username for u in users] == [name.group(1)]
        assert not users[0].has_usable_password()
        user.login("melding", person="anna")  # the same person for the same company: the same user
        assert get_user_model().objects.count() == 1
        user.login("vergunning", person="bram", company="korenaar", vestiging="000012345602")  # a colleague
        assert get_user_model().objects.count() == 2


def test_backend_without_user_creation_refuses_unknown_users(user: Headless, dj_site: Site, audit: Any) -> None:
    backends = ["ehkit.integrations.django.backends.EHerkenningBackend"]
    with override_settings(
        AUTHENTICATION_BACKENDS=backends, EHKIT={"CONFIG": str(dj_site.config), "CREATE_USERS": False}
    ):
        done = user.login("melding", person="anna")
        assert done.headers["location"].startswith("/eherkenning/error/refused/")
        assert audit()[-1]["reason"] == "user_unknown"


def test_catalogue_for_staff_only(dj_site: Site, client: Any, django_user_model: Any) -> None:
    with override_settings(EHKIT={"CONFIG": str(dj_site.config), "CATALOGUE_DOWNLOAD": "staff"}):
        assert client.get("/eherkenning/catalogue/").status_code == 404
        staff = django_user_model.objects.create_user("beheer", is_staff=True)
        client.force_login(staff)
        answer = client.get("/eherkenning/catalogue/")
        assert answer.status_code == 200 and b"ServiceCatalogue" in answer.content
        assert answer["Content-Disposition"] == 'attachment; filename="catalogue.xml"'


def test_health_and_metrics_views(dj_site: Site, client: Any) -> None:
    with override_settings(EHKIT={"CONFIG": str(dj_site.config), "METRICS": True}):
        health = client.get("/eherkenning/health/")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        metrics = client.get("/eherkenning/metrics/")
        assert metrics.status_code == 200 and b"ehkit_certificate_days_left" in metrics.content


# ------------------------------------------------------------------ system checks and commands


def messages(**ehkit: Any) -> list[tuple[str, str]]:
    from ehkit.integrations.django.checks import check_configuration

    with override_settings(EHKIT=ehkit):
        return [(m.id, m.msg) for m in check_configuration()]


def test_system_checks_pass_for_a_good_configuration(dj_site: Site) -> None:
    assert messages(CONFIG=str(dj_site.config)) == []


def test_system_checks_name_the_field(dj_site: Site, tmp_path: Path) -> None:
    found = messages(CONFIG=str(tmp_path / "missing.toml"))
    assert found[0][0] == "ehkit.E002" and 'EHKIT["CONFIG"]' in found[0][1] and "not found" in found[0][1]

    found = messages(CONFIG=str(dj_site.config), ACS_URLL="x")
    assert found == [("ehkit.E001", found[0][1])] and 'EHKIT["ACS_URLL"]: unknown setting' in found[0][1]

    found = messages(CONFIG=str(dj_site.config), ACS_URL="http://127.0.0.1:8000/verkeerd/acs/")
    assert [i for i, _ in found] == ["ehkit.E004"]
    assert 'EHKIT["ACS_URL"]' in found[0][1] and "/eherkenning/acs/" in found[0][1]

    found = messages(CONFIG=str(dj_site.config), ACS_URL="ftp://nope")
    assert found[0][0] == "ehkit.E002" and 'EHKIT["ACS_URL"] (dv.acs_url)' in found[0][1]

    broken = tmp_path / "broken"
    shutil.copytree(dj_site.config.parent, broken)
    text = (broken / "ehkit.toml").read_text().replace('loa = "EH2+"', 'loa = "EH1"', 1)
    (broken / "ehkit.toml").write_text(text)
    found = messages(CONFIG=str(broken / "ehkit.toml"))
    assert found[0][0] == "ehkit.E002" and "services[0].loa" in found[0][1] and "EH1" in found[0][1]

    (broken / "keys" / "dv.key").write_text("not a key")
    (broken / "ehkit.toml").write_text(text.replace('loa = "EH1"', 'loa = "EH2+"'))
    assert [i for i, _ in messages(CONFIG=str(broken / "ehkit.toml"))] == ["ehkit.E003"]


def test_manage_py_check_stops_on_errors(tmp_path: Path) -> None:
    from django.core.management.base import SystemCheckError

    with override_settings(EHKIT={"CONFIG": str(tmp_path / "missing.toml")}), pytest.raises(SystemCheckError):
        call_command("check")


def test_manage_py_ehkit_check(dj_site: Site) -> None:
    out = StringIO()
    call_command("ehkit", "check", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] is True
    checks = {f["check"] for f in report["findings"]}
    assert {"config", "keys", "routes", "metadata", "store"} <= checks


def test_manage_py_ehkit_check_fails_when_the_broker_is_down(dj_site: Site, tmp_path: Path) -> None:
    text = dj_site.config.read_text()
    copy = tmp_path / "down"
    shutil.copytree(dj_site.config.parent, copy)
    (copy / "ehkit.toml").write_text(re.sub(r'metadata_url = "[^"]*"', 'metadata_url = "http://127.0.0.1:9/m"', text))
    out = StringIO()
    with override_settings(EHKIT={"CONFIG": str(copy / "ehkit.toml")}), pytest.raises(SystemExit):
        call_command("ehkit", "check", stdout=out)
    assert "broker.metadata_url" in out.getvalue() and "FAILED" in out.getvalue()


def test_manage_py_ehkit_metadata_and_refresh(dj_site: Site) -> None:
    out = StringIO()
    call_command("ehkit", "metadata", "--group", "eidas", stdout=out)
    assert 'entityID="urn:etoegang:DV:00000001234567890000:entities:1"' in out.getvalue()
    out = StringIO()
    call_command("ehkit", "refresh-metadata", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["entity_id"].startswith("urn:etoegang:HM:") and result["signing_certificates"] >= 1
    assert result["written_to"] is None


def test_pages_come_from_the_project_templates_first(dj_site: Site, client: Any, tmp_path: Path) -> None:
    (tmp_path / "ehkit").mkdir()
    (tmp_path / "ehkit" / "refused.html").write_text(
        '{% extends "ehkit/base.html" %}{% block content %}<p data-testid="custom">{{ t.refused_title }}</p>{% endblock %}'
    )
    templates = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [tmp_path], "APP_DIRS": True}]
    with override_settings(TEMPLATES=templates):
        page = client.get("/eherkenning/error/refused/")
        assert page.status_code == 403 and b'data-testid="custom">Inloggen is niet gelukt<' in page.content
        assert b'data-testid="ehkit-lang-switch"' in page.content
