"""Artifact resolution over SOAP 1.1 with mutual TLS: the only network call of a login.

Kept apart from the sans-IO core so tests inject ``httpx.MockTransport`` and
the core never imports an HTTP client. Rules it follows:

* POST with ``Content-Type: text/xml`` (OneWelcome and Signicat require it
  since April 2022) and the SAML SOAPAction;
* the DV's PKIoverheid certificate as TLS client certificate;
* separate connect and read timeouts, and one deadline for the whole
  exchange (connect, TLS, request, answer; the retry included), so a broker
  that answers a byte at a time cannot hold a login (:mod:`ehkit.sp.deadline`);
* exactly one retry, and only when the connection could not be made: once
  the request may have reached the broker the artifact may be spent
  (artifacts resolve once), so a read timeout is not retried;
* the answer is read up to a size limit, never unbounded;
* https only, except plain http to the loopback interface for local tests.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from ehkit.errors import ConfigError, LoginRejected
from ehkit.saml import soap
from ehkit.sp.deadline import Deadline, DeadlineTransport, within

DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Timeouts:
    """Seconds. ``connect`` and ``read`` bound each operation; ``deadline`` the whole exchange."""

    connect: float = 5.0
    read: float = 10.0
    deadline: float = 10.0


def tls_context(
    *, client_cert: str | Path | None, client_key: str | Path | None, ca_file: str | Path | None = None
) -> ssl.SSLContext:
    """A client TLS context presenting the DV certificate; the broker's server
    certificate is checked against ``ca_file`` or the system store."""
    ctx = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if client_cert is not None:
        try:
            ctx.load_cert_chain(str(client_cert), str(client_key) if client_key else None)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"cannot load the TLS client certificate {client_cert}: {exc}", reason="tls_client_cert"
            ) from None
    return ctx


class ArtifactClient:
    """Sends an ArtifactResolve and returns the raw SOAP answer."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeouts: Timeouts = Timeouts(),
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_http_loopback: bool = True,
        rollover: tuple[datetime, ssl.SSLContext] | None = None,
    ) -> None:
        """``rollover`` is (activation, TLS context with the next client certificate): from that
        moment on the exchange presents the next certificate, as the signing key changes then too."""
        self._deadline = timeouts.deadline
        self._timeouts = timeouts
        self._client = self._http(
            transport or DeadlineTransport(ssl_context=ssl_context or ssl.create_default_context())
        )
        self._next: tuple[datetime, httpx.Client] | None = None
        if rollover is not None:
            self._next = (rollover[0], self._http(DeadlineTransport(ssl_context=rollover[1])))
        #: Seconds the last exchange took (metrics read it through the audit event's phases).
        self.last_duration: float | None = None
        self._max = max_response_bytes
        self._allow_http_loopback = allow_http_loopback

    def _http(self, transport: httpx.BaseTransport) -> httpx.Client:
        return httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(self._timeouts.read, connect=self._timeouts.connect),
            follow_redirects=False,
            trust_env=False,
        )

    def _client_at(self, now: datetime | None) -> httpx.Client:
        if self._next is not None and now is not None and now >= self._next[0]:
            return self._next[1]
        return self._client

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname:
            return
        if parts.scheme == "http" and self._allow_http_loopback and parts.hostname in _LOOPBACK:
            return
        raise LoginRejected(
            f"artifact resolution endpoint {url[:200]!r} is not https", reason="artifact_resolution_endpoint"
        )

    def resolve(self, url: str, envelope: bytes, *, now: datetime | None = None) -> bytes:
        """POST ``envelope`` to ``url``; ``now`` picks the TLS client certificate during a rollover."""
        from ehkit.sp.audit import record_phase

        self._check_url(url)
        started = time.perf_counter()
        try:
            with within(self._deadline) as deadline:
                return self._exchange(self._client_at(now), url, envelope, deadline)
        finally:
            self.last_duration = time.perf_counter() - started
            record_phase("artifact_resolution", self.last_duration)

    def _timed_out(self, deadline: Deadline, what: str) -> LoginRejected:
        if deadline.expired():
            what = f"did not complete within the {deadline.seconds:g} s deadline ({what})"
        else:
            what = f"timed out ({what})"
        return LoginRejected(f"the broker's artifact resolution service {what}", reason="artifact_resolution_timeout")

    def _exchange(self, client: httpx.Client, url: str, envelope: bytes, deadline: Deadline) -> bytes:
        headers = {"Content-Type": soap.CONTENT_TYPE, "SOAPAction": soap.SOAP_ACTION, "Accept": "text/xml"}
        for attempt in (1, 2):
            try:
                with client.stream("POST", url, content=envelope, headers=headers) as response:
                    if response.status_code != 200:
                        raise LoginRejected(
                            f"the broker answered the artifact resolution with HTTP {response.status_code}",
                            reason="artifact_resolution_http",
                        )
                    declared = response.headers.get("Content-Length")
                    if declared is not None and declared.isdigit() and int(declared) > self._max:
                        raise LoginRejected("the artifact resolution answer is too large", reason="message_too_large")
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > self._max:
                            raise LoginRejected(
                                "the artifact resolution answer is too large", reason="message_too_large"
                            )
                        if deadline.expired():  # any transport, also one without socket deadlines
                            raise self._timed_out(deadline, "answer incomplete")
                    return bytes(body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if deadline.expired():
                    raise self._timed_out(deadline, type(exc).__name__) from None
                if attempt == 1:
                    continue
                raise LoginRejected(
                    f"cannot connect to the broker's artifact resolution service ({type(exc).__name__})",
                    reason="artifact_resolution_failed",
                ) from None
            except httpx.TimeoutException as exc:
                raise self._timed_out(deadline, type(exc).__name__) from None
            except httpx.HTTPError as exc:
                raise LoginRejected(
                    f"artifact resolution failed ({type(exc).__name__})", reason="artifact_resolution_failed"
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self._client.close()
        if self._next is not None:
            self._next[1].close()
