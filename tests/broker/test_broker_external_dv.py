"""docs/broker.md "Register an external DV", run as written with an ehkit DV (issue 20, item 2).

The simulator's TLS certificate from ``ehkit keys tls-server``, the simulator
with a state folder, the DV configured from the simulator's metadata URL
(curl with the TLS CA root), the DV's SP metadata and catalogue registered by
a restart that keeps the keys, then a login whose artifact is resolved over
mutual TLS with the DV's certificate.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ehkit.config.example import example_toml
from support.docs_runner import REPO, Workdir, code_blocks, commands, section, workdir

pytestmark = [pytest.mark.network]

DOC = REPO / "docs" / "broker.md"
PORT = 8801


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Workdir]:
    yield from workdir(tmp_path, PORT)


def dv_config() -> str:
    """The DV's ehkit.toml: the example, reading the metadata file of step 2, trusting the TLS CA root."""
    text = example_toml(acs_url="http://127.0.0.1:8000/eherkenning/acs")
    return text.replace(
        "artifact_resolution_timeout = ", 'tls_ca = "../sim/tls/ca/ca-root.pem"\nartifact_resolution_timeout = ', 1
    )


def test_register_an_external_dv_as_documented(work: Workdir) -> None:
    text = section(DOC, "## Register an external DV")
    sequence, dv_side = (commands(b) for b in code_blocks(text, "sh"))
    tls_server, serve, get_metadata, get_cert, client_ca, serve_with_dv = sequence
    keys, build_metadata, build_catalogue = dv_side
    ca_root = work.root / "sim" / "tls" / "ca" / "ca-root.pem"
    base = f"https://127.0.0.1:{work.ports[PORT]}"

    work.run(tls_server)
    first = work.serve(serve, work.ports[PORT])
    work.run(keys)
    (work.root / "dv" / "ehkit.toml").write_text(dv_config(), encoding="utf-8")
    work.run(get_metadata)
    work.run(get_cert)
    assert b"urn:etoegang:HM:" in (work.root / "dv" / "broker" / "metadata.xml").read_bytes()
    pinned = (work.root / "dv" / "broker" / "metadata-signing.crt").read_bytes()
    work.run(build_metadata)
    work.run(build_catalogue)
    work.stop(first)
    work.run(client_ca)
    work.serve(serve_with_dv, work.ports[PORT])

    with httpx.Client(verify=ssl.create_default_context(cafile=str(ca_root)), base_url=base) as simulator:
        assert simulator.get("/broker/metadata/1.13/signing.pem").content == pinned  # the state kept the keys
        registered = {dv["entity_id"] for dv in simulator.get("/api/dvs").json()}
        assert registered == {
            "urn:etoegang:DV:00000001234567890000:entities:0",
            "urn:etoegang:DV:00000001234567890000:entities:1",
        }
        from ehkit import ServiceProvider

        sp = ServiceProvider.from_config(work.root / "dv" / "ehkit.toml")
        try:
            start = sp.start_login("vergunning", relay_state="/aanvraag")
            login = simulator.post("/api/login", json={"redirect_url": start.url, "person": "anna"}).json()
            assert login["status"] == "success", login
            result = sp.finish_login(
                saml_art=login["delivery"]["SAMLart"],
                relay_state=login["delivery"]["RelayState"],
                request_id=start.request_id,
            )
        finally:
            sp.close()
    assert str(result.legal_subject) == "30123456" and result.loa.label == "EH3"
    assert result.relay_state == "/aanvraag"
