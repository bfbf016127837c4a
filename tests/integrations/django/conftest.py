"""Django for tests/integrations/django only.

DJANGO_SETTINGS_MODULE is set when this directory is collected (collection
ends before the first test runs, so pytest-django's session fixtures see it
and set up the test environment and database as usual). The rest of the suite
never imports Django; ``make test`` runs everything in one process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django
import pytest

os.environ["DJANGO_SETTINGS_MODULE"] = "dj_site.settings"
# Playwright's sync API keeps an event loop in the test thread; the test database set-up is still
# synchronous code (pytest-django's advice for browser tests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Django sets the process time zone (TZ, time.tzset) from TIME_ZONE when its settings load; the rest
# of the suite reads naive local time, so the process keeps the time zone it had.
_tz = os.environ.get("TZ")
django.setup()
if _tz is None:
    os.environ.pop("TZ", None)
else:
    os.environ["TZ"] = _tz
time.tzset()

from django.test.utils import override_settings  # noqa: E402
from site_env import AsgiServer, Site, broker_app, copy_setup, free_port  # noqa: E402


@pytest.fixture(scope="module")
def dj_site(live_server: Any, setup_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The test project behind pytest-django's live server, with its own broker."""
    broker_port = free_port()
    broker_url = f"http://127.0.0.1:{broker_port}"
    config = copy_setup(
        setup_template, tmp_path_factory.mktemp("django"), site_url=live_server.url, broker_url=broker_url
    )
    site = Site("django", live_server.url, broker_url, config)
    site.servers.append(AsgiServer(broker_app(config, broker_url), broker_port, lifespan="off").start())
    with override_settings(EHKIT={"CONFIG": str(config)}):
        yield site
    site.stop()
