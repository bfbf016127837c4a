"""Serving with TLS and telling the app who the client is.

The afsprakenstelsel has DVs authenticate to the artifact resolution service
with their PKIoverheid certificate over mutual TLS. uvicorn verifies the
client certificate (``ssl_cert_reqs`` + ``ssl_ca_certs``) but does not pass it
to the app, so this protocol adds it to the ASGI TLS extension
(``scope["extensions"]["tls"]["client_cert_chain"]``, PEM strings).
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol


class TlsInfoProtocol(H11Protocol):
    """H11 protocol that exposes the verified client certificate to the ASGI app."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if not der:
            return
        pem = ssl.DER_cert_to_PEM_cert(der)
        inner = self.app

        async def with_tls(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") == "http":
                extensions = dict(scope.get("extensions") or {})
                extensions["tls"] = {**extensions.get("tls", {}), "client_cert_chain": [pem]}
                scope = {**scope, "extensions": extensions}
            await inner(scope, receive, send)

        self.app = with_tls


def uvicorn_config(
    app: Any,
    *,
    host: str,
    port: int,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    tls_client_ca: Path | None = None,
    log_level: str = "info",
) -> uvicorn.Config:
    """uvicorn settings; with ``tls_client_ca`` clients may present a certificate (verified against it)."""
    kwargs: dict[str, Any] = {"host": host, "port": port, "log_level": log_level, "http": TlsInfoProtocol}
    if tls_cert is not None:
        kwargs["ssl_certfile"] = str(tls_cert)
        kwargs["ssl_keyfile"] = str(tls_key) if tls_key else None
        if tls_client_ca is not None:
            kwargs["ssl_ca_certs"] = str(tls_client_ca)
            kwargs["ssl_cert_reqs"] = ssl.CERT_OPTIONAL
    return uvicorn.Config(app, **kwargs)
