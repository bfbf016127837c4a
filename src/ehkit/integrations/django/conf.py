"""The application's one EHerkenningCore, built from ``settings.EHKIT`` on first use."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings

from ehkit.integrations.base import EHerkenningCore, IntegrationSettings

_lock = threading.Lock()
_core: EHerkenningCore | None = None
BACKEND = "ehkit.integrations.django.backends.EHerkenningBackend"


def integration_settings() -> IntegrationSettings:
    values = getattr(settings, "EHKIT", {})
    if not isinstance(values, dict):
        from ehkit.config import ConfigInvalidError, ConfigProblem

        raise ConfigInvalidError([ConfigProblem("EHKIT", "must be a dict of settings")], source="Django settings")
    return IntegrationSettings.from_mapping(values, label=lambda key: f'EHKIT["{key}"]', source="Django settings.EHKIT")


def get_core() -> EHerkenningCore:
    global _core
    with _lock:
        if _core is None:
            _core = EHerkenningCore(integration_settings())
        return _core


def reset() -> None:
    global _core
    with _lock:
        core, _core = _core, None
    if core is not None:
        core.close()


def settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("EHKIT", "AUTHENTICATION_BACKENDS"):
        reset()


def backend_enabled() -> bool:
    """True when EHerkenningBackend (or a subclass) is in AUTHENTICATION_BACKENDS."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    if not apps.is_installed("django.contrib.auth"):
        return False  # no users without the auth app (the example site runs without it)

    from ehkit.integrations.django.backends import EHerkenningBackend

    for path in getattr(settings, "AUTHENTICATION_BACKENDS", ()):
        try:
            cls = import_string(path)
        except ImportError:
            continue
        if isinstance(cls, type) and issubclass(cls, EHerkenningBackend):
            return True
    return False
