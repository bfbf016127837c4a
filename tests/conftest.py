"""Shared fixtures. Real servers (Redis) and the system Chromium are
used when present; without them those tests skip with a clear message, unless
EHKIT_REQUIRE_SERVICES=1 (set by .ci/run), in which case they fail."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from support.services import missing

REFERENCE = Path(__file__).resolve().parent / "data" / "reference"


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("EHKIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        missing(
            "Redis",
            f"no server answered at {url} ({exc.__class__.__name__}); start redis-server or set EHKIT_TEST_REDIS_URL",
        )
    return url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("EHKIT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        missing("Chromium", "install the system browser (apt-get install chromium) or set EHKIT_CHROMIUM")
    return path


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The real messages and metadata in ../shared/reference (read-only)."""
    if not REFERENCE.is_dir():
        missing("shared/reference", f"expected at {REFERENCE}")
    return REFERENCE


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser(chromium_path: str):  # type: ignore[no-untyped-def]
    """The system Chromium, headless, driven by Playwright (one per test session)."""
    try:
        from playwright import sync_api
    except ImportError:  # a dev dependency: skip on a partial install, fail in CI
        missing("Playwright", "install the dev extra (make install)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh browser context per test (no cookies carried over), Dutch locale."""
    context = browser.new_context(locale="nl-NL")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    try:
        yield pg
    finally:
        context.close()
