"""SAML artifacts of type 0x0004 (SAML bindings §3.6.4).

SAMLart = base64(TypeCode 0x0004 | EndpointIndex (2 bytes) | SourceID (20) | MessageHandle (20)).
SourceID is the SHA-1 of the issuer's EntityID: the DV uses it to check the
artifact came from its broker before it opens any connection.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass

from ehkit.errors import LoginRejected

TYPE_CODE = b"\x00\x04"
_MAX_ART_CHARS = 200


def source_id(entity_id: str) -> bytes:
    return hashlib.sha1(entity_id.encode("utf-8")).digest()  # noqa: S324 - defined by the SAML binding


@dataclass(frozen=True)
class Artifact:
    endpoint_index: int
    source_id: bytes
    message_handle: bytes

    def encode(self) -> str:
        return base64.b64encode(
            TYPE_CODE + self.endpoint_index.to_bytes(2, "big") + self.source_id + self.message_handle
        ).decode("ascii")

    @classmethod
    def new(cls, issuer_entity_id: str, endpoint_index: int = 0) -> Artifact:
        return cls(endpoint_index, source_id(issuer_entity_id), secrets.token_bytes(20))

    @classmethod
    def decode(cls, text: str) -> Artifact:
        if not isinstance(text, str) or not text or len(text) > _MAX_ART_CHARS:
            raise LoginRejected("SAMLart is missing or too long", reason="artifact_malformed")
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise LoginRejected("SAMLart is not valid base64", reason="artifact_malformed") from None
        if len(raw) != 44:
            raise LoginRejected(f"SAMLart must decode to 44 bytes, got {len(raw)}", reason="artifact_malformed")
        if raw[:2] != TYPE_CODE:
            raise LoginRejected(f"SAMLart type {raw[:2].hex()} is not 0004", reason="artifact_type")
        return cls(int.from_bytes(raw[2:4], "big"), raw[4:24], raw[24:44])

    def is_from(self, issuer_entity_id: str) -> bool:
        return secrets.compare_digest(self.source_id, source_id(issuer_entity_id))
