"""The framework-free parts: settings and overrides, the session form of a login, guard rules,
return addresses, languages, templates. No server needed."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from ehkit.config import ConfigInvalidError
from ehkit.domain.loa import LevelOfAssurance as L
from ehkit.domain.urns import IdentifierType
from ehkit.errors import ConfigError
from ehkit.integrations.base import Requirement, SessionSeal, StoredLogin, Verdict, decide, safe_next, template_dir
from ehkit.integrations.base.guard import login_service_for
from ehkit.integrations.base.session import SessionDataError, login_from_dict, login_to_dict
from ehkit.integrations.base.settings import IntegrationSettings
from ehkit.integrations.base.texts import TEXTS, choose_language, texts_for
from ehkit.sp.result import Identifier, Intermediary, LoginResult


def settings(env: dict[str, str] | None = None, **values: Any) -> IntegrationSettings:
    return IntegrationSettings.from_mapping(values, label=lambda k: f'EHKIT["{k}"]', source="test", env=env or {})


# ------------------------------------------------------------------ settings


def test_defaults_and_the_config_path() -> None:
    s = settings()
    assert s.config_path == Path("ehkit.toml") and s.session_max_age == 3600 and s.catalogue_download == "off"
    assert settings({"EHKIT_CONFIG": "/etc/eh.toml"}).config_path == Path("/etc/eh.toml")
    assert settings({"EHKIT_CONFIG": "/etc/eh.toml"}, CONFIG="mine.toml").config_path == Path("mine.toml")
    assert settings(CATALOGUE_DOWNLOAD=True).catalogue_download == "public"
    assert settings(CATALOGUE_DOWNLOAD="staff").catalogue_download == "staff"
    assert settings(COOKIE_SAMESITE="Lax").cookie_samesite == "lax"
    assert settings(LOGOUT_HOOK="os.path.join").logout_hook is __import__("os").path.join


def test_every_bad_setting_is_reported_at_once_under_its_own_name() -> None:
    with pytest.raises(ConfigInvalidError) as caught:
        settings(
            ACS_URLL="x",
            SESSION_MAX_AGE=10,
            LOGIN_REDIRECT="https://evil.example/",
            CATALOGUE_DOWNLOAD="everyone",
            REQUEST_COOKIE="a b",
            COOKIE_SECURE="yes",
            COOKIE_SAMESITE="sometimes",
            REQUEST_BINDING="soap",
            RESPONSE_BINDING="redirect",
            LOGOUT_HOOK="no.such.module.fn",
            CREATE_USERS="no",
            STORE=5,
            METADATA_URL="https://hm.example/m",
            METADATA_FILE="m.xml",
            DEFAULT_SERVICE=3,
        )
    paths = [p.path for p in caught.value.problems]
    assert paths == [
        'EHKIT["ACS_URLL"]',
        'EHKIT["STORE"]',
        'EHKIT["METADATA_FILE"]',
        'EHKIT["SESSION_MAX_AGE"]',
        'EHKIT["DEFAULT_SERVICE"]',
        'EHKIT["LOGIN_REDIRECT"]',
        'EHKIT["CATALOGUE_DOWNLOAD"]',
        'EHKIT["REQUEST_COOKIE"]',
        'EHKIT["COOKIE_SECURE"]',
        'EHKIT["COOKIE_SAMESITE"]',
        'EHKIT["REQUEST_BINDING"]',
        'EHKIT["RESPONSE_BINDING"]',
        'EHKIT["LOGOUT_HOOK"]',
        'EHKIT["CREATE_USERS"]',
    ]
    assert "known: ACS_URL" in caught.value.problems[0].message
    assert caught.value.reason == "config_invalid"


def test_overrides_replace_their_field_and_are_validated_with_the_file(setup_template: Path) -> None:
    config = setup_template / "ehkit.toml"
    merged = settings(
        CONFIG=str(config),
        ACS_URL="https://www.voorbeeld.example/eherkenning/acs/",
        STORE="sqlite:///other.db",
        METADATA_FILE="broker.xml",
    ).load_config()
    assert merged.dv.acs_url == "https://www.voorbeeld.example/eherkenning/acs/"
    assert merged.state.store == "sqlite:///other.db"
    assert merged.broker.metadata_file == (setup_template / "broker.xml").resolve()
    assert merged.broker.metadata_url is None
    with pytest.raises(ConfigInvalidError) as caught:
        settings(
            CONFIG=str(config), ACS_URL="http://www.voorbeeld.example/acs/", RELAY_STATE_SECRET="short"
        ).load_config()
    problems = {p.path: p.message for p in caught.value.problems}
    assert 'EHKIT["ACS_URL"] (dv.acs_url)' in problems and "plain http" in problems['EHKIT["ACS_URL"] (dv.acs_url)']
    assert 'EHKIT["RELAY_STATE_SECRET"] (state.relay_state_secret)' in problems


def test_the_oidc_redirect_uri_override(setup_template: Path, tmp_path: Path) -> None:
    import shutil

    from site_env import use_oidc

    shutil.copytree(setup_template, tmp_path, dirs_exist_ok=True)
    plain = tmp_path / "ehkit.toml"
    # Without an OIDC front there is nothing to override: said so, under the setting's name.
    with pytest.raises(ConfigInvalidError) as caught:
        settings(CONFIG=str(plain), OIDC_REDIRECT_URI="https://dv.example/eherkenning/oidc/callback/").load_config()
    (problem,) = caught.value.problems
    assert problem.path == 'EHKIT["OIDC_REDIRECT_URI"]' and "[broker.oidc]" in problem.message
    config = use_oidc(plain, site_url="http://127.0.0.1:9", broker_url="http://127.0.0.1:8")
    assert settings(CONFIG=str(config)).load_config().broker.oidc.redirect_uri == (
        "http://127.0.0.1:9/eherkenning/oidc/callback/"
    )
    moved = settings(CONFIG=str(config), OIDC_REDIRECT_URI="https://dv.example/eherkenning/oidc/callback/")
    merged = moved.load_config()
    assert merged.broker.oidc.redirect_uri == "https://dv.example/eherkenning/oidc/callback/"
    assert merged.broker.oidc.client_id == "integration-test"  # the rest of [broker.oidc] stays
    with pytest.raises(ConfigInvalidError) as caught:
        settings(CONFIG=str(config), OIDC_REDIRECT_URI="ftp://dv.example/cb").load_config()
    assert [p.path for p in caught.value.problems] == ['EHKIT["OIDC_REDIRECT_URI"] (broker.oidc.redirect_uri)']


def test_the_error_hook_must_be_callable() -> None:
    assert settings(ERROR_HOOK="json.dumps").error_hook is json.dumps
    with pytest.raises(ConfigInvalidError) as caught:
        settings(ERROR_HOOK="nowhere.to.be.found")
    assert caught.value.problems[0].path == 'EHKIT["ERROR_HOOK"]'


def test_configuration_file_errors_name_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as missing:
        settings(CONFIG=str(tmp_path / "nope.toml")).load_config()
    assert missing.value.reason == "config_not_found" and 'EHKIT["CONFIG"]' in missing.value.message
    (tmp_path / "bad.toml").write_text("[dv\n")
    with pytest.raises(ConfigInvalidError) as bad:
        settings(CONFIG=str(tmp_path / "bad.toml")).load_config()
    assert "not valid TOML" in str(bad.value)


# ------------------------------------------------------------------ the session form of a login


def a_login(**changes: Any) -> LoginResult:
    base = LoginResult(
        request_id="_r",
        service="vergunning",
        service_id="urn:etoegang:DV:00000001234567890000:services:2",
        service_uuid="0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a02",
        legal_subject=Identifier(IdentifierType.KVK, "30123456", IdentifierType.KVK.urn),
        acting_subject=Identifier(IdentifierType.PSEUDO, "a" * 64 + "@" + "b" * 32, IdentifierType.PSEUDO.urn),
        loa=L.EH3,
        loa_required=L.EH3,
        loa_requested=None,
        authn_instant=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        session_index="_s",
        broker="urn:etoegang:HM:00000009876543210000:entities:9001",
        authenticating_authority="urn:etoegang:AD:00000001111111110000:entities:1",
        authorization_registry=None,
        response_id="_resp",
        assertion_id="_a",
        binding="artifact",
        vestigingsnummer="000012345602",
        intermediary=Intermediary("30345678", "urn:etoegang:1.9:IntermediateEntityID:KvKnr", "Telling & Co"),
        additional_identifiers=(Identifier(IdentifierType.RSIN, "843464097", IdentifierType.RSIN.urn),),
        attributes=MappingProxyType({"urn:etoegang:1.11:attribute-represented:CompanyName": ("Bakkerij",)}),
        relay_state="/aanvraag",
    )
    return replace(base, **changes)


def stored(login: LoginResult | None = None, *, age: int = 0, ttl: int = 3600) -> StoredLogin:
    now = datetime.now(UTC) - timedelta(seconds=age)
    return StoredLogin(login or a_login(), now, now + timedelta(seconds=ttl))


def test_round_trip_through_json() -> None:
    original = stored(
        a_login(
            loa_requested=L.EH3,
            session_not_on_or_after=datetime(2026, 3, 1, 11, tzinfo=UTC),
            name_id=("t-1", "urn:oasis:names:tc:SAML:2.0:nameid-format:transient", None),
        )
    )
    data = json.loads(json.dumps(login_to_dict(original)))
    assert data["v"] == 1 and data["legal_subject"] == {
        "type": "KVK",
        "value": "30123456",
        "urn": IdentifierType.KVK.urn,
    }
    back = login_from_dict(data)
    assert back == original
    assert back.result.attribute("urn:etoegang:1.11:attribute-represented:CompanyName") == "Bakkerij"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(v=2),
        lambda d: d.pop("v"),
        lambda d: d.update(loa="EH1"),
        lambda d: d.update(legal_subject={"type": "NOPE", "value": "1", "urn": "x"}),
        lambda d: d.update(legal_subject="30123456"),
        lambda d: d.update(authn_instant="yesterday"),
        lambda d: d.update(authn_instant="2026-03-01T09:00:00"),
        lambda d: d.update(attributes={"x": "not a list"}),
        lambda d: d.update(intermediary={"kvk": 1}),
        lambda d: d.update(service=None),
        lambda d: d.update(name_id=["only-two", None]),
        lambda d: d.update(name_id="t-1"),
    ],
)
def test_anything_unexpected_reads_as_no_login(mutate: Any) -> None:
    data = login_to_dict(stored())
    mutate(data)
    with pytest.raises(SessionDataError):
        login_from_dict(data)


def test_the_seal_hides_identifiers_and_fails_closed() -> None:
    seal = SessionSeal(b"k" * 32)
    token = seal.seal(stored())
    raw = base64.urlsafe_b64decode(token)
    assert b"30123456" not in raw and b"vergunning" not in raw
    assert seal.read(token, datetime.now(UTC)) is not None
    assert SessionSeal(b"other" * 8).read(token, datetime.now(UTC)) is None  # another deployment's key
    flipped = base64.urlsafe_b64encode(raw[:-1] + bytes([raw[-1] ^ 1])).decode()
    assert seal.read(flipped, datetime.now(UTC)) is None
    for junk in ("", "!!!", "AAAA", 42, "x" * 4000, {"v": 1}):
        assert seal.read(junk, datetime.now(UTC)) is None
    assert seal.read(None, datetime.now(UTC)) is None


def test_an_expired_login_is_no_login() -> None:
    seal = SessionSeal(b"k" * 32)
    assert seal.read(seal.seal(stored(age=3700, ttl=3600)), datetime.now(UTC)) is None


def test_a_login_too_large_for_a_cookie_is_refused() -> None:
    big = a_login(attributes=MappingProxyType({f"urn:etoegang:x:{i}": ("y" * 100,) for i in range(40)}))
    with pytest.raises(SessionDataError, match="too large"):
        SessionSeal(b"k" * 32).seal(stored(big))


# ------------------------------------------------------------------ guard rules

LEVELS = {"melding": L.EH2_PLUS, "vergunning": L.EH3, "eidas": L.EH3, "zwaar": L.EH4}


def login_for(service: str, *, delivered: L | None = None) -> LoginResult:
    return a_login(service=service, loa_required=LEVELS[service], loa=delivered or LEVELS[service])


@pytest.mark.parametrize(
    "login, requirement, verdict",
    [
        (None, Requirement.of("vergunning"), Verdict.ANONYMOUS),
        ("vergunning", Requirement.of("vergunning"), Verdict.OK),
        ("melding", Requirement.of("vergunning"), Verdict.WRONG_SERVICE),
        ("vergunning", Requirement.of("melding"), Verdict.WRONG_SERVICE),  # a higher level is still another service
        ("eidas", Requirement.of(["vergunning", "eidas"]), Verdict.OK),
        ("melding", Requirement.of(loa="EH3"), Verdict.LEVEL_TOO_LOW),
        ("vergunning", Requirement.of(loa="EH3"), Verdict.OK),
        ("vergunning", Requirement.of(), Verdict.OK),
        ("melding", Requirement.of(), Verdict.OK),
        ("zwaar", Requirement.of(loa=L.EH3), Verdict.OK),
    ],
)
def test_guard_rules(login: str | None, requirement: Requirement, verdict: Verdict) -> None:
    got = decide(login_for(login) if login else None, requirement, LEVELS)
    assert got.verdict is verdict


def test_an_eh2plus_login_with_a_stronger_means_still_counts_at_eh2plus() -> None:
    decision = decide(login_for("melding", delivered=L.EH4), Requirement.of(loa="EH3"), LEVELS)
    assert decision.verdict is Verdict.LEVEL_TOO_LOW and decision.needed is L.EH3
    assert decision.login_service == "vergunning"


def test_a_raised_level_invalidates_earlier_logins() -> None:
    raised = {**LEVELS, "melding": L.EH3}
    assert decide(login_for("melding"), Requirement.of("melding"), raised).verdict is Verdict.LEVEL_TOO_LOW


def test_a_removed_service_no_longer_counts() -> None:
    levels = {k: v for k, v in LEVELS.items() if k != "melding"}
    assert decide(login_for("melding"), Requirement.of(), levels).verdict is Verdict.WRONG_SERVICE


def test_where_a_guard_sends_the_user() -> None:
    assert login_service_for(Requirement.of(), LEVELS, None) == "melding"
    assert login_service_for(Requirement.of(), LEVELS, "vergunning") == "vergunning"
    assert login_service_for(Requirement.of(loa="EH3"), LEVELS, "melding") == "vergunning"
    assert login_service_for(Requirement.of(["eidas", "vergunning"]), LEVELS, None) == "eidas"
    assert login_service_for(Requirement.of(loa="EH4"), LEVELS, None) == "zwaar"


def test_impossible_requirements_are_programming_errors() -> None:
    with pytest.raises(ConfigError, match="does not define"):
        decide(None, Requirement.of("bestaatniet"), LEVELS)
    with pytest.raises(ConfigError, match="no login can open it"):
        decide(None, Requirement.of("melding", loa="EH4"), LEVELS)
    with pytest.raises(TypeError):
        Requirement.of(["ok", ""])


# ------------------------------------------------------------------ return addresses

ORIGIN = "https://www.voorbeeld.example"


@pytest.mark.parametrize(
    "value, result",
    [
        ("/aanvraag/42?stap=2", "/aanvraag/42?stap=2"),
        ("https://www.voorbeeld.example/aanvraag?x=1#frag", "/aanvraag?x=1"),
        ("https://www.voorbeeld.example:443/a", "/a"),
        ("https://WWW.VOORBEELD.EXAMPLE/a", "/a"),
        ("https://www.voorbeeld.example", "/"),
        ("http://www.voorbeeld.example/a", None),
        ("https://www.voorbeeld.example:8443/a", None),
        ("https://www.voorbeeld.example.evil/a", None),
        ("https://evil.example/a", None),
        ("//evil.example/a", None),
        ("/\\evil.example", None),
        ("\\\\evil.example", None),
        ("javascript:alert(1)", None),
        ("data:text/html,x", None),
        ("/a b", None),
        ("/é", None),
        ("", None),
        (None, None),
        ("/" + "a" * 3000, None),
        ("https://x:notaport/a", None),
    ],
)
def test_safe_next(value: str | None, result: str | None) -> None:
    assert safe_next(value, ORIGIN) == result


# ------------------------------------------------------------------ languages and pages


@pytest.mark.parametrize(
    "query, cookie, header, lang",
    [
        (None, None, None, "nl"),
        ("en", None, None, "en"),
        ("de", "en", None, "en"),
        (None, None, "en-GB,en;q=0.9,nl;q=0.8", "en"),
        (None, None, "de-DE,nl;q=0.5,en;q=0.4", "nl"),
        (None, None, "fr, en;q=bad", "en"),
        (None, "nl", "en", "nl"),
    ],
)
def test_language_choice(query: str | None, cookie: str | None, header: str | None, lang: str) -> None:
    assert choose_language(query, cookie, header) == lang


def test_every_text_has_both_languages() -> None:
    for key, entry in TEXTS.items():
        assert entry["nl"] and entry["en"], key
    assert texts_for("de") == texts_for("nl")


def test_django_gets_the_same_templates_as_jinja() -> None:
    """One set of page templates in the common subset of Jinja and the Django template language."""
    shared = template_dir() / "ehkit"
    django_copy = Path(__file__).resolve().parents[2] / "src/ehkit/integrations/django/templates/ehkit"
    names = sorted(p.name for p in shared.glob("*.html"))
    assert names == sorted(p.name for p in django_copy.glob("*.html"))
    for name in names:
        assert (shared / name).read_text() == (django_copy / name).read_text(), name
        text = (shared / name).read_text()
        assert not re.search(r"\{\{[^}]*\(", text), f"{name}: no calls (Django templates cannot call)"
        for key in re.findall(r"t\.(\w+)", text):
            assert key in TEXTS, f"{name}: t.{key} is not a text"
