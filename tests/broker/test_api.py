"""The headless JSON API and the artifact resolution service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from broker_harness import (
    DV_ENTITY,
    BrokerEnv,
    SessionKeys,
    authn_request,
    make_env,
    post_fields_for,
    redirect_url_for,
    resolve,
    status_of,
)
from starlette.testclient import TestClient

from ehkit.saml import constants as c
from ehkit.xml.ns import SAML, SAMLP, q


def api_login(client: TestClient, env: BrokerEnv, *, index: int = 2, **body: object) -> dict:  # type: ignore[type-arg]
    url = redirect_url_for(env, authn_request(env, index=index))
    response = client.post("/api/login", json={"redirect_url": url, **body})
    return {"status_code": response.status_code, **response.json()}


def inner(payload) -> object:  # type: ignore[no-untyped-def]
    return payload.find(q(SAMLP, "Response"))


def test_personas_and_scenarios(client: TestClient, env: BrokerEnv) -> None:
    personas = client.get("/api/personas").json()
    assert {p["id"] for p in personas["persons"]} >= {"anna", "bram", "carla", "jan", "dirk", "eva", "fleur"}
    assert {p["id"] for p in personas["eidas_persons"]} >= {"giulia", "lukas"}
    assert any(c["bsn"] for c in personas["companies"])
    scenarios = client.get("/api/scenarios").json()
    assert {"id": "none", "expected_reason": None}.items() <= scenarios[0].items()
    dvs = client.get("/api/dvs").json()
    assert {d["entity_id"] for d in dvs} == {DV_ENTITY, "urn:etoegang:DV:00000001234567890000:entities:9010"}


def test_login_returns_what_the_browser_carries_and_the_artifact_resolves_once(
    client: TestClient, env: BrokerEnv
) -> None:
    result = api_login(client, env, person="bram")
    assert result["status_code"] == 200 and result["status"] == "success"
    delivery = result["delivery"]
    assert delivery["method"] == "GET" and delivery["binding"] == "artifact"
    assert delivery["acs_url"] == f"{env.dv_url}/acs" and delivery["RelayState"] == "rs-1"
    assert delivery["url"].startswith(delivery["acs_url"] + "?SAMLart=")
    assert result["grant"]["vestiging"] == "000012345602" and result["grant"]["company"] == "korenaar"
    first, payload = resolve(client, env, delivery["SAMLart"])
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/xml")
    assert status_of(inner(payload))[0] == c.STATUS_SUCCESS
    _, again = resolve(client, env, delivery["SAMLart"])
    assert again is not None and inner(again) is None  # resolvable once: later an empty (but signed) answer
    assert status_of(again)[0] == c.STATUS_SUCCESS


def test_post_request_and_post_response_binding(client: TestClient, env: BrokerEnv) -> None:
    fields = post_fields_for(authn_request(env, index=1), env.keys.dv)
    result = client.post(
        "/api/login",
        json={
            "saml_request": fields["SAMLRequest"],
            "relay_state": "rs-1",
            "person": "anna",
            "response_binding": "post",
        },
    ).json()
    assert result["delivery"]["method"] == "POST" and result["delivery"]["SAMLResponse"]
    assert result["delivery"]["fields"]["RelayState"] == "rs-1"


def test_choices_must_be_unambiguous_and_allowed(client: TestClient, env: BrokerEnv) -> None:
    ambiguous = api_login(client, env, person="carla")
    assert ambiguous["status_code"] == 400 and ambiguous["error"] == "choose_option"
    assert {o["company"] for o in ambiguous["options"]} == {"telling", "vandijk", "korenaar"}
    chain = api_login(client, env, person="carla", company="vandijk")
    assert chain["status"] == "success" and chain["grant"]["intermediary"] == "telling"
    by_kvk = api_login(client, env, person="anna", company="30123456", vestiging="000012345603")
    assert by_kvk["grant"]["vestiging"] == "000012345603"
    assert api_login(client, env, person="eva")["error"] == "not_authorised"
    assert api_login(client, env, person="eva")["status_code"] == 403
    low = api_login(client, env, index=1, person="dirk")
    assert (low["status_code"], low["error"]) == (422, "loa_too_low")
    assert api_login(client, env, person="anna", ad="eidas")["error"] == "ad_not_eligible"
    assert api_login(client, env, person="nobody")["status_code"] == 400
    assert api_login(client, env, person="anna", scenario="nope")["error"] == "scenario_unknown"


def test_cancel_refusal_and_unsolicited(client: TestClient, env: BrokerEnv) -> None:
    cancelled = api_login(client, env, action="cancel")
    assert cancelled["status"] == "cancelled"
    _, payload = resolve(client, env, cancelled["delivery"]["SAMLart"])
    assert status_of(inner(payload))[:2] == (c.STATUS_RESPONDER, c.STATUS_AUTHN_FAILED)

    refused = api_login(client, env, index=99, person="anna")
    assert refused["status"] == "refused" and refused["sub_status"] == c.STATUS_REQUEST_UNSUPPORTED

    unsolicited = client.post("/api/login", json={"dv": DV_ENTITY, "service": 1, "person": "anna"}).json()
    assert unsolicited["status"] == "success"
    _, payload = resolve(client, env, unsolicited["delivery"]["SAMLart"])
    assert inner(payload).get("InResponseTo") is None
    by_uuid = client.post(
        "/api/login", json={"service": "0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a01", "person": "fleur"}
    ).json()
    assert by_uuid["status"] == "success" and by_uuid["grant"]["company"] == "buurtkracht"
    assert client.post("/api/login", json={"person": "anna"}).json()["error"] == "no_request"
    assert client.post("/api/login", content=b"[1]").status_code == 400


def test_artifacts_expire(tmp_path: Path, session_keys: SessionKeys) -> None:
    now = [datetime.now(UTC)]
    env = make_env(
        tmp_path, session_keys, base_url="http://127.0.0.1:8801", dv_url="http://127.0.0.1:9", clock=lambda: now[0]
    )
    with TestClient(env.app, base_url=env.base_url) as client:
        result = api_login(client, env, person="anna")
        now[0] += timedelta(seconds=env.broker.settings.artifact_ttl + 1)
        _, payload = resolve(client, env, result["delivery"]["SAMLart"])
        assert inner(payload) is None


def test_resolution_is_refused_to_strangers(client: TestClient, env: BrokerEnv) -> None:
    art = api_login(client, env, person="anna")["delivery"]["SAMLart"]
    wrong_key, _ = resolve(client, env, art, key=env.keys.other_dv)
    assert wrong_key.status_code == 500 and b"signature_untrusted" in wrong_key.content
    unknown, _ = resolve(
        client, env, art, key=env.keys.other_dv, issuer="urn:etoegang:DV:00000007777777770000:entities:1"
    )
    assert unknown.status_code == 500 and b"issuer_unknown" in unknown.content
    # Another registered DV cannot fetch this DV's artifact.
    _, other = resolve(client, env, art, issuer="urn:etoegang:DV:00000001234567890000:entities:9010")
    assert inner(other) is None
    # The rightful DV still can: the failed attempts did not spend it.
    _, ok = resolve(client, env, art)
    assert inner(ok) is not None


def test_resolution_needs_text_xml(client: TestClient, env: BrokerEnv) -> None:
    from broker_harness import artifact_resolve

    art = api_login(client, env, person="anna")["delivery"]["SAMLart"]
    wrong = client.post(
        env.broker.settings.ars_path,
        content=artifact_resolve(env, art),
        headers={"Content-Type": "application/soap+xml"},
    )
    assert wrong.status_code == 415 and b"content_type" in wrong.content
    assert inner(resolve(client, env, art)[1]) is not None  # not spent by the refused call


def test_resolution_scenarios(client: TestClient, env: BrokerEnv) -> None:
    art = api_login(client, env, person="anna", scenario="http_500")["delivery"]["SAMLart"]
    failed, _ = resolve(client, env, art)
    assert failed.status_code == 500 and b"soap" not in failed.content.lower()
    slow = api_login(client, env, person="anna", scenario="slow_resolution")["delivery"]["SAMLart"]
    from broker_harness import artifact_resolve

    result = env.broker.resolve(artifact_resolve(env, slow), client_cert_der=None)
    assert result.status == 200 and result.delay == env.broker.settings.slow_resolution_seconds
    twice = api_login(client, env, person="anna", scenario="replayed_artifact")
    assert [d["SAMLart"] for d in twice["deliveries"]] == [twice["delivery"]["SAMLart"]] * 2
    assert inner(resolve(client, env, twice["delivery"]["SAMLart"])[1]) is not None
    assert inner(resolve(client, env, twice["delivery"]["SAMLart"])[1]) is not None
    assert inner(resolve(client, env, twice["delivery"]["SAMLart"])[1]) is None
    two = api_login(client, env, person="anna", scenario="replayed_assertion")["deliveries"]
    first, second = (inner(resolve(client, env, d["SAMLart"])[1]) for d in two)
    assert first.get("ID") == second.get("ID")
    assert first.find(q(SAML, "Assertion")).get("ID") == second.find(q(SAML, "Assertion")).get("ID")


def test_client_certificate_checks(tmp_path: Path, session_keys: SessionKeys) -> None:
    """Behind a TLS-terminating proxy the DV's certificate arrives in a header; it must be the DV's."""
    env = make_env(
        tmp_path,
        session_keys,
        base_url="http://127.0.0.1:8801",
        dv_url="http://127.0.0.1:9",
        client_cert_header="X-Client-Cert",
    )
    dv_pem = quote(env.keys.dv.certificate_pem().decode())
    other_pem = quote(env.keys.other_dv.certificate_pem().decode())
    from broker_harness import artifact_resolve

    with TestClient(env.app, base_url=env.base_url) as client:

        def post(art: str, header: str | None) -> int:
            headers = {"Content-Type": "text/xml", **({"X-Client-Cert": header} if header else {})}
            return client.post(
                env.broker.settings.ars_path, content=artifact_resolve(env, art), headers=headers
            ).status_code

        assert post(api_login(client, env, person="anna")["delivery"]["SAMLart"], other_pem) == 403
        assert post(api_login(client, env, person="anna")["delivery"]["SAMLart"], dv_pem) == 200
        assert post(api_login(client, env, person="anna")["delivery"]["SAMLart"], None) == 200  # policy "auto"
        env.broker.settings.client_cert_policy = "require"
        assert post(api_login(client, env, person="anna")["delivery"]["SAMLart"], None) == 403


def test_register_a_dv_at_runtime(client: TestClient, env: BrokerEnv) -> None:
    from ehkit.catalogue.build import build_catalogue
    from ehkit.catalogue.sp_metadata import build_sp_metadata

    now = datetime.now(UTC)
    metadata = build_sp_metadata(env.config, "eherkenning", now).decode()
    catalogue = build_catalogue(env.config, at=now).decode()
    env.broker.registry._dvs.clear()
    assert client.get("/api/dvs").json() == []
    added = client.post("/api/dvs", json={"metadata": metadata, "catalogue": catalogue})
    assert added.status_code == 201 and added.json()["added"] == [DV_ENTITY]
    services = {s["index"]: s for s in client.get("/api/dvs").json()[0]["services"]}
    assert services[2]["loa"] == "EH3" and services[2]["vestiging_restriction"] and services[2]["from_catalogue"]
    bad = client.post("/api/dvs", json={"metadata": "<nope/>"})
    assert bad.status_code == 400
    assert '/acs"' in metadata
    tampered = metadata.replace('/acs"', '/elsewhere"')
    assert client.post("/api/dvs", json={"metadata": tampered}).json()["error"] == "dv_metadata_signature"
