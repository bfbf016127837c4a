"""Django system checks: configuration errors stop ``runserver``/``migrate`` at start-up, naming the field.

Offline only (no broker traffic at start-up): the settings, ``ehkit.toml``
with the overrides, the keys, and that ``dv.acs_url`` reaches the ACS that
``urls.py`` mounts. ``manage.py ehkit check`` also fetches the broker
metadata and tries the state store.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from ehkit.config import EhkitConfig
from ehkit.integrations.base import IntegrationSettings
from ehkit.integrations.base.checks import Finding, run_checks

IDS = {"settings": 1, "config": 2, "keys": 3, "routes": 4, "django": 5}


def acs_route() -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("ehkit:acs")
    except NoReverseMatch:
        return None


def callback_route() -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("ehkit:oidc_callback")
    except NoReverseMatch:
        return None


def django_findings(integration: IntegrationSettings, config: EhkitConfig) -> list[Finding]:
    found: list[Finding] = []
    middleware = list(getattr(settings, "MIDDLEWARE", []) or [])
    if "django.contrib.sessions.middleware.SessionMiddleware" not in middleware:
        found.append(
            Finding(
                "error",
                "django",
                "MIDDLEWARE",
                "add django.contrib.sessions.middleware.SessionMiddleware: the login lives in the session",
            )
        )
    if acs_route() is None:
        found.append(
            Finding(
                "error",
                "django",
                "ROOT_URLCONF",
                'the eHerkenning views are not mounted: add path("eherkenning/", include("ehkit.integrations.django.urls"))',
            )
        )
    if config.dv.acs_url.startswith("https://") and not getattr(settings, "SESSION_COOKIE_SECURE", False):
        found.append(
            Finding(
                "warning",
                "django",
                "SESSION_COOKIE_SECURE",
                "set it to True: the site runs on https and the session holds the login",
            )
        )
    return found


def as_messages(findings: list[Finding]) -> list[checks.CheckMessage]:
    out: list[checks.CheckMessage] = []
    for f in findings:
        if f.level == "ok":
            continue
        number = IDS.get(f.check, 9)
        message = f"eHerkenning: {f.field}: {f.message}" if f.field else f"eHerkenning: {f.message}"
        if f.level == "error":
            out.append(checks.Error(message, id=f"ehkit.E00{number}"))
        else:
            out.append(checks.Warning(message, id=f"ehkit.W00{number}"))
    return out


def check_configuration(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from ehkit.integrations.django.conf import integration_settings

    return as_messages(
        run_checks(
            integration_settings,
            acs_route=acs_route(),
            offline=True,
            extra=django_findings,
            callback_route=callback_route(),
        )
    )


def register() -> None:
    checks.register(check_configuration, "ehkit")
