"""Integration settings: the path of ``ehkit.toml`` plus a small, fixed set of overrides.

A DV keeps one ``ehkit.toml`` per installation; what differs between the
machines that run it (the public URL, the state store, a secret) comes from
the framework's own settings: ``EHKIT = {...}`` in Django, ``EHKIT_*`` keys in
``app.config`` for Flask, ``EHerkenning(settings={...})`` for Starlette and
FastAPI. Only the keys in :data:`TOML_OVERRIDES` reach into ``ehkit.toml``,
each onto exactly one field, and the merged configuration is validated by the
same model as the file itself, so an override that breaks a rule is reported
under its own setting name.
"""

from __future__ import annotations

import importlib
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ehkit.config import ConfigInvalidError, ConfigProblem, EhkitConfig
from ehkit.errors import ConfigError

#: Integration key -> the ``ehkit.toml`` field it replaces.
TOML_OVERRIDES: Mapping[str, tuple[str, str]] = {
    "ACS_URL": ("dv", "acs_url"),
    "POST_ACS_URL": ("dv", "post_acs_url"),
    "STORE": ("state", "store"),
    "RELAY_STATE_SECRET": ("state", "relay_state_secret"),
    "METADATA_URL": ("broker", "metadata_url"),
    "METADATA_FILE": ("broker", "metadata_file"),
    "OIDC_REDIRECT_URI": ("broker.oidc", "redirect_uri"),
}

#: Keys that exist only in the integration, with their defaults.
INTEGRATION_DEFAULTS: Mapping[str, Any] = {
    "CONFIG": None,
    "SESSION_MAX_AGE": 3600,
    "DEFAULT_SERVICE": None,
    "LOGIN_REDIRECT": "/",
    "LOGOUT_REDIRECT": "/",
    "CATALOGUE_DOWNLOAD": False,
    "REQUEST_COOKIE": "ehkit_request",
    "COOKIE_SECURE": None,
    "COOKIE_SAMESITE": None,
    "REQUEST_BINDING": "redirect",
    "RESPONSE_BINDING": "artifact",
    "LOGOUT_HOOK": None,
    "CREATE_USERS": True,
    "ERROR_HOOK": None,
}

KNOWN_KEYS = frozenset(TOML_OVERRIDES) | frozenset(INTEGRATION_DEFAULTS)
ENV_CONFIG = "EHKIT_CONFIG"

CatalogueAccess = Literal["off", "public", "staff"]
SameSite = Literal["none", "lax", "strict"]


def _dotted(value: Any) -> Any:
    """A callable, or ``"package.module.attribute"`` naming one (settings files hold strings)."""
    if value is None or callable(value):
        return value
    if isinstance(value, str) and "." in value:
        module, _, attr = value.rpartition(".")
        try:
            found = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"cannot import {value!r} ({type(exc).__name__}: {exc})") from None
        if callable(found):
            return found
    raise ValueError(f"must be a callable or a dotted path to one, got {value!r}")


@dataclass(frozen=True)
class IntegrationSettings:
    """The validated settings of one integration instance.

    ``label`` turns a key into the way the user writes it (``EHKIT["ACS_URL"]``
    for Django, ``EHKIT_ACS_URL`` for Flask), so every error names the line to
    change.
    """

    config_path: Path
    overrides: Mapping[str, Any]
    session_max_age: int
    default_service: str | None
    login_redirect: str
    logout_redirect: str
    catalogue_download: CatalogueAccess
    request_cookie: str
    cookie_secure: bool | None
    cookie_samesite: SameSite | None
    request_binding: Literal["redirect", "post"]
    response_binding: Literal["artifact", "post"]
    logout_hook: Callable[..., Any] | None
    create_users: bool
    error_hook: Callable[..., Any] | None
    label: Callable[[str], str]
    source: str

    @classmethod
    def from_mapping(
        cls,
        values: Mapping[str, Any],
        *,
        label: Callable[[str], str],
        source: str,
        env: Mapping[str, str] | None = None,
    ) -> IntegrationSettings:
        """Validate ``values`` (keys as in :data:`KNOWN_KEYS`); every problem is reported at once."""
        env = os.environ if env is None else env
        problems: list[ConfigProblem] = []
        for key in sorted(set(values) - KNOWN_KEYS):
            close = [k for k in sorted(KNOWN_KEYS) if k.split("_")[0] == key.split("_")[0]] or sorted(KNOWN_KEYS)
            problems.append(ConfigProblem(label(key), f"unknown setting (known: {', '.join(close)})"))
        merged = {**INTEGRATION_DEFAULTS, **{k: v for k, v in values.items() if k in INTEGRATION_DEFAULTS}}

        def bad(key: str, message: str) -> None:
            problems.append(ConfigProblem(label(key), message))

        raw_path = merged["CONFIG"] or env.get(ENV_CONFIG) or "ehkit.toml"
        config_path = Path(os.fspath(raw_path)).expanduser()

        overrides: dict[str, Any] = {}
        for key in TOML_OVERRIDES:
            if key in values and values[key] is not None:
                value = values[key]
                if key == "METADATA_FILE":
                    value = os.fspath(value)
                if not isinstance(value, str):
                    bad(key, f"must be text, got {type(value).__name__}")
                    continue
                overrides[key] = value
        if "METADATA_URL" in overrides and "METADATA_FILE" in overrides:
            bad("METADATA_FILE", f"give {label('METADATA_URL')} or {label('METADATA_FILE')}, not both")

        max_age = merged["SESSION_MAX_AGE"]
        if isinstance(max_age, bool) or not isinstance(max_age, int) or not 60 <= max_age <= 7 * 86400:
            bad("SESSION_MAX_AGE", f"must be a whole number of seconds from 60 to 604800, got {max_age!r}")
            max_age = 3600
        default_service = merged["DEFAULT_SERVICE"]
        if default_service is not None and not isinstance(default_service, str):
            bad("DEFAULT_SERVICE", "must be a service key from ehkit.toml, as text")
            default_service = None
        redirects = {}
        for key in ("LOGIN_REDIRECT", "LOGOUT_REDIRECT"):
            target = merged[key]
            if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
                bad(key, f"must be a path on this site such as '/', got {target!r}")
                target = "/"
            redirects[key] = target
        access_raw = merged["CATALOGUE_DOWNLOAD"]
        access: CatalogueAccess = "off"
        if access_raw is True or access_raw == "public":
            access = "public"
        elif access_raw == "staff":
            access = "staff"
        elif access_raw not in (False, None, "off"):
            bad("CATALOGUE_DOWNLOAD", f"must be False, True or 'staff', got {access_raw!r}")
        cookie = merged["REQUEST_COOKIE"]
        if not isinstance(cookie, str) or not cookie.isidentifier():
            bad("REQUEST_COOKIE", f"must be a cookie name of letters, digits and _, got {cookie!r}")
            cookie = "ehkit_request"
        secure = merged["COOKIE_SECURE"]
        if secure not in (None, True, False):
            bad("COOKIE_SECURE", f"must be True, False or None (None: Secure when the ACS is https), got {secure!r}")
            secure = None
        samesite = merged["COOKIE_SAMESITE"]
        if isinstance(samesite, str):
            samesite = samesite.lower()
        if samesite not in (None, "none", "lax", "strict"):
            bad("COOKIE_SAMESITE", f"must be 'None', 'Lax', 'Strict' or None (automatic), got {samesite!r}")
            samesite = None
        request_binding = merged["REQUEST_BINDING"]
        if request_binding not in ("redirect", "post"):
            bad("REQUEST_BINDING", f"must be 'redirect' or 'post', got {request_binding!r}")
            request_binding = "redirect"
        response_binding = merged["RESPONSE_BINDING"]
        if response_binding not in ("artifact", "post"):
            bad("RESPONSE_BINDING", f"must be 'artifact' or 'post', got {response_binding!r}")
            response_binding = "artifact"
        try:
            hook = _dotted(merged["LOGOUT_HOOK"])
        except ValueError as exc:
            bad("LOGOUT_HOOK", str(exc))
            hook = None
        try:
            error_hook = _dotted(merged["ERROR_HOOK"])
        except ValueError as exc:
            bad("ERROR_HOOK", str(exc))
            error_hook = None
        if not isinstance(merged["CREATE_USERS"], bool):
            bad("CREATE_USERS", "must be True or False")
        if problems:
            raise ConfigInvalidError(problems, source=source)
        return cls(
            config_path=config_path,
            overrides=overrides,
            session_max_age=max_age,
            default_service=default_service,
            login_redirect=redirects["LOGIN_REDIRECT"],
            logout_redirect=redirects["LOGOUT_REDIRECT"],
            catalogue_download=access,
            request_cookie=cookie,
            cookie_secure=secure,
            cookie_samesite=samesite,
            request_binding=request_binding,
            response_binding=response_binding,
            logout_hook=hook,
            create_users=bool(merged["CREATE_USERS"]),
            error_hook=error_hook,
            label=label,
            source=source,
        )

    # ------------------------------------------------------------------ loading ehkit.toml

    def load_config(self) -> EhkitConfig:
        """``ehkit.toml`` with the overrides applied, validated as one configuration.

        A problem in an overridden field is reported under the setting's name
        (``EHKIT["ACS_URL"] (dv.acs_url)``), not under the file's.
        """
        file = self.config_path
        where = self.label("CONFIG")
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                f"configuration file not found: {file} (set {where} or the {ENV_CONFIG} environment variable "
                "to the path of your ehkit.toml)",
                reason="config_not_found",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read configuration file {file}: {exc}", reason="config_unreadable") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigInvalidError(
                [ConfigProblem("", f"not valid TOML: {exc} (fix the syntax at that line)")], source=str(file)
            ) from None
        renamed: dict[str, str] = {}
        for key, value in self.overrides.items():
            table, field = TOML_OVERRIDES[key]
            section = _section(data, table)
            if section is None:
                raise ConfigInvalidError(
                    [
                        ConfigProblem(
                            self.label(key),
                            f"is set, but {file.name} has no [{table}] section to apply it to "
                            f"(add [{table}] to {file.name}, or remove {self.label(key)}; see docs/oidc.md)",
                        )
                    ],
                    source=self.source,
                )
            section[field] = value
            if key == "METADATA_URL":
                section.pop("metadata_file", None)
            elif key == "METADATA_FILE":
                section.pop("metadata_url", None)
            renamed[f"{table}.{field}"] = f"{self.label(key)} ({table}.{field})"
        try:
            return EhkitConfig.from_dict(data, file.resolve().parent, source=file)
        except ConfigInvalidError as exc:
            if not renamed:
                raise
            problems = [ConfigProblem(renamed.get(p.path, p.path), p.message) for p in exc.problems]
            raise ConfigInvalidError(problems, source=f"{file} with {self.source}") from None


def _section(data: dict[str, Any], table: str) -> dict[str, Any] | None:
    """The (copied, re-attached) table ``a`` or ``a.b`` of the parsed file, for an override to write into.

    A top-level table is created when missing (``[state]`` may be left out); a
    nested one (``[broker.oidc]``) is not: it has required fields of its own.
    """
    parent = data
    *outer, last = table.split(".")
    for part in outer:
        current = parent.get(part)
        copied = dict(current) if isinstance(current, dict) else {}
        parent[part] = copied
        parent = copied
    current = parent.get(last)
    if not isinstance(current, dict):
        if outer:
            return None
        current = {}
    section = dict(current)
    parent[last] = section
    return section
