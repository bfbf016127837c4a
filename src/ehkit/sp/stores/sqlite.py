"""SQLite store: one file shared by every worker process on one machine.

Taking a pending request is a single ``DELETE ... RETURNING`` statement, which
SQLite runs under its write lock, so two processes can never both get the
same request. On SQLite older than 3.35 (no RETURNING) the same guarantee
comes from a ``BEGIN IMMEDIATE`` transaction around SELECT + DELETE.
Each thread gets its own connection (sqlite3 connections are not shareable).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from ehkit.errors import ConfigError
from ehkit.sp.stores.base import EXPIRED_GRACE, DuplicateRequestId, PendingRequest, StateStore, _aware

_HAS_RETURNING = sqlite3.sqlite_version_info >= (3, 35, 0)
_PURGE_EVERY = 256

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ehkit_pending (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ehkit_seen (key TEXT PRIMARY KEY, expires_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ehkit_pending_expiry ON ehkit_pending (expires_at)",
    "CREATE INDEX IF NOT EXISTS ehkit_seen_expiry ON ehkit_seen (expires_at)",
)


def _ts(moment: datetime) -> float:
    return _aware(moment).timestamp()


class SQLiteStore(StateStore):
    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5000) -> None:
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._ops = 0
        try:
            conn = self._conn()
            for statement in _SCHEMA:
                conn.execute(statement)
        except sqlite3.Error as exc:
            raise ConfigError(
                f"cannot open the SQLite state store {self.path!r}: {exc}", reason="store_unavailable"
            ) from None

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=self._busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def _maybe_purge(self, conn: sqlite3.Connection, now: datetime) -> None:
        self._ops += 1
        if self._ops % _PURGE_EVERY:
            return
        cutoff = _ts(now)
        conn.execute("DELETE FROM ehkit_pending WHERE expires_at < ?", (cutoff - EXPIRED_GRACE.total_seconds(),))
        conn.execute("DELETE FROM ehkit_seen WHERE expires_at <= ?", (cutoff,))

    def put_pending(self, pending: PendingRequest, *, now: datetime) -> None:
        conn = self._conn()
        self._maybe_purge(conn, now)
        try:
            conn.execute(
                "INSERT INTO ehkit_pending (id, data, expires_at) VALUES (?, ?, ?)",
                (pending.request_id, pending.to_json(), _ts(pending.expires_at)),
            )
        except sqlite3.IntegrityError:
            raise DuplicateRequestId(f"request ID {pending.request_id} is already pending") from None

    def take_pending(self, request_id: str, *, now: datetime) -> PendingRequest | None:
        conn = self._conn()
        if _HAS_RETURNING:
            row = conn.execute(
                "DELETE FROM ehkit_pending WHERE id = ? RETURNING data, expires_at", (request_id,)
            ).fetchone()
        else:  # pragma: no cover - old SQLite only
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT data, expires_at FROM ehkit_pending WHERE id = ?", (request_id,)).fetchone()
                if row is not None:
                    conn.execute("DELETE FROM ehkit_pending WHERE id = ?", (request_id,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        if row is None or row[1] < _ts(now) - EXPIRED_GRACE.total_seconds():
            return None
        return PendingRequest.from_json(row[0])

    def mark_seen(self, key: str, *, expires_at: datetime, now: datetime) -> bool:
        conn = self._conn()
        self._maybe_purge(conn, now)
        # Insert, or take over an entry that has expired; an unexpired entry is left alone.
        cur = conn.execute(
            "INSERT INTO ehkit_seen (key, expires_at) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at WHERE ehkit_seen.expires_at <= ?",
            (key, _ts(expires_at), _ts(now)),
        )
        return cur.rowcount == 1

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):  # closing is best effort
                    conn.close()
            self._all.clear()
        self._local = threading.local()
