"""The I/O layer: discovery, JWKS, token and userinfo over httpx.

The rest of ``ehkit.oidc`` never touches the network; this module moves the
bytes and applies the rules that only make sense here:

* one **deadline per exchange**: the token request, a JWKS refetch and the
  userinfo call of one login share ``Deadline.total`` seconds, so a slow
  provider cannot hold a login (and a worker) for the sum of three timeouts;
* answers are read up to a size limit, never unbounded; redirects are not
  followed; proxies from the environment are not used;
* discovery and JWKS through :class:`~ehkit.oidc.cache.DocumentCache`: a
  failed fetch or an unparseable answer keeps the last good copy within its
  cache time, and an unknown ``kid`` refetches the JWKS at most once a minute;
* mutual TLS (``tls_client_auth``) presents the DV's certificate through the
  SSL context the caller built.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import httpx

from ehkit.oidc.cache import CachePolicy, DocumentCache
from ehkit.oidc.discovery import ProviderMetadata, discovery_url, parse_discovery
from ehkit.oidc.errors import OidcRejected, OidcUnavailable
from ehkit.oidc.jsondoc import MAX_DOCUMENT_BYTES, check_endpoint
from ehkit.oidc.jwks import ALGORITHMS, JsonWebKeys, parse_jwks
from ehkit.oidc.token import ClientAuth, HttpRequest, TokenResponse, parse_token_response, token_request
from ehkit.oidc.userinfo import parse_userinfo, userinfo_request

__all__ = ["Deadline", "HttpAnswer", "ProviderClient"]

T = TypeVar("T")


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    content_type: str | None
    body: bytes


class Deadline:
    """The time left for one exchange with the provider (monotonic clock)."""

    def __init__(self, total: float, *, per_call: float | None = None) -> None:
        self._end = time.monotonic() + total
        self._per_call = per_call or total

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def timeout(self, connect: float) -> httpx.Timeout:
        left = self.remaining()
        if left <= 0.05:
            raise httpx.ReadTimeout("the exchange deadline has passed")
        budget = min(left, self._per_call)
        return httpx.Timeout(budget, connect=min(connect, budget))


class ProviderClient:
    """One OpenID provider as seen by one client: cached discovery and keys, token and userinfo calls."""

    def __init__(
        self,
        *,
        issuer: str,
        auth_method: str,
        discovery: str | None = None,
        algorithms: Sequence[str] = ALGORITHMS,
        transport: httpx.BaseTransport | None = None,
        ssl_context: ssl.SSLContext | None = None,
        exchange_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        discovery_cache: timedelta = timedelta(hours=24),
        jwks_cache: timedelta = timedelta(hours=1),
        min_refetch: timedelta = timedelta(seconds=60),
        allow_http_loopback: bool = False,
        max_bytes: int = MAX_DOCUMENT_BYTES,
    ) -> None:
        self.issuer = issuer
        self.auth_method = auth_method
        self.discovery_url = discovery or discovery_url(issuer)
        check_endpoint(
            self.discovery_url,
            what="discovery URL",
            reason="oidc_endpoint_insecure",
            allow_http_loopback=allow_http_loopback,
        )
        self.algorithms = tuple(algorithms)
        self.exchange_timeout = exchange_timeout
        self.connect_timeout = connect_timeout
        self._allow_http = allow_http_loopback
        self._max = max_bytes
        if transport is None:
            transport = httpx.HTTPTransport(verify=ssl_context or ssl.create_default_context(), retries=0)
        self._http = httpx.Client(transport=transport, follow_redirects=False, trust_env=False)
        self.discovery_cache: DocumentCache[ProviderMetadata] = DocumentCache(CachePolicy(discovery_cache))
        self.jwks_cache: DocumentCache[JsonWebKeys] = DocumentCache(CachePolicy(jwks_cache, min_refetch=min_refetch))

    # ------------------------------------------------------------------ transport

    def send(self, request: HttpRequest, deadline: Deadline) -> HttpAnswer:
        """Send ``request`` within ``deadline``; transport failures become httpx errors for the caller."""
        with self._http.stream(
            request.method,
            request.url,
            headers=request.headers,
            content=request.body or None,
            timeout=deadline.timeout(self.connect_timeout),
        ) as response:
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > self._max:
                raise _TooLarge(f"{request.url} answered with {declared} bytes")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self._max:
                    raise _TooLarge(f"{request.url} answered with more than {self._max} bytes")
            return HttpAnswer(response.status_code, response.headers.get("Content-Type"), bytes(body))

    def _get_document(self, url: str, what: str, deadline: Deadline) -> bytes:
        answer = self.send(HttpRequest("GET", url, {"Accept": "application/json"}), deadline)
        if answer.status != 200:
            raise _FetchFailed(f"the {what} at {url} answered HTTP {answer.status}")
        return answer.body

    # ------------------------------------------------------------------ cached documents

    def _cached(
        self,
        cache: DocumentCache[T],
        fetch: Callable[[], T],
        *,
        now: datetime,
        what: str,
        unavailable: str,
        force: bool = False,
    ) -> T:
        with cache.lock:
            due = cache.should_fetch(now) or (force and cache.may_force(now))
            if force and due:
                cache.forced(now)
            if due:
                try:
                    cache.store(fetch(), now)
                except OidcRejected as exc:
                    cache.failed(f"{exc.reason}: {exc.message}", now)
                    if cache.current(now) is None:
                        raise
                except (httpx.HTTPError, _FetchFailed, _TooLarge) as exc:
                    cache.failed(f"{type(exc).__name__}: {exc}", now)
            current = cache.current(now)
            if current is None:
                raise OidcUnavailable(
                    f"the provider's {what} could not be fetched and no good copy is cached "
                    f"({cache.last_error or 'not fetched yet'})",
                    reason=unavailable,
                )
            return current

    def metadata(self, *, now: datetime, deadline: Deadline | None = None) -> ProviderMetadata:
        """The discovery document: the cached copy, refreshed when due."""
        dl = deadline or Deadline(self.exchange_timeout)

        def fetch() -> ProviderMetadata:
            body = self._get_document(self.discovery_url, "discovery document", dl)
            return parse_discovery(
                body,
                expected_issuer=self.issuer,
                algorithms=self.algorithms,
                auth_method=self.auth_method,
                allow_http_loopback=self._allow_http,
            )

        return self._cached(
            self.discovery_cache, fetch, now=now, what="discovery document", unavailable="oidc_discovery_unavailable"
        )

    def keys(self, *, now: datetime, deadline: Deadline | None = None, force: bool = False) -> JsonWebKeys:
        """The JWKS; ``force`` after an unknown ``kid`` (rate-limited, see the module docstring)."""
        dl = deadline or Deadline(self.exchange_timeout)
        meta = self.metadata(now=now, deadline=dl)

        def fetch() -> JsonWebKeys:
            return parse_jwks(self._get_document(meta.jwks_uri, "JWKS", dl), algorithms=self.algorithms)

        return self._cached(
            self.jwks_cache, fetch, now=now, what="keys (JWKS)", unavailable="oidc_jwks_unavailable", force=force
        )

    # ------------------------------------------------------------------ exchanges

    def exchange_code(
        self,
        *,
        code: str,
        code_verifier: str,
        redirect_uri: str,
        auth: ClientAuth,
        now: datetime,
        deadline: Deadline,
    ) -> TokenResponse:
        meta = self.metadata(now=now, deadline=deadline)
        request = token_request(
            meta.token_endpoint_for(auth.method),
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=code_verifier,
            auth=auth,
            now=now,
        )
        try:
            answer = self.send(request, deadline)
        except httpx.TimeoutException:
            raise OidcUnavailable(
                "the token endpoint did not answer in time", reason="oidc_token_unavailable"
            ) from None
        except (httpx.HTTPError, _TooLarge) as exc:
            raise OidcUnavailable(
                f"the token endpoint could not be reached ({type(exc).__name__})", reason="oidc_token_unavailable"
            ) from None
        return parse_token_response(answer.status, answer.body, answer.content_type)

    def userinfo(
        self, *, access_token: str, subject: str, client_id: str, keys: JsonWebKeys, now: datetime, deadline: Deadline
    ) -> dict[str, object]:
        meta = self.metadata(now=now, deadline=deadline)
        if meta.userinfo_endpoint is None:
            raise OidcRejected("the provider publishes no userinfo endpoint", reason="oidc_discovery_invalid")
        try:
            answer = self.send(userinfo_request(meta.userinfo_endpoint, access_token), deadline)
        except (httpx.HTTPError, _TooLarge) as exc:
            raise OidcUnavailable(
                f"the userinfo endpoint could not be reached ({type(exc).__name__})", reason="oidc_userinfo_unavailable"
            ) from None
        return parse_userinfo(
            answer.status,
            answer.body,
            answer.content_type,
            subject=subject,
            keys=keys,
            issuer=self.issuer,
            client_id=client_id,
            algorithms=self.algorithms,
        )

    def close(self) -> None:
        self._http.close()


class _FetchFailed(Exception):
    pass


class _TooLarge(Exception):
    pass
