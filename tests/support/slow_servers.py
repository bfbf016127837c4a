"""Misbehaving HTTP servers on the loopback interface, on free ports, with real sockets.

Each server runs one handler per connection in a thread; a handler gets the
connected socket and an ``Event`` that is set when the test is done, so a
server that "never answers" stops when the test ends. They exist to show that
an outgoing call is bounded by its deadline however the other side behaves:
silent after the connection (or during the TLS handshake), answering one byte
at a time, or holding the answer until the test releases it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

Handler = Callable[[socket.socket, threading.Event], None]


class LoopbackServer:
    """``with LoopbackServer(handler) as server: server.url("/ars")``."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.connections = 0
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, name=f"loopback-{self.port}", daemon=True)

    def url(self, path: str = "/", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            worker = threading.Thread(target=self._run, args=(conn,), daemon=True)
            self._threads.append(worker)
            worker.start()

    def _run(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            self._handler(conn, self._stop)

    def __enter__(self) -> LoopbackServer:
        self._accept.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()
        self._accept.join(timeout=5)
        for worker in self._threads:
            worker.join(timeout=5)


def read_request(conn: socket.socket) -> bytes:
    """Read up to the end of the request headers and the body they announce."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def silent(conn: socket.socket, stop: threading.Event) -> None:
    """Accept the connection, then say nothing (no HTTP answer, no TLS handshake)."""
    stop.wait()


def trickle(body: bytes, *, interval: float, headers_too: bool = False) -> Handler:
    """Answer 200 with ``body``, one byte every ``interval`` seconds: each read returns
    well within any read timeout, so only an overall deadline ends the exchange.
    ``headers_too`` drips the status line and headers as well."""

    def handler(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(body)
        if not headers_too:
            conn.sendall(head)
        for byte in (head if headers_too else b"") + body:
            if stop.wait(interval):
                return
            conn.sendall(bytes([byte]))

    return handler


def respond(body: bytes, *, status: int = 200, hold: threading.Event | None = None) -> Handler:
    """Answer ``body`` at once, or once ``hold`` is set (a broker that is busy until the test says so)."""

    def handler(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        if hold is not None:
            while not hold.wait(0.05):
                if stop.is_set():
                    return
        reason = b"OK" if status == 200 else b"Error"
        conn.sendall(
            b"HTTP/1.1 %d %s\r\nContent-Type: text/xml\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % (status, reason, len(body))
            + body
        )

    return handler


@contextlib.contextmanager
def serving(handler: Handler) -> Iterator[LoopbackServer]:
    with LoopbackServer(handler) as server:
        yield server
