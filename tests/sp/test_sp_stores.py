"""One contract for every state store: memory, SQLite and Redis.

The Redis tests use the real local server through the ``redis_url`` fixture
(skipped locally without one, failing in CI). "Across processes" is tested
with real processes for SQLite and Redis, with threads for memory.
"""

from __future__ import annotations

import multiprocessing
import secrets
import threading
from datetime import UTC, datetime, timedelta

import pytest

from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import ConfigError
from ehkit.sp.stores import EXPIRED_GRACE, DuplicateRequestId, MemoryStore, PendingRequest, open_store
from ehkit.sp.stores.redis import RedisStore
from ehkit.sp.stores.sqlite import SQLiteStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def pending(request_id: str | None = None, *, ttl: timedelta = timedelta(minutes=15), **kw) -> PendingRequest:
    return PendingRequest(
        request_id=request_id or "_" + secrets.token_hex(20),
        service=kw.get("service", "vergunning"),
        loa=LevelOfAssurance.EH3,
        requested_loa=kw.get("requested_loa"),
        response_binding="artifact",
        created_at=NOW,
        expires_at=NOW + ttl,
        relay_target=kw.get("relay_target", "/aanvraag/42"),
        relay_token="0abc",
    )


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store_url(request, tmp_path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return request.getfixturevalue("redis_url")


@pytest.fixture
def store(store_url):
    if store_url.startswith("redis"):
        s = RedisStore.from_url(store_url, key_prefix=f"ehkit-test-{secrets.token_hex(4)}:")
    else:
        s = open_store(store_url)
    yield s
    s.close()


# ------------------------------------------------------------------ the contract


def test_put_then_take_returns_the_same_request(store):
    p = pending(requested_loa=LevelOfAssurance.EH2_PLUS)
    store.put_pending(p, now=NOW)
    assert store.take_pending(p.request_id, now=NOW) == p


def test_take_is_once(store):
    p = pending()
    store.put_pending(p, now=NOW)
    assert store.take_pending(p.request_id, now=NOW) is not None
    assert store.take_pending(p.request_id, now=NOW) is None


def test_unknown_request(store):
    assert store.take_pending("_" + "00" * 20, now=NOW) is None


def test_duplicate_id_refused(store):
    p = pending()
    store.put_pending(p, now=NOW)
    with pytest.raises(DuplicateRequestId):
        store.put_pending(p, now=NOW)


def test_expired_request_is_returned_for_a_precise_error(store):
    p = pending(ttl=timedelta(seconds=60))
    store.put_pending(p, now=NOW)
    later = NOW + timedelta(seconds=61)
    got = store.take_pending(p.request_id, now=later)
    assert got is not None and got.expired(later)


@pytest.fixture(params=["memory", "sqlite"])
def clock_store(request, tmp_path):
    """Stores that expire by the ``now`` they are given (Redis uses its own clock: test_redis_ttl_is_set)."""
    s = open_store("memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'state.db'}")
    yield s
    s.close()


def test_long_expired_request_is_gone(clock_store):
    store = clock_store
    p = pending(ttl=timedelta(seconds=60))
    store.put_pending(p, now=NOW)
    assert (
        store.take_pending(p.request_id, now=NOW + timedelta(seconds=61) + EXPIRED_GRACE + timedelta(seconds=1)) is None
    )


def test_seen_once(store):
    key = "assertion:_" + secrets.token_hex(8)
    assert store.mark_seen(key, expires_at=NOW + timedelta(minutes=5), now=NOW) is True
    assert store.mark_seen(key, expires_at=NOW + timedelta(minutes=5), now=NOW) is False


def test_seen_expires(clock_store):
    store = clock_store
    key = "assertion:_" + secrets.token_hex(8)
    assert store.mark_seen(key, expires_at=NOW + timedelta(minutes=5), now=NOW)
    assert store.mark_seen(key, expires_at=NOW + timedelta(minutes=15), now=NOW + timedelta(minutes=6)) is True


def test_many_threads_one_winner(store):
    p = pending()
    store.put_pending(p, now=NOW)
    results: list[object] = []
    barrier = threading.Barrier(8)

    def take():
        barrier.wait()
        results.append(store.take_pending(p.request_id, now=NOW))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1


# ------------------------------------------------------------------ across processes


def _take_in_process(url: str, prefix: str, request_id: str, start, out) -> None:
    if url.startswith("redis"):
        s = RedisStore.from_url(url, key_prefix=prefix)
    else:
        s = open_store(url)
    start.wait()
    got = s.take_pending(request_id, now=NOW)
    seen = s.mark_seen("assertion:" + request_id, expires_at=NOW + timedelta(minutes=5), now=NOW)
    out.put((got is not None, seen))
    s.close()


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_consumed_exactly_once_across_processes(kind, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'state.db'}" if kind == "sqlite" else request.getfixturevalue("redis_url")
    prefix = f"ehkit-test-{secrets.token_hex(4)}:"
    s = RedisStore.from_url(url, key_prefix=prefix) if kind == "redis" else open_store(url)
    p = pending()
    s.put_pending(p, now=NOW)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    out = ctx.Queue()
    procs = [ctx.Process(target=_take_in_process, args=(url, prefix, p.request_id, start, out)) for _ in range(4)]
    for proc in procs:
        proc.start()
    start.set()
    results = [out.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    s.close()
    assert sum(took for took, _ in results) == 1
    assert sum(seen for _, seen in results) == 1


# ------------------------------------------------------------------ backend specifics


def test_redis_ttl_is_set(redis_url):
    s = RedisStore.from_url(redis_url, key_prefix=f"ehkit-test-{secrets.token_hex(4)}:")
    p = pending(ttl=timedelta(seconds=60))
    s.put_pending(p, now=NOW)
    ttl = s._client.pttl(s._pending_key(p.request_id))
    assert 0 < ttl <= (60 + EXPIRED_GRACE.total_seconds()) * 1000
    assert s.mark_seen("k", expires_at=NOW + timedelta(seconds=30), now=NOW)
    assert 0 < s._client.pttl(s._seen_key("k")) <= 30_000
    s.take_pending(p.request_id, now=NOW)
    s._client.delete(s._seen_key("k"))
    s.close()


def test_redis_lua_fallback_when_getdel_is_unknown(redis_url):
    s = RedisStore.from_url(redis_url, key_prefix=f"ehkit-test-{secrets.token_hex(4)}:")

    class OldServer:
        def __init__(self, client):
            self._c = client

        def getdel(self, key):
            raise Exception("ERR unknown command 'GETDEL'")

        def __getattr__(self, name):
            return getattr(self._c, name)

    s._client = OldServer(s._client)
    p = pending()
    s.put_pending(p, now=NOW)
    assert s.take_pending(p.request_id, now=NOW) == p
    assert s.take_pending(p.request_id, now=NOW) is None


def test_sqlite_file_shared_by_two_store_objects(tmp_path):
    a = SQLiteStore(tmp_path / "s.db")
    b = SQLiteStore(tmp_path / "s.db")
    p = pending()
    a.put_pending(p, now=NOW)
    assert b.take_pending(p.request_id, now=NOW) == p
    assert a.take_pending(p.request_id, now=NOW) is None
    a.close()
    b.close()


def test_sqlite_unusable_path_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        SQLiteStore(tmp_path / "missing-dir" / "s.db")
    assert info.value.reason == "store_unavailable"


@pytest.mark.parametrize("url", ["postgres://x", "sqlite://", "ftp://x"])
def test_unknown_store_urls(url):
    with pytest.raises(ConfigError) as info:
        open_store(url)
    assert info.value.reason == "store_url"


def test_open_store_kinds(tmp_path):
    assert isinstance(open_store("memory://"), MemoryStore)
    s = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    assert isinstance(s, SQLiteStore)
    s.close()


def test_pending_request_json_round_trip():
    p = pending(requested_loa=LevelOfAssurance.EH2, relay_target=None)
    assert PendingRequest.from_json(p.to_json()) == p


# ------------------------------------------------------------------ layering


def _ehkit_imports(module_file) -> set[str]:
    """Every ehkit module a source file imports, at any depth (also inside functions)."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(module_file).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ehkit"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ehkit"))
    return found


def test_store_base_imports_no_implementation():
    """The contract module is what implementations import; it must not import them back."""
    import ehkit.sp.stores.base as base

    implementations = {"ehkit.sp.stores.memory", "ehkit.sp.stores.sqlite", "ehkit.sp.stores.redis"}
    assert not (_ehkit_imports(base.__file__) & implementations)
    assert not hasattr(base, "open_store")


def test_store_implementations_import_only_the_base():
    import ehkit.sp.stores.memory as memory
    import ehkit.sp.stores.redis as redis_store
    import ehkit.sp.stores.sqlite as sqlite_store

    for module in (memory, sqlite_store, redis_store):
        siblings = {m for m in _ehkit_imports(module.__file__) if m.startswith("ehkit.sp.stores")}
        assert siblings <= {"ehkit.sp.stores.base"}, module.__name__


def test_open_store_public_path_is_the_factory():
    from ehkit.sp.stores import factory

    assert open_store is factory.open_store
