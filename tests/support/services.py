"""What to do when a real service (Redis, Chromium, xmlsec1) is missing."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(what: str, how: str) -> NoReturn:
    """Skip with a clear message; fail instead under EHKIT_REQUIRE_SERVICES=1 (CI)."""
    message = f"{what} is not available: {how}"
    if os.environ.get("EHKIT_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (required because EHKIT_REQUIRE_SERVICES=1)")
    pytest.skip(message)
