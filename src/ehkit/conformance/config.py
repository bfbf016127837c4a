"""What a conformance run needs to know about the DV: nothing beyond its published documents and its URLs.

One file (TOML or YAML) holds all of it; the CLI flags cover the common case
(one login URL). Validation reports every wrong field at once, by its path::

    metadata = ["build/metadata-default.xml"]
    catalogue = "build/catalogue.xml"

    [[logins]]
    login_url = "https://dv.example/login/vergunning"
    success_url = "https://dv.example/dienst/vergunning"
    identity_url = "https://dv.example/dienst/vergunning"

    [simulator]
    base_url = "http://127.0.0.1:8801"
    state = ".ehkit-conformance"

    [attestations]
    no_iframe = true
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ehkit.broker import DEFAULT_HM_ENTITY_ID
from ehkit.catalogue import PROFILES
from ehkit.config.errors import DOCS_HINT, ConfigInvalidError, ConfigProblem, problems_from_pydantic
from ehkit.conformance.checks import ATTESTATIONS, CHECKS
from ehkit.domain.identifiers import EntityID
from ehkit.errors import ConfigError

__all__ = ["Attestations", "ConformanceConfig", "LoginTarget", "SimulatorConfig", "load_conformance_config"]

OWN_DOCS = "see docs/conformance.md"


def _http_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} {value!r} is not an http(s) URL (write e.g. https://dv.example/login)")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoginTarget(_Section):
    """A URL that starts a login for one service, and how to tell that it worked."""

    login_url: str
    #: Answers 2xx itself (not after a redirect) only in a logged-in session.
    success_url: str | None = None
    #: Appears on the page the DV lands on after its ACS only when the login worked.
    success_text: str | None = Field(default=None, min_length=1)
    #: Shows what the DV read (the KvK number, the vestiging); checked after positive logins.
    identity_url: str | None = None

    @field_validator("login_url", "success_url", "identity_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value, "the URL")

    @model_validator(mode="after")
    def _detector(self) -> LoginTarget:
        if self.success_url is None and self.success_text is None:
            raise ValueError(
                "give success_url (answers 2xx only when logged in) or success_text (shown only after a login)"
            )
        return self


class SimulatorConfig(_Section):
    """Where the in-process broker simulator listens and where it keeps its keys."""

    #: The simulator's external URL; its port is the one it binds. None: a free port on 127.0.0.1.
    base_url: str | None = None
    #: Interface to bind (default: the base URL's host when it is an address, else 127.0.0.1).
    listen: str | None = None
    #: Keys (and the TLS certificate) persist here, so a DV configured once keeps trusting the simulator.
    state: Path | None = None
    #: Serve HTTPS and ask the DV for its TLS client certificate at artifact resolution (ARS-MTLS).
    tls: bool = False
    #: Test data YAML (default: the packaged persons and companies).
    data: Path | None = None
    hm_entity_id: str = DEFAULT_HM_ENTITY_ID

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _http_url(value, "base_url")
        parts = urlsplit(value)
        if parts.path not in ("", "/") or parts.query:
            raise ValueError(f"base_url {value!r} must be scheme://host:port only, without a path")
        return value.rstrip("/")

    @field_validator("hm_entity_id")
    @classmethod
    def _hm(cls, value: str) -> str:
        if not EntityID.is_valid(value) or EntityID(value).role != "HM":
            raise ValueError(f"{value!r} is not an HM EntityID (urn:etoegang:HM:<OIN>:entities:<n>)")
        return value

    @model_validator(mode="after")
    def _scheme(self) -> SimulatorConfig:
        if self.base_url is not None and urlsplit(self.base_url).scheme == "https" and not self.tls:
            raise ValueError("base_url is https but tls is false; set tls = true or use an http:// base_url")
        return self


class Attestations(_Section):
    """What the DV states about things the suite cannot observe: true, false, or left out (open)."""

    no_iframe: bool | None = None
    logout_shown: bool | None = None
    error_pages: bool | None = None
    communication: bool | None = None

    def value(self, check_id: str) -> bool | None:
        for key, cid in ATTESTATIONS.items():
            if cid == check_id:
                value: bool | None = getattr(self, key)
                return value
        raise KeyError(check_id)


def _as_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()] if "," in value else [value]
    return value


class ConformanceConfig(_Section):
    """Everything a run needs. Paths are relative to the configuration file (or the working directory)."""

    #: SP metadata documents (files or URLs): one per EntityDescriptor the DV publishes.
    metadata: list[str] = Field(min_length=1)
    #: The service catalogue (file or URL).
    catalogue: str | None = None
    logins: list[LoginTarget] = Field(min_length=1)
    #: Broker profiles whose rules are mandatory (your broker). None: all profiles, as recommendations.
    profiles: list[str] | None = None
    #: Roots (and intermediates) the DV certificates must chain to, PEM files (CERT-CHAIN).
    trusted_ca: list[Path] = Field(default_factory=list)
    simulator: SimulatorConfig = Field(default_factory=SimulatorConfig)
    attestations: Attestations = Field(default_factory=Attestations)
    #: Check ids (or shell patterns such as REFUSE-*) to run only / to leave out.
    only: list[str] = Field(default_factory=list)
    skip: list[str] = Field(default_factory=list)
    #: Directory for report.html, report.json and report.junit.xml.
    out: Path | None = None
    #: Seconds to wait for each answer of the DV.
    timeout: float = Field(default=20.0, gt=0, le=300)
    #: CA certificate (PEM) for the DV's own HTTPS, when it is not in the system store (a test certificate).
    dv_ca: Path | None = None

    @field_validator("metadata", "only", "skip", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("trusted_ca", mode="before")
    @classmethod
    def _path_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, (str, Path)) else value

    @field_validator("profiles")
    @classmethod
    def _profiles(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [p for p in value if p not in PROFILES]
        if unknown:
            raise ValueError(f"unknown broker profile {', '.join(unknown)} (use one of {', '.join(PROFILES)})")
        return value

    @field_validator("only", "skip")
    @classmethod
    def _check_ids(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not any(fnmatch.fnmatchcase(cid, pattern.upper()) for cid in CHECKS):
                raise ValueError(
                    f"{pattern!r} names no check (ids look like LOGIN-SUCCESS, REFUSE-*, META-XSD; "
                    "`ehkit conformance checks` lists them)"
                )
        return [p.upper() for p in value]

    def selected(self, check_id: str) -> bool:
        if self.only and not any(fnmatch.fnmatchcase(check_id, p) for p in self.only):
            return False
        return not any(fnmatch.fnmatchcase(check_id, p) for p in self.skip)

    def resolved(self, base_dir: Path) -> ConformanceConfig:
        """Relative paths made absolute against ``base_dir`` (URLs stay as they are)."""

        def path(p: Path | None) -> Path | None:
            return None if p is None else (p if p.is_absolute() else base_dir / p)

        def source(s: str | None) -> str | None:
            if s is None or s.startswith(("http://", "https://")):
                return s
            return str(path(Path(s).expanduser()))

        simulator = self.simulator.model_copy(
            update={"state": path(self.simulator.state), "data": path(self.simulator.data)}
        )
        return self.model_copy(
            update={
                "metadata": [source(m) for m in self.metadata],
                "catalogue": source(self.catalogue),
                "trusted_ca": [path(p) for p in self.trusted_ca],
                "out": path(self.out),
                "dv_ca": path(self.dv_ca),
                "simulator": simulator,
            }
        )

    @classmethod
    def from_data(cls, data: Any, *, source: str = "the conformance configuration") -> ConformanceConfig:
        """Validate ``data`` (a mapping), raising ConfigInvalidError that names every wrong field."""
        if not isinstance(data, dict):
            raise ConfigInvalidError(
                [ConfigProblem("", "the file must hold a table / mapping at the top")], source=source
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = [
                ConfigProblem(p.path, p.message.replace(DOCS_HINT, OWN_DOCS))
                for p in problems_from_pydantic(exc.errors())
            ]
            raise ConfigInvalidError(problems, source=source) from None


def read_config_file(path: Path) -> dict[str, Any]:
    """The raw mapping of a TOML (``.toml``) or YAML (``.yaml``/``.yml``) file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}", reason="config_not_found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc}", reason="config_unreadable") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text)
            data = {} if data is None else data
        else:
            data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        kind = "YAML" if path.suffix.lower() in (".yaml", ".yml") else "TOML"
        raise ConfigError(f"{path} is not valid {kind}: {exc}", reason="config_unreadable") from None
    if not isinstance(data, dict):
        raise ConfigInvalidError(
            [ConfigProblem("", f"the file must hold a mapping of settings at the top, not a {type(data).__name__}")],
            source=str(path),
        )
    return data


def load_conformance_config(path: str | Path, **overrides: Any) -> ConformanceConfig:
    """Read, merge ``overrides`` (non-None values win, as CLI flags do) and validate one configuration file."""
    file = Path(path)
    data = read_config_file(file)
    data.update({k: v for k, v in overrides.items() if v is not None})
    return ConformanceConfig.from_data(data, source=str(file)).resolved(file.resolve().parent)
