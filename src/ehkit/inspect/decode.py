"""Turn whatever a person copied (raw XML, base64, deflated base64, a URL, a
form body, a SAMLart) into XML bytes plus the transport details around it."""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from ehkit.errors import EhkitError

_PARAMS = ("SAMLRequest", "SAMLResponse", "SAMLart")


class InspectInputError(EhkitError):
    reason = "inspect_input"


@dataclass
class DecodedInput:
    xml: bytes | None
    encoding: list[str] = field(default_factory=list)
    parameter: str | None = None
    relay_state: str | None = None
    artifact: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _b64(value: str) -> bytes:
    cleaned = re.sub(r"\s+", "", value)
    if not cleaned:
        raise InspectInputError("the input is empty", reason="inspect_empty")
    if re.fullmatch(r"[A-Za-z0-9_-]+=*", cleaned) and ("-" in cleaned or "_" in cleaned):
        cleaned = cleaned.replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise InspectInputError(
            "the input is not XML, base64, a URL or a form body; paste the SAMLResponse/SAMLRequest value or the whole URL",
            reason="inspect_unrecognised",
        ) from None


def _payload(value: str, out: DecodedInput) -> None:
    raw = _b64(value)
    out.encoding.append("base64")
    if raw.lstrip()[:1] == b"<":
        out.xml = raw
        return
    if len(raw) == 44 and raw[:2] == b"\x00\x04":
        out.artifact = re.sub(r"\s+", "", value)
        out.parameter = out.parameter or "SAMLart"
        return
    try:
        d = zlib.decompressobj(-15)
        inflated = d.decompress(raw, 4 * 1024 * 1024)
    except zlib.error:
        raise InspectInputError(
            "base64 decoded, but the result is neither XML nor raw DEFLATE data", reason="inspect_unrecognised"
        ) from None
    out.encoding.append("deflate")
    out.xml = inflated


def decode_input(data: bytes) -> DecodedInput:
    text_bytes = data.strip()
    if text_bytes.startswith(b"\xef\xbb\xbf"):
        text_bytes = text_bytes[3:]
    if text_bytes.startswith(b"<"):
        return DecodedInput(xml=text_bytes, encoding=["xml"])
    try:
        text = text_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise InspectInputError("the input is binary and not UTF-8 XML", reason="inspect_unrecognised") from None
    out = DecodedInput(xml=None)
    query = None
    if re.match(r"^https?://", text):
        query = urlsplit(text).query
        out.encoding.append("url")
    elif "=" in text and any(text.startswith(p + "=") or ("&" + p + "=") in text for p in (*_PARAMS, "RelayState")):
        query = text
        out.encoding.append("form")
    if query is not None:
        params = dict(parse_qsl(query, keep_blank_values=True))
        out.relay_state = params.get("RelayState")
        for k in ("SigAlg", "Signature"):
            if k in params:
                out.extra[k] = params[k]
        for p in _PARAMS:
            if p in params:
                out.parameter = p
                if p == "SAMLart":
                    out.artifact = params[p]
                    return out
                _payload(params[p], out)
                return out
        raise InspectInputError(
            "the URL or form has no SAMLRequest, SAMLResponse or SAMLart parameter", reason="inspect_no_message"
        )
    _payload(text, out)
    return out
