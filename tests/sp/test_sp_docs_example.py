"""The Starlette integration in docs/sp.md, run exactly as written against a mocked broker."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ehkit.config.example import FIXED_UUIDS, example_toml
from ehkit.saml import soap
from ehkit.saml.artifact import Artifact
from ehkit.saml.artifact_resolution import parse_artifact_resolve
from ehkit.saml.authn_request import parse_authn_request
from ehkit.saml.bindings import decode_redirect
from ehkit.saml.timefmt import utcnow
from ehkit.sp.artifact_client import ArtifactClient
from ehkit.xml.trust import TrustSet
from support import network as n
from support.metadata import build_metadata
from support.scenario import VALID_KVK, valid_formats

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sp.md"


def example_code() -> str:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Minimal integration (Starlette)") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture
def app_ns(net, tmp_path, monkeypatch):
    (tmp_path / "keys").mkdir()
    (tmp_path / "broker").mkdir()
    (tmp_path / "keys" / "dv.key").write_bytes(net.dv.private_pem())
    (tmp_path / "keys" / "dv.crt").write_bytes(net.dv.certificate_pem())
    (tmp_path / "broker" / "metadata-signing.crt").write_bytes(net.hm.certificate_pem())
    (tmp_path / "broker" / "metadata.xml").write_bytes(build_metadata(signer=net.hm, signing_keys=[net.hm]))
    (tmp_path / "ehkit.toml").write_text(
        example_toml(
            oin=n.DV_OIN,
            broker_entity_id=n.HM_ENTITY,
            acs_url="https://dv.ehkit.test/eherkenning/acs",
            fresh_uuids=False,
        )
    )
    monkeypatch.setenv("EHKIT_CONFIG", str(tmp_path / "ehkit.toml"))
    ns: dict = {"__name__": "app"}
    exec(compile(example_code(), "docs/sp.md", "exec"), ns)
    yield ns
    ns["sp"].close()


def _broker(net, messages, holder, **build):
    def ars(request):
        payload, _ = soap.unwrap(request.content)
        resolve = parse_artifact_resolve(payload, lambda issuer: TrustSet.from_certificates([net.dv.certificate]))
        built = messages.build(
            request_id=holder["request_id"],
            resolve_id=resolve.id,
            now=utcnow(),
            dv_entity=f"urn:etoegang:DV:{n.DV_OIN}:entities:0",
            acs="https://dv.ehkit.test/eherkenning/acs",
            service_id=f"urn:etoegang:DV:{n.DV_OIN}:services:2",
            service_uuid=FIXED_UUIDS["vergunning"],
            edit_plain=valid_formats,
            soap=True,
            **build,
        )
        return httpx.Response(200, content=built.xml, headers={"Content-Type": "text/xml"})

    return ArtifactClient(transport=httpx.MockTransport(ars))


def _start(client, holder):
    r = client.get("/login?next=/vergunning/7", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["cache-control"] == "no-cache, no-store"
    query = parse_qs(urlsplit(r.headers["location"]).query)
    request = parse_authn_request(decode_redirect(query["SAMLRequest"][0]), None, require_signature=False).request
    holder["request_id"] = request.id
    return query["RelayState"][0]


def test_docs_example_logs_in(net, messages, app_ns):
    from starlette.testclient import TestClient

    holder: dict = {}
    app_ns["sp"]._artifact_client = _broker(net, messages, holder)
    client = TestClient(app_ns["app"], base_url="https://dv.ehkit.test")
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    relay = _start(client, holder)
    r = client.get(
        "/eherkenning/acs",
        params={"SAMLart": Artifact.new(n.HM_ENTITY).encode(), "RelayState": relay},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/vergunning/7"
    r = client.get("/")
    assert r.status_code == 200 and r.text == f"Ingelogd namens {VALID_KVK} (EH3)"


def test_docs_example_refuses_a_foreign_artifact(net, messages, app_ns):
    from starlette.testclient import TestClient

    holder: dict = {}
    app_ns["sp"]._artifact_client = _broker(net, messages, holder)
    client = TestClient(app_ns["app"], base_url="https://dv.ehkit.test")
    relay = _start(client, holder)
    r = client.post(
        "/eherkenning/acs",
        data={"SAMLart": Artifact.new(n.DV_ENTITY).encode(), "RelayState": relay},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "niet gelukt" in r.text


def test_readme_points_from_its_integration_to_this_example() -> None:
    """The README's app is the Starlette integration (run by tests/readme); the glue this module
    runs is in docs/sp.md, which the README names for using the library without an integration."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Using the SP library") :]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "from ehkit.integrations.starlette import EHerkenning" in block and block != example_code()
    assert "[docs/sp.md](docs/sp.md)" in section[: section.index("## Tools")]
