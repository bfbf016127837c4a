"""One deadline bounds every outgoing exchange; the metadata refresh is off the login path.

Per-read timeouts do not bound a server that answers a byte at a time: each
read returns in time and the size cap allows days. These tests run misbehaving
servers on the loopback interface (real sockets, free ports) and check that
artifact resolution and the metadata fetch end at their deadline. The margins
are generous on purpose ("done within deadline + 2 s" for a 1 s deadline while
the server would keep going for 8 s or more): they check behaviour, they are
not benchmarks.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from ehkit.errors import LoginRejected
from ehkit.saml import constants as c
from ehkit.saml.artifact import Artifact
from ehkit.saml.metadata import Endpoint, MetadataError
from ehkit.sp.artifact_client import ArtifactClient, Timeouts
from ehkit.sp.metadata_cache import MetadataCache, PinnedTrust
from support import network as n
from support.metadata import build_metadata
from support.scenario import Scenario
from support.slow_servers import LoopbackServer, read_request, silent, trickle

pytestmark = pytest.mark.network

DEADLINE = 1.0
MARGIN = 2.0
# Every per-operation timeout is far above the deadline: only the deadline can end these exchanges.
LONG = Timeouts(connect=8.0, read=8.0, deadline=DEADLINE)


class Elapsed:
    def __enter__(self) -> Elapsed:
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.monotonic() - self.start


def _resolve_rejected(url: str, timeouts: Timeouts = LONG, **kw) -> tuple[LoginRejected, float]:
    client = ArtifactClient(timeouts=timeouts, **kw)
    try:
        with Elapsed() as took, pytest.raises(LoginRejected) as info:
            client.resolve(url, b"<soap/>")
    finally:
        client.close()
    return info.value, took.seconds


# ------------------------------------------------------------------ artifact resolution


def test_silent_broker_is_bounded_by_the_deadline():
    with LoopbackServer(silent) as server:
        exc, seconds = _resolve_rejected(server.url("/ars"))
    assert exc.reason == "artifact_resolution_timeout"
    assert "deadline" in exc.message
    assert seconds < DEADLINE + MARGIN


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "status-line-and-headers"])
def test_trickling_broker_is_bounded_by_the_deadline(headers_too):
    """40 bytes at 0.2 s each: every read is quick, the whole answer would take 8 s or more."""
    handler = trickle(b"<x>" + b"a" * 30 + b"</x>", interval=0.2, headers_too=headers_too)
    with LoopbackServer(handler) as server:
        exc, seconds = _resolve_rejected(server.url("/ars"))
    assert exc.reason == "artifact_resolution_timeout"
    assert seconds < DEADLINE + MARGIN


def test_silent_tls_handshake_is_bounded_by_the_deadline():
    """The TLS handshake is part of the exchange: a server that accepts TCP and never
    answers the ClientHello is cut off at the deadline, not at the connect timeout."""
    import ssl

    with LoopbackServer(silent) as server:
        exc, seconds = _resolve_rejected(server.url("/ars", scheme="https"), ssl_context=ssl.create_default_context())
    assert exc.reason == "artifact_resolution_timeout"
    assert seconds < DEADLINE + MARGIN


def test_the_deadline_covers_the_retry_after_a_refused_connection():
    """One retry when no connection could be made, but both attempts share one deadline."""
    import socket

    spare = socket.create_server(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()  # nothing listens there now: connections are refused at once
    exc, seconds = _resolve_rejected(f"http://127.0.0.1:{port}/ars")
    assert exc.reason == "artifact_resolution_failed"
    assert seconds < DEADLINE + MARGIN


def test_a_prompt_answer_within_the_deadline_is_read():
    body = b"<answer/>"

    def handler(conn, stop):
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 9\r\n\r\n" + body)

    with LoopbackServer(handler) as server:
        client = ArtifactClient(timeouts=LONG)
        try:
            assert client.resolve(server.url("/ars"), b"<soap/>") == body
        finally:
            client.close()


def test_finish_login_against_a_trickling_broker_ends_at_the_deadline(net, messages, t0, caplog):
    """The whole login call, as the web layer sees it, with the audit event for it."""
    with LoopbackServer(trickle(b"<x/>" * 20, interval=0.25)) as server:
        metadata = net.idp_metadata()
        from dataclasses import replace

        metadata = replace(metadata, artifact_resolution=(Endpoint(c.BINDING_SOAP, server.url("/ars"), 0, True),))
        s = Scenario(net, messages, t0, metadata=metadata)
        s.sp._artifact_client = ArtifactClient(timeouts=LONG)
        with Elapsed() as took, pytest.raises(LoginRejected) as info, caplog.at_level("INFO", logger="ehkit.audit"):
            s.sp.finish_login(saml_art=Artifact.new(n.HM_ENTITY).encode(), relay_state=s.start.relay_state, now=s.now)
    assert info.value.reason == "artifact_resolution_timeout"
    assert took.seconds < DEADLINE + MARGIN
    events = [r.ehkit_event for r in caplog.records if r.name == "ehkit.audit"]
    assert [(e["outcome"], e["reason"]) for e in events] == [("rejected", "artifact_resolution_timeout")]


# ------------------------------------------------------------------ metadata fetch


def _cache(url: str, net, **kw) -> MetadataCache:
    kw.setdefault("deadline", DEADLINE)
    kw.setdefault("timeout", 8.0)
    return MetadataCache(entity_id=n.HM_ENTITY, trust=PinnedTrust((net.hm.certificate,)), url=url, **kw)


@pytest.mark.parametrize("kind", ["silent", "trickle"])
def test_first_metadata_load_is_bounded_by_the_deadline(net, kind):
    handler = silent if kind == "silent" else trickle(b"<md/>" * 20, interval=0.2)
    with LoopbackServer(handler) as server:
        cache = _cache(server.url("/metadata"), net)
        with Elapsed() as took, pytest.raises(MetadataError) as info:
            cache.get()
    assert info.value.reason == "metadata_unavailable"
    assert "deadline" in info.value.message
    assert took.seconds < DEADLINE + MARGIN
    assert cache.last_refresh is not None and not cache.last_refresh.ok


class SwitchableBroker:
    """Serves good metadata; ``hold()`` makes it keep the next answers until ``release()``."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.held = threading.Event()
        self.released = threading.Event()
        self.requests = 0

    def hold(self) -> None:
        self.released.clear()
        self.held.set()

    def release(self) -> None:
        self.released.set()

    def __call__(self, conn, stop) -> None:
        read_request(conn)
        self.requests += 1
        if self.held.is_set():
            while not self.released.wait(0.05):
                if stop.is_set():
                    return
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/samlmetadata+xml\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n" % len(self.body) + self.body
        )


def test_a_login_uses_the_cached_copy_while_a_refresh_runs(net, messages, t0):
    """start_login with a refresh due returns at once with the cached copy; the refresh
    runs in the background, held at the broker until the test releases it."""
    broker = SwitchableBroker(build_metadata(signer=net.hm, signing_keys=[net.hm], cache_duration="PT1H"))
    with LoopbackServer(broker) as server:
        cache = _cache(server.url("/metadata"), net, deadline=30.0)
        first = cache.get(now=t0)  # the first load: the only blocking one
        assert broker.requests == 1
        later = t0 + timedelta(hours=2)
        broker.hold()
        s = Scenario(net, messages, later, metadata=cache)  # start_login runs in here
        assert s.start.url
        assert cache.refreshing, "the refresh should still be waiting for the broker"
        assert cache.get(now=later) is first  # every login meanwhile uses the cached copy
        broker.release()
        assert cache.wait_for_refresh(timeout=10)
    assert not cache.refreshing
    assert cache.last_refresh.ok and cache.last_refresh.background
    assert cache.last_refresh.at == later
    assert cache.get(now=later) is not first
    assert broker.requests == 2  # one background refresh, however many logins asked


def test_a_failed_background_refresh_keeps_the_last_good_copy(net, t0, caplog):
    broker = SwitchableBroker(build_metadata(signer=net.hm, signing_keys=[net.hm], cache_duration="PT1H"))
    with LoopbackServer(broker) as server:
        cache = _cache(server.url("/metadata"), net)
        first = cache.get(now=t0)
        broker.body = b"<not-metadata/>"
        with caplog.at_level("WARNING", logger="ehkit.sp.metadata"):
            assert cache.get(now=t0 + timedelta(hours=2)) is first
            assert cache.wait_for_refresh(timeout=10)
    status = cache.last_refresh
    assert status is not None and not status.ok and status.background
    assert status.error is not None and status.error.reason == "metadata_malformed"
    assert "keeping the last good copy" in caplog.text
    assert cache.get(now=t0 + timedelta(hours=2)) is first


def test_refresh_can_be_driven_by_a_scheduler(net, t0):
    """background_refresh=False: get() never fetches once loaded; refresh() does, and
    records when, how it went and why it failed."""
    broker = SwitchableBroker(build_metadata(signer=net.hm, signing_keys=[net.hm], cache_duration="PT1H"))
    with LoopbackServer(broker) as server:
        cache = _cache(server.url("/metadata"), net, background_refresh=False)
        first = cache.get(now=t0)
        assert cache.get(now=t0 + timedelta(hours=5)) is first
        assert not cache.refreshing and broker.requests == 1
        assert cache.refresh(now=t0 + timedelta(hours=5)) is True
        assert broker.requests == 2
        status = cache.last_refresh
        assert status.ok and not status.background and status.at == t0 + timedelta(hours=5)
        assert status.error is None and status.duration >= 0
        broker.body = b"garbage"
        assert cache.refresh(now=t0 + timedelta(hours=6)) is False
        assert cache.last_refresh.error.reason == "metadata_malformed"
        assert cache.get(now=t0 + timedelta(hours=6)) is not first  # the refresh at 5 h is current


def test_expired_copy_is_refreshed_in_the_foreground(net, t0):
    """A copy past validUntil cannot be used at all: then get() waits for the refresh
    (bounded by the deadline) rather than failing the login at once."""
    body = build_metadata(signer=net.hm, signing_keys=[net.hm], valid_until=t0 + timedelta(minutes=10))
    broker = SwitchableBroker(body)
    with LoopbackServer(broker) as server:
        cache = _cache(server.url("/metadata"), net)
        cache.get(now=t0)
        broker.body = build_metadata(signer=net.hm, signing_keys=[net.hm], valid_until=t0 + timedelta(days=10))
        fresh = cache.get(now=t0 + timedelta(minutes=20))
    assert fresh.valid_until == t0 + timedelta(days=10)
    assert not cache.refreshing


# ------------------------------------------------------------------ the transport's error mapping


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<short",  # closed mid-body
        b"NOT HTTP AT ALL\r\n\r\n",  # not an HTTP answer
        b"",  # closed without a word
    ],
    ids=["closed-mid-body", "garbage", "closed"],
)
def test_broken_answers_are_transport_failures(answer):
    def handler(conn, stop):
        read_request(conn)
        conn.sendall(answer)

    with LoopbackServer(handler) as server:
        exc, seconds = _resolve_rejected(server.url("/ars"))
    assert exc.reason == "artifact_resolution_failed"
    assert seconds < DEADLINE + MARGIN


def test_an_unexpected_error_in_the_background_refresh_is_logged_and_retried_later(net, t0, caplog):
    import httpx

    body = build_metadata(signer=net.hm, signing_keys=[net.hm], cache_duration="PT1H")
    state = {"fail": False}

    def handler(request):
        if state["fail"]:
            raise RuntimeError("a bug somewhere below")
        return httpx.Response(200, content=body)

    cache = MetadataCache(
        entity_id=n.HM_ENTITY,
        trust=PinnedTrust((net.hm.certificate,)),
        url="https://hm.ehkit.test/metadata",
        transport=httpx.MockTransport(handler),
    )
    first = cache.get(now=t0)
    state["fail"] = True
    with caplog.at_level("ERROR", logger="ehkit.sp.metadata"):
        assert cache.get(now=t0 + timedelta(hours=2)) is first
        assert cache.wait_for_refresh(timeout=10)
    assert "refresh failed unexpectedly" in caplog.text
    assert cache.next_refresh == t0 + timedelta(hours=2, minutes=5)
    assert cache.get(now=t0 + timedelta(hours=2)) is first
