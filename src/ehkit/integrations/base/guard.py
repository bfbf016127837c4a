"""Which login opens which view.

Rules (docs/integrations/*.md repeat them):

* **Service.** A view names the service(s) it serves; a login opens it only
  when it was made *for one of those services*. eHerkenning authorises a
  person per service (the machtigingenregister checks the ServiceUUID), so a
  login for "melding" says nothing about "vergunning", whatever level it had.
  A view without a service accepts a login for any configured service.
* **Level.** A login counts at the catalogue level of the service it was made
  for (``LoginResult.loa_required``), not at the level of the means the person
  happened to use: the broker enforced that level, and only that. So a login
  for an EH2+ service never opens an EH3 view. If the operator raised a
  service's level after the login, the login no longer counts for it.
* **Time.** The session's maximum age (``SESSION_MAX_AGE``) and the
  assertion's SessionNotOnOrAfter end a login; an expired login is no login.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import ConfigError
from ehkit.sp.result import LoginResult


class Verdict(enum.Enum):
    OK = "ok"
    ANONYMOUS = "anonymous"
    WRONG_SERVICE = "wrong_service"
    LEVEL_TOO_LOW = "level_too_low"


@dataclass(frozen=True)
class Requirement:
    """What a view asks for: one of ``services`` (empty: any) at ``loa`` or above (None: the service's level)."""

    services: tuple[str, ...] = ()
    loa: LevelOfAssurance | None = None

    @classmethod
    def of(cls, service: str | Sequence[str] | None = None, loa: LevelOfAssurance | str | None = None) -> Requirement:
        if service is None:
            services: tuple[str, ...] = ()
        elif isinstance(service, str):
            services = (service,)
        else:
            services = tuple(service)
        if any(not isinstance(s, str) or not s for s in services):
            raise TypeError("service must be a service key, or a list of keys, from ehkit.toml")
        if loa is None or isinstance(loa, LevelOfAssurance):
            return cls(services, loa)
        return cls(services, LevelOfAssurance.parse(loa))


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    #: The service to send the user to for a login that would satisfy the view.
    login_service: str
    #: The level the view needs (for the page that explains a refusal).
    needed: LevelOfAssurance

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK


def _check_services(requirement: Requirement, levels: Mapping[str, LevelOfAssurance]) -> None:
    unknown = [s for s in requirement.services if s not in levels]
    if unknown:
        raise ConfigError(
            f"a view requires service {unknown[0]!r}, which ehkit.toml does not define (known: {', '.join(levels)})",
            reason="unknown_service",
        )


def needed_level(requirement: Requirement, levels: Mapping[str, LevelOfAssurance]) -> LevelOfAssurance:
    """The lowest level a login must count at: the view's own, or the lowest of its services."""
    candidates = [levels[s] for s in requirement.services] if requirement.services else list(levels.values())
    base = min(candidates)
    return max(base, requirement.loa) if requirement.loa is not None else base


def login_service_for(requirement: Requirement, levels: Mapping[str, LevelOfAssurance], default: str | None) -> str:
    """The service a guard sends an anonymous or insufficient user to log in for.

    The first service the view names; for a view without services the
    configured default when its level suffices, else the first configured
    service at or above the level the view needs.
    """
    _check_services(requirement, levels)
    need = needed_level(requirement, levels)
    if requirement.services:
        for key in requirement.services:
            if levels[key] >= need:
                return key
    elif default is not None and default in levels and levels[default] >= need:
        return default
    else:
        for key, level in levels.items():
            if level >= need:
                return key
    names = ", ".join(f"{k} ({v})" for k, v in levels.items())
    raise ConfigError(
        f"a view requires level {need} for {', '.join(requirement.services) or 'any service'}, "
        f"but no such service is registered at that level (services: {names}); no login can open it",
        reason="unknown_service",
    )


def decide(
    login: LoginResult | None,
    requirement: Requirement,
    levels: Mapping[str, LevelOfAssurance],
    *,
    default_service: str | None = None,
) -> Decision:
    """Apply the rules in the module docstring. ``levels`` maps each configured service to its level now."""
    target = login_service_for(requirement, levels, default_service)
    need = needed_level(requirement, levels)
    if login is None:
        return Decision(Verdict.ANONYMOUS, target, need)
    allowed: Iterable[str] = requirement.services or levels.keys()
    if login.service not in allowed or login.service not in levels:
        return Decision(Verdict.WRONG_SERVICE, target, need)
    counts_at = min(login.loa_required, login.loa)
    if counts_at < levels[login.service] or counts_at < need:
        return Decision(Verdict.LEVEL_TOO_LOW, target, need)
    return Decision(Verdict.OK, target, need)
