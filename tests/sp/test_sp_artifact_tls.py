"""Artifact resolution over real mutual TLS on the loopback interface: the broker
side demands a client certificate from the test CA and sees the DV's OIN."""

from __future__ import annotations

import http.server
import ssl
import threading

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from ehkit.errors import ConfigError, LoginRejected
from ehkit.pki import certificate_oin
from ehkit.sp.artifact_client import ArtifactClient, Timeouts, tls_context
from support import network as n

pytestmark = pytest.mark.network


@pytest.fixture
def tls_files(net, tmp_path):
    files = {}
    for name, pair in (("dv", net.dv), ("hm", net.hm)):
        (tmp_path / f"{name}.key").write_bytes(pair.private_pem())
        (tmp_path / f"{name}.crt").write_bytes(pair.certificate_pem() + pair.chain_pem())  # leaf + intermediate
        files[name] = (tmp_path / f"{name}.crt", tmp_path / f"{name}.key")
    (tmp_path / "root.pem").write_bytes(net.ca.root.public_bytes(Encoding.PEM))
    files["root"] = tmp_path / "root.pem"
    return files


@pytest.fixture
def broker(tls_files):
    seen: dict = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen["content_type"] = self.headers["Content-Type"]
            seen["body"] = body
            seen["peer"] = self.connection.getpeercert(binary_form=True)
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"<x/>")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*map(str, tls_files["hm"]))
    ctx.load_verify_locations(str(tls_files["root"]))
    ctx.verify_mode = ssl.CERT_REQUIRED
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/ars", seen
    server.shutdown()
    server.server_close()


def _client(tls_files, *, with_cert=True):
    ctx = tls_context(
        client_cert=tls_files["dv"][0] if with_cert else None,
        client_key=tls_files["dv"][1] if with_cert else None,
        ca_file=tls_files["root"],
    )
    ctx.check_hostname = False  # the test broker's certificate names hm-….ehkit.test, we dial 127.0.0.1
    return ArtifactClient(ssl_context=ctx, timeouts=Timeouts(connect=5, read=5))


def test_mutual_tls_presents_the_dv_certificate(broker, tls_files, net):
    from cryptography import x509

    url, seen = broker
    client = _client(tls_files)
    assert client.resolve(url, b"<soap/>") == b"<x/>"
    assert seen["content_type"].startswith("text/xml")
    assert seen["body"] == b"<soap/>"
    assert certificate_oin(x509.load_der_x509_certificate(seen["peer"])) == n.DV_OIN
    client.close()


def test_without_client_certificate_the_broker_refuses(broker, tls_files):
    url, _ = broker
    client = _client(tls_files, with_cert=False)
    with pytest.raises(LoginRejected) as info:
        client.resolve(url, b"<soap/>")
    assert info.value.reason == "artifact_resolution_failed"
    client.close()


def test_unreadable_client_certificate(tmp_path):
    with pytest.raises(ConfigError) as info:
        tls_context(client_cert=tmp_path / "missing.crt", client_key=tmp_path / "missing.key")
    assert info.value.reason == "tls_client_cert"


def test_the_client_certificate_follows_the_rollover_moment(broker, tls_files, net, tmp_path):
    """From the activation moment on, the exchange presents the next certificate (no restart)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509

    (tmp_path / "next.key").write_bytes(net.other.private_pem())
    (tmp_path / "next.crt").write_bytes(net.other.certificate_pem() + net.other.chain_pem())
    current = tls_context(client_cert=tls_files["dv"][0], client_key=tls_files["dv"][1], ca_file=tls_files["root"])
    nxt = tls_context(client_cert=tmp_path / "next.crt", client_key=tmp_path / "next.key", ca_file=tls_files["root"])
    current.check_hostname = nxt.check_hostname = False
    activation = datetime(2030, 1, 1, tzinfo=UTC)
    client = ArtifactClient(ssl_context=current, timeouts=Timeouts(connect=5, read=5), rollover=(activation, nxt))
    url, seen = broker
    try:
        client.resolve(url, b"<soap/>", now=activation - timedelta(seconds=1))
        assert x509.load_der_x509_certificate(seen["peer"]) == net.dv.certificate
        client.resolve(url, b"<soap/>", now=activation)
        assert x509.load_der_x509_certificate(seen["peer"]) == net.other.certificate
        assert client.last_duration is not None and client.last_duration > 0
    finally:
        client.close()
