"""Message IDs: 160 random bits, prefixed with '_' so they are valid xs:ID (NCName)."""

from __future__ import annotations

import secrets


def new_id() -> str:
    return "_" + secrets.token_hex(20)
