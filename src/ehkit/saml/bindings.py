"""HTTP bindings: POST (base64 form field), Redirect (deflate + query signature)
and the decoding rules for what arrives from a browser.

Decoding is strict: base64 with the standard alphabet only, size checked before
decoding, inflate only for the Redirect binding and with an output cap against
zip bombs (catalogue cases 9, 13, 14).
"""

from __future__ import annotations

import base64
import binascii
import html
import zlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ehkit.errors import LoginRejected
from ehkit.xml import algorithms as alg
from ehkit.xml.trust import TrustSet

DEFAULT_MAX_ENCODED = 512 * 1024  # base64 of a 256 KiB message, plus slack
MAX_INFLATED = 256 * 1024


def b64decode_strict(value: str | bytes, *, max_chars: int = DEFAULT_MAX_ENCODED, what: str = "SAML message") -> bytes:
    if isinstance(value, str):
        value = value.encode("ascii", "replace")
    if len(value) > max_chars:
        raise LoginRejected(
            f"{what} of {len(value)} characters exceeds the limit of {max_chars}", reason="message_too_large"
        )
    cleaned = b"".join(value.split())
    if not cleaned:
        raise LoginRejected(f"{what} is empty", reason="message_empty")
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise LoginRejected(f"{what} is not valid base64", reason="message_base64") from None


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def inflate(data: bytes, *, max_size: int = MAX_INFLATED) -> bytes:
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(data, max_size + 1)
    except zlib.error:
        raise LoginRejected("SAML message is not valid raw DEFLATE data", reason="message_deflate") from None
    if len(out) > max_size or d.unconsumed_tail:
        raise LoginRejected(f"inflated SAML message exceeds {max_size} bytes", reason="message_too_large")
    return out


def decode_post(value: str, *, max_chars: int = DEFAULT_MAX_ENCODED) -> bytes:
    """A POST-binding value: base64 of XML. A deflated payload is refused (case 14)."""
    data = b64decode_strict(value, max_chars=max_chars)
    if not data.lstrip()[:1] == b"<":
        raise LoginRejected(
            "POST-binding value is not base64 of XML (deflate is only for Redirect)", reason="message_not_xml"
        )
    return data


def decode_redirect(value: str, *, max_chars: int = DEFAULT_MAX_ENCODED) -> bytes:
    return inflate(b64decode_strict(value, max_chars=max_chars))


def post_form(action: str, fields: dict[str, str], *, title: str = "Doorsturen…") -> str:
    """An auto-submitting HTML form; works without JavaScript through the button."""
    inputs = "\n".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
        if v is not None
    )
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta http-equiv="Cache-Control" content="no-cache, no-store"></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{html.escape(action)}">
{inputs}
<noscript><p>JavaScript staat uit. Klik op de knop om door te gaan. / JavaScript is off; press the button to continue.</p></noscript>
<button type="submit">Doorgaan / Continue</button>
</form></body></html>"""


@dataclass(frozen=True)
class RedirectMessage:
    xml: bytes
    relay_state: str | None
    signed_by: object | None


def _query_to_sign(param: str, encoded_msg: str, relay_state: str | None, sig_alg: str) -> bytes:
    parts = [f"{param}={quote(encoded_msg, safe='')}"]
    if relay_state is not None:
        parts.append(f"RelayState={quote(relay_state, safe='')}")
    parts.append(f"SigAlg={quote(sig_alg, safe='')}")
    return "&".join(parts).encode("ascii")


def redirect_url(
    destination: str,
    xml: bytes,
    *,
    param: str = "SAMLRequest",
    relay_state: str | None = None,
    private_key: rsa.RSAPrivateKey | None = None,
    sig_alg: str = alg.RSA_SHA256,
) -> str:
    """HTTP-Redirect: the message deflated and signed over the query string
    (the binding removes enveloped signatures, so the query carries it)."""
    encoded = b64encode(deflate(xml))
    query: list[tuple[str, str]] = [(param, encoded)]
    if relay_state is not None:
        query.append(("RelayState", relay_state))
    if private_key is not None:
        query.append(("SigAlg", sig_alg))
        hash_cls = alg.SIGNATURE_METHODS[sig_alg]
        signature = private_key.sign(
            _query_to_sign(param, encoded, relay_state, sig_alg), padding.PKCS1v15(), hash_cls()
        )
        query.append(("Signature", b64encode(signature)))
    parts = urlsplit(destination)
    # Encode exactly as the signed string was built (quote, not quote_plus): a space in
    # RelayState would otherwise be "+" in the URL and "%20" in what was signed.
    sep_query = (parts.query + "&" if parts.query else "") + urlencode(query, quote_via=quote)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, sep_query, parts.fragment))


def verify_redirect_query(raw_query: str, trust: TrustSet, *, param: str = "SAMLRequest") -> RedirectMessage:
    """Check a Redirect-binding query signature against ``trust`` and return the message.

    The signed string is rebuilt from the raw query as received, since
    re-encoding could differ from what the sender signed.
    """
    raw_parts: dict[str, str] = {}
    for piece in raw_query.split("&"):
        if "=" not in piece:
            continue
        k, v = piece.split("=", 1)
        if k in raw_parts:
            raise LoginRejected(f"query parameter {k} appears twice", reason="redirect_duplicate_parameter")
        raw_parts[k] = v
    values = dict(parse_qsl(raw_query, keep_blank_values=True))
    if param not in raw_parts or "SigAlg" not in raw_parts or "Signature" not in raw_parts:
        raise LoginRejected("Redirect-binding message is not signed", reason="signature_missing")
    sig_alg = values["SigAlg"]
    hash_cls = alg.SIGNATURE_METHODS.get(sig_alg)
    if hash_cls is None:
        raise LoginRejected(f"signature algorithm {sig_alg!r} is not allowed", reason="signature_algorithm")
    signed = f"{param}={raw_parts[param]}"
    if "RelayState" in raw_parts:
        signed += f"&RelayState={raw_parts['RelayState']}"
    signed += f"&SigAlg={raw_parts['SigAlg']}"
    signature = b64decode_strict(values["Signature"], max_chars=2048, what="Signature")
    for key in trust.candidates(None):
        try:
            key.public_key.verify(signature, signed.encode("ascii", "replace"), padding.PKCS1v15(), hash_cls())
        except InvalidSignature:
            continue
        return RedirectMessage(decode_redirect(values[param]), values.get("RelayState"), key)
    raise LoginRejected("Redirect-binding signature does not verify with any trusted key", reason="signature_untrusted")
