"""Every simulator page, in Dutch and in English, holds none of the other language's labels (issue 20, item 4).

Known labels are the page texts of ``ehkit.broker.i18n`` and the Dutch/English
descriptions in the test data (see ``support.languages`` for what counts).
"""

from __future__ import annotations

import pytest
from broker_harness import BrokerEnv, post_fields_for
from starlette.testclient import TestClient
from test_pages import SSO, login, start

from ehkit.broker.data import load_test_data
from ehkit.broker.i18n import TEXTS
from support.languages import assert_one_language, known_labels

LANGS = ("nl", "en")


def labels() -> dict[str, set[str]]:
    data = load_test_data()
    pairs = list(TEXTS.values())
    pairs += [(p.description_nl, p.description_en) for p in [*data.persons, *data.eidas_persons]]
    pairs += [(a.description_nl, a.description_en) for a in data.authentication_services]
    pairs += [(m.label_nl, m.label_en) for p in data.persons for m in p.means]
    return known_labels(pairs)


def pages(client: TestClient, env: BrokerEnv, lang: str) -> dict[str, str]:
    """Every kind of page the simulator renders, in ``lang``."""
    q = {"lang": lang}
    out = {"overview": client.get("/", params=q).text, "not found": client.get("/nergens", params=q).text}
    flow = start(client, env, index=2)
    out["choose AD"] = client.get(flow, params=q).text
    client.post(flow + "/ad", data={"ad": "alfa"})
    out["log in"] = client.get(flow + "/authenticate", params=q).text
    out["log in, wrong password"] = client.post(
        flow + "/authenticate", data={"persona": "anna:app", "password": "fout"}
    ).text
    client.post(flow + "/authenticate", data={"persona": "carla:app", "password": "test"})  # beta is not chosen
    login(client, flow, "beta", "carla:app")
    out["represent (chains not allowed)"] = client.get(flow + "/represent", params=q).text
    other = start(client, env, index=2)
    login(client, other, "zeta", "eva:key")
    out["not authorised"] = client.get(other + "/represent", params=q).text
    out["flow unknown"] = client.get("/broker/login/onbekend", params=q).text
    done = client.post(flow + "/represent", data={"option": "telling||"})
    out["back after the login"] = done.text
    finished = client.post(flow + "/represent", data={"option": "telling||"})
    out["finished login"] = client.get(finished.headers["location"].split("?")[0], params=q).text
    refused = client.post(SSO, data={**post_fields_for(_request(env), env.keys.dv), "RelayState": "x" * 81})
    out["request refused"] = client.get(refused.headers["location"].split("?")[0], params=q).text
    replay = start(client, env, index=2)
    client.post(replay + "/options", data={"scenario": "replayed_artifact", "next": replay})
    login(client, replay, "alfa", "anna:app")
    out["two deliveries"] = client.post(replay + "/represent", data={"option": "korenaar||"}).text
    return out


def _request(env: BrokerEnv):  # type: ignore[no-untyped-def]
    from broker_harness import authn_request

    return authn_request(env)


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_is_in_one_language(client: TestClient, env: BrokerEnv, lang: str) -> None:
    known = labels()
    client.cookies.set("ehkit_broker_lang", lang)  # the switch's cookie: POST answers follow it too
    for where, markup in pages(client, env, lang).items():
        if not markup.lstrip().startswith("<!DOCTYPE"):
            continue  # a redirect (Back after the login goes to the DV)
        assert_one_language(markup, lang, known, where)


def test_accept_language_and_the_dv_hint_choose_the_language(client: TestClient, env: BrokerEnv) -> None:
    browser = {"Accept-Language": "de-DE,en-GB;q=0.9,nl;q=0.5"}
    flow = client.get(SSO + "?" + _query(env), headers=browser).headers["location"]
    english = client.get(flow)
    assert 'html lang="en"' in english.text and "Choose your login means provider" in english.text
    dutch = client.get(
        client.get(SSO + "?" + _query(env), headers={"Accept-Language": "nl, en;q=0.8"}).headers["location"]
    )
    assert 'html lang="nl"' in dutch.text
    location = client.get(SSO + "?" + _query(env) + "&lang=en").headers["location"]
    hinted = client.get(location, headers={"Accept-Language": "nl-NL"})  # the hint wins over the browser
    assert 'html lang="en"' in hinted.text


def _query(env: BrokerEnv) -> str:
    from urllib.parse import urlsplit

    from broker_harness import authn_request, redirect_url_for

    return urlsplit(redirect_url_for(env, authn_request(env, index=2))).query
