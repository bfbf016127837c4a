"""``[broker.oidc]``: the broker's OpenID Connect front, for services that log in over OIDC.

A service uses OIDC when ``[broker] protocol = "oidc"`` (every service) or
when it says ``protocol = "oidc"`` itself; the others keep SAML. The claim
profile is a preset name or a table (``[broker.oidc.profile]``, optionally
``extends = "<preset>"``); it is validated here, at load time, so a wrong
claim path fails before the first login does.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from ehkit.config.types import ConfigPath, HttpsUrl, check_url
from ehkit.errors import ConfigError

__all__ = ["OidcConfig"]

Algorithm = Literal["RS256", "PS256", "ES256"]
AuthMethod = Literal["client_secret_basic", "private_key_jwt", "tls_client_auth"]
_ALGORITHMS: tuple[Algorithm, ...] = ("RS256", "PS256", "ES256")
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
#: Set by ehkit itself on every authorization request (see ehkit.oidc.authorize).
_PROTECTED = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "request",
        "request_uri",
        "response_mode",
    }
)


def check_authorize_params(value: dict[str, str]) -> dict[str, str]:
    clash = sorted(set(value) & _PROTECTED)
    if clash:
        raise ValueError(f"{', '.join(clash)} cannot be configured (ehkit sets them on every request; remove them)")
    for name, v in value.items():
        if not name or len(name) > 64 or not isinstance(v, str) or len(v) > 512:
            raise ValueError(
                f"{name!r} is not a usable authorize parameter (names up to 64, values up to 512 characters)"
            )
    return value


class OidcConfig(BaseModel):
    """The OpenID provider and this DV's client registration there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: HttpsUrl
    discovery_url: HttpsUrl | None = None
    client_id: str = Field(min_length=1, max_length=255)
    redirect_uri: HttpsUrl
    auth_method: AuthMethod = "client_secret_basic"
    client_secret_env: str | None = None
    client_secret_file: ConfigPath | None = None
    profile: str | dict[str, Any]
    scopes: list[str] = Field(default_factory=list)
    authorize_params: dict[str, str] = Field(default_factory=dict)
    userinfo: bool = False
    algorithms: list[Algorithm] = Field(default_factory=lambda: list(_ALGORITHMS), min_length=1)
    #: Seconds one exchange (token, keys, userinfo) may take in all.
    timeout: float = Field(default=10.0, gt=0, le=120)
    connect_timeout: float = Field(default=5.0, gt=0, le=60)
    discovery_cache: int = Field(default=86400, ge=60, le=7 * 86400)
    jwks_cache: int = Field(default=3600, ge=60, le=7 * 86400)
    max_token_age: int = Field(default=600, ge=30, le=3600)
    #: CA bundle for the provider's TLS certificate (the system store without it).
    tls_ca: ConfigPath | None = None

    _profile_model: Any = PrivateAttr(default=None)

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        if "?" in value or "#" in value:
            raise ValueError("an issuer has no query or fragment (copy it exactly from the discovery document)")
        return value

    @field_validator("client_secret_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_RE.match(value):
            raise ValueError(f"{value!r} is not an environment variable name (write e.g. EHKIT_OIDC_SECRET)")
        return value

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        for scope in value:
            if not scope or " " in scope or len(scope) > 128:
                raise ValueError(f'{scope!r} is not a scope (one word per entry, e.g. "eherkenning-extra")')
        return value

    @field_validator("authorize_params")
    @classmethod
    def _params(cls, value: dict[str, str]) -> dict[str, str]:
        return check_authorize_params(value)

    @field_validator("discovery_url")
    @classmethod
    def _discovery(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @model_validator(mode="after")
    def _secret_and_profile(self) -> OidcConfig:
        if self.auth_method == "client_secret_basic":
            if (self.client_secret_env is None) == (self.client_secret_file is None):
                raise ValueError(
                    "client_secret_basic needs exactly one of client_secret_env (the name of an environment "
                    "variable holding the secret) and client_secret_file (a file holding it)"
                )
        elif self.client_secret_env is not None or self.client_secret_file is not None:
            raise ValueError(
                f"{self.auth_method} uses the DV's key, not a client secret (remove client_secret_env/client_secret_file)"
            )
        from ehkit.oidc.profiles import load_profile, profile_from_table

        try:
            if isinstance(self.profile, str):
                self._profile_model = load_profile(self.profile)
            else:
                self._profile_model = profile_from_table(self.profile, where="broker.oidc.profile")
        except ConfigError as exc:
            raise ValueError(f"profile: {exc.message}") from None
        return self

    @property
    def claim_profile(self) -> Any:
        """The validated :class:`ehkit.oidc.profiles.ClaimProfile`."""
        return self._profile_model

    def read_secret(self) -> str:
        """The client secret, from the environment or the file; a ConfigError names the field."""
        if self.client_secret_env is not None:
            value = os.environ.get(self.client_secret_env)
            if not value:
                raise ConfigError(
                    f"broker.oidc.client_secret_env: the environment variable {self.client_secret_env} is not set "
                    "(set it to the client secret the broker gave you)",
                    reason="oidc_client_auth",
                )
            return value
        if self.client_secret_file is not None:
            try:
                value = Path(self.client_secret_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"broker.oidc.client_secret_file: cannot read {self.client_secret_file}: {exc.strerror or exc}",
                    reason="oidc_client_auth",
                ) from None
            if not value:
                raise ConfigError(
                    f"broker.oidc.client_secret_file: {self.client_secret_file} is empty", reason="oidc_client_auth"
                )
            return value
        raise ConfigError(f"broker.oidc: {self.auth_method} uses no client secret", reason="oidc_client_auth")
