"""Reading the provider's JSON answers with limits, and checking its URLs.

Every document the provider sends (discovery, JWKS, token and userinfo
responses, the ID token's payload) is hostile input until checked: it is read
only up to a size limit, must be a JSON object, and nesting is bounded so a
deeply nested claim cannot exhaust the stack of later code.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from ehkit.oidc.errors import OidcRejected

#: Discovery documents of real providers are 2-6 KiB; Keycloak's with every option is about 6 KiB.
MAX_DOCUMENT_BYTES = 64 * 1024
#: Claims of an eHerkenning login nest at most two levels (mandates: ``aanvrager.kvk``).
MAX_DEPTH = 8
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _depth(value: Any, limit: int) -> int:
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > limit:
            return depth
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the member {key[:60]!r} appears twice")
        out[key] = value
    return out


def parse_object(data: bytes | str, *, what: str, reason: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> dict[str, Any]:
    """A JSON object, or an :class:`OidcRejected` with ``reason`` naming what is wrong.

    Duplicate member names are refused: two parsers that pick different
    duplicates read different claims from the same token.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise OidcRejected(f"the {what} is larger than {max_bytes} bytes", reason=reason)
    try:
        value = json.loads(raw, object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OidcRejected(f"the {what} is not valid JSON: {str(exc)[:120]}", reason=reason) from None
    if not isinstance(value, dict):
        raise OidcRejected(f"the {what} is not a JSON object", reason=reason)
    if _depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise OidcRejected(f"the {what} nests deeper than {MAX_DEPTH} levels", reason=reason)
    return value


def check_endpoint(url: Any, *, what: str, reason: str, allow_http_loopback: bool) -> str:
    """An absolute https URL without fragment (plain http only to loopback, for local tests)."""
    if not isinstance(url, str) or not url or len(url) > 2048:
        raise OidcRejected(f"{what} is missing or not a URL", reason=reason)
    parts = urlsplit(url)
    if parts.fragment:
        raise OidcRejected(f"{what} {url[:200]!r} has a fragment", reason=reason)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and allow_http_loopback and parts.hostname in _LOOPBACK:
        return url
    raise OidcRejected(
        f"{what} {url[:200]!r} is not an https URL (plain http is accepted only on loopback while testing)",
        reason="oidc_endpoint_insecure",
    )
