"""One deadline for a whole outgoing exchange: connect, TLS, request and response.

httpx's timeouts apply per operation: a read timeout of 10 s is met by a server
that sends one byte every 9 s, and a size cap of 512 KiB then allows weeks.
A login must not wait on that, so every exchange with the broker (artifact
resolution, the metadata download) runs :func:`within` a deadline, and
:class:`DeadlineTransport` gives every socket operation the smaller of its own
timeout and the time left: the connect, the TLS handshake (CPython bounds the
whole handshake by the socket timeout), every write and every read. When the
time is up the next operation fails at once with a timeout.

Not covered: name resolution (``getaddrinfo``) has no timeout in the socket
API; it is bounded by the system resolver's own settings. Brokers are reached
by name, so keep the resolver's timeout short (``options timeout:`` in
resolv.conf) on hosts where DNS may stall.

The transport maps httpcore's errors to httpx's, so callers catch httpx
exceptions as with httpx's own transport; tests still pass an
``httpx.MockTransport`` (the deadline is then also checked between chunks by
the callers).
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any, cast

import httpcore
import httpx

__all__ = ["Deadline", "DeadlineTransport", "current_deadline", "within"]


class Deadline:
    """A moment on the monotonic clock an exchange must be done by."""

    __slots__ = ("at", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return time.monotonic() >= self.at


_local = threading.local()


def current_deadline() -> Deadline | None:
    """The deadline of the exchange this thread is in, if any."""
    return getattr(_local, "deadline", None)


@contextlib.contextmanager
def within(seconds: float) -> Iterator[Deadline]:
    """Run the exchange in the block under one deadline (per thread; httpx's sync client
    does its I/O in the calling thread)."""
    previous = current_deadline()
    deadline = Deadline(seconds)
    _local.deadline = deadline
    try:
        yield deadline
    finally:
        _local.deadline = previous


def _bounded(timeout: float | None, error: type[httpcore.TimeoutException]) -> float | None:
    """``timeout`` cut to the time left, or the timeout error when none is left."""
    deadline = current_deadline()
    if deadline is None:
        return timeout
    left = deadline.remaining()
    if left <= 0:
        raise error(f"the {deadline.seconds:g} s deadline for this exchange has passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _bounded(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _Stream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - brokers are reached over TCP
        return _Stream(
            self._inner.connect_unix_socket(path, _bounded(timeout, httpcore.ConnectTimeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:  # pragma: no cover - used by httpcore's retries, which are off
        self._inner.sleep(seconds)


def _httpx_error(exc: httpcore.TimeoutException | Exception, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception class of the same name (httpx mirrors httpcore's tree)."""
    for cls in type(exc).__mro__:
        target = getattr(httpx, cls.__name__, None)
        if isinstance(target, type) and issubclass(target, httpx.TransportError):
            return target(str(exc), request=request)
    return httpx.TransportError(str(exc), request=request)


class _Body(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes], request: httpx.Request) -> None:
        self._inner = inner
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._inner
        except httpcore.TimeoutException as exc:
            raise _httpx_error(exc, self._request) from None
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise _httpx_error(exc, self._request) from None

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


class DeadlineTransport(httpx.BaseTransport):
    """An HTTP/1.1 transport whose socket operations respect the current :func:`within` deadline."""

    def __init__(self, *, ssl_context: ssl.SSLContext, max_connections: int = 10) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            http1=True,
            http2=False,
            retries=0,
            network_backend=_Backend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=cast("Iterable[bytes]", request.stream),  # a sync client's request
            extensions=request.extensions,
        )
        try:
            response = self._pool.handle_request(core_request)
        except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise _httpx_error(exc, request) from None
        except httpcore.UnsupportedProtocol as exc:
            raise httpx.UnsupportedProtocol(str(exc), request=request) from None
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(cast("Iterable[bytes]", response.stream), request),  # a sync pool's response
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
