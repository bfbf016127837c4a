"""The smaller ``ehkit.toml`` tables: ``[dv]``, ``[broker]``, ``[state]``, ``[catalogue]``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ehkit.config.oidc import OidcConfig
from ehkit.config.types import (
    ConfigPath,
    DisplayName,
    EntityIdField,
    HttpsUrl,
    LaterPath,
    OinField,
    Slug,
    check_url,
)
from ehkit.domain.identifiers import EntityID


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: Fields whose default is derived from another field (field path -> the field it comes from).
#: When the source is missing or wrong the default cannot be derived, and pydantic then calls
#: the derived field "missing" too: a second, wrong hint for a field the user never has to write.
DERIVED_FIELDS: dict[str, str] = {
    "dv.entity_id": "dv.oin",
    "broker.oin": "broker.entity_id",
}


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ContactConfig(_Section):
    """The administrative contact brokers want in SP metadata (KPN, open-forms #4785)."""

    company: str = Field(min_length=1, max_length=256)
    email: str
    telephone: str | None = None
    given_name: str | None = None
    surname: str | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value.startswith("mailto:"):
            value = value[len("mailto:") :]
        if not _EMAIL_RE.match(value):
            raise ValueError(f'{value!r} is not an e-mail address (write e.g. "eherkenning@example.nl")')
        return value


class DvConfig(_Section):
    """The service provider (dienstverlener) itself."""

    oin: OinField
    entity_index: int = Field(default=0, ge=0, le=9999)
    entity_id: EntityIdField
    name_nl: DisplayName
    name_en: DisplayName
    is_public: bool
    acs_url: HttpsUrl
    post_acs_url: HttpsUrl | None = None
    #: The DV's SingleLogoutService (Redirect and POST), needed when a service has sso_support.
    slo_url: HttpsUrl | None = None
    organization_url: HttpsUrl | None = None
    contact: ContactConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_entity_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and "entity_id" not in data and isinstance(data.get("oin"), str):
            data = dict(data)
            index = data.get("entity_index", 0)
            data["entity_id"] = f"urn:etoegang:DV:{data['oin']}:entities:{index}"
        return data

    @property
    def display_names(self) -> dict[str, str]:
        return {"nl": self.name_nl, "en": self.name_en}


class TimeoutConfig(_Section):
    """Seconds; the artifact resolution call blocks the user's login, so keep it short."""

    connect: float = Field(default=5.0, gt=0, le=120)
    read: float = Field(default=10.0, gt=0, le=300)


class BrokerConfig(_Section):
    """The herkenningsmakelaar (HM) the DV is connected to, and how its metadata is trusted."""

    entity_id: EntityIdField
    oin: OinField
    metadata_file: LaterPath | None = None
    metadata_url: str | None = None
    pinned_certs: list[ConfigPath] = Field(default_factory=list)
    ca_certs: list[ConfigPath] = Field(default_factory=list)
    expected_oin: OinField | None = None
    metadata_refresh: int = Field(default=86400, ge=60, le=7 * 86400)
    artifact_resolution_timeout: TimeoutConfig = Field(default_factory=TimeoutConfig)
    # Seconds for a whole exchange with the broker, from connecting to the last byte of the
    # answer (artifact resolution, the metadata download). The per-operation timeouts above
    # do not bound a broker that answers a byte at a time; this does.
    exchange_deadline: float = Field(default=10.0, gt=0, le=120)
    tls_ca: ConfigPath | None = None
    # Identifiers must arrive encrypted for the DV (end-to-end). Only a broker contract with
    # "decrypt at broker" needs false.
    require_encrypted_identifiers: bool = True
    #: How services log in unless they say otherwise: the SAML interface, or the broker's OIDC front.
    protocol: Literal["saml", "oidc"] = "saml"
    oidc: OidcConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "oin" not in data and EntityID.is_valid(data.get("entity_id")):
            data["oin"] = str(EntityID(data["entity_id"]).oin)
        timeout = data.get("artifact_resolution_timeout")
        if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
            data["artifact_resolution_timeout"] = {"connect": timeout, "read": timeout}
        return data

    @field_validator("entity_id")
    @classmethod
    def _hm_role(cls, value: EntityID) -> EntityID:
        if value.role != "HM":
            raise ValueError(
                f"{value} has role {value.role}, the broker's EntityID has role HM "
                "(copy the entityID from the broker's metadata: urn:etoegang:HM:<oin>:entities:<n>)"
            )
        return value

    @field_validator("metadata_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value, max_length=None)

    @property
    def trust_mode(self) -> Literal["pinned", "ca"]:
        return "pinned" if self.pinned_certs else "ca"

    @property
    def effective_expected_oin(self) -> str:
        """The OIN the metadata signing certificate must carry (CA mode); the HM's own by default."""
        return str(self.expected_oin or self.oin)


_STORE_SCHEMES = ("memory", "sqlite", "redis", "rediss")


class StateConfig(_Section):
    """Where pending AuthnRequests and seen assertion IDs are kept."""

    store: str = "memory://"
    pending_ttl: int = Field(default=900, ge=60, le=86400)
    clock_skew: int = Field(default=120, ge=0, le=600)
    relay_state_secret: SecretStr | None = None

    _sqlite_path: Path | None = PrivateAttr(default=None)

    @field_validator("store")
    @classmethod
    def _store(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in _STORE_SCHEMES:
            raise ValueError(
                f"{value!r} has an unknown scheme (use memory://, sqlite:///path/to/state.db or redis://host:6379/0)"
            )
        if parts.scheme == "sqlite" and not value.startswith("sqlite:///"):
            raise ValueError(f"{value!r} has no path (write sqlite:///state.db or sqlite:////absolute/state.db)")
        if parts.scheme == "sqlite" and value.rstrip("/") == "sqlite:":
            raise ValueError("the sqlite store needs a file name (write sqlite:///state.db)")
        if parts.scheme.startswith("redis") and not parts.hostname:
            raise ValueError(f"{value!r} has no host (write redis://host:6379/0)")
        return value

    @field_validator("relay_state_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(
                "is shorter than 32 characters (use a long random value, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))', or leave it out "
                "to derive one from the signing key)"
            )
        return value

    @model_validator(mode="after")
    def _resolve_sqlite(self, info: ValidationInfo) -> StateConfig:
        if self.store.startswith("sqlite:///"):
            raw = Path(self.store[len("sqlite:///") :])
            base = info.context.get("base_dir") if isinstance(info.context, dict) else None
            if not raw.is_absolute() and base is not None:
                raw = Path(base) / raw
            self._sqlite_path = raw
        return self

    @property
    def kind(self) -> Literal["memory", "sqlite", "redis"]:
        scheme = urlsplit(self.store).scheme
        return "redis" if scheme.startswith("redis") else scheme  # type: ignore[return-value]

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, relative paths resolved against the config file's directory."""
        return self._sqlite_path


class CatalogueConfig(_Section):
    """How the catalogue's ``Version`` is written."""

    version_style: Literal["afsprakenstelsel", "sequence"] = "afsprakenstelsel"
    environment: Literal["T", "P"] = "T"
    sequence: int = Field(default=1, ge=1)
    scheme_version: str = Field(default="1.13", pattern=r"^\d+\.\d+$")

    def version_urn(self, *, style: str | None = None, sequence: int | None = None) -> str:
        """``urn:etoegang:1.13:service-catalogue:T:1`` (AS) or ``urn:etoegang:1.13:1`` (seen in practice)."""
        chosen = style or self.version_style
        seq = self.sequence if sequence is None else sequence
        if chosen == "sequence":
            return f"urn:etoegang:{self.scheme_version}:{seq}"
        if chosen != "afsprakenstelsel":
            raise ValueError(f"unknown version style {chosen!r} (use afsprakenstelsel or sequence)")
        return f"urn:etoegang:{self.scheme_version}:service-catalogue:{self.environment}:{seq}"


class MetadataGroupConfig(_Section):
    """A named group of services published as one SP metadata EntityDescriptor."""

    name: Slug
    entity_id: EntityIdField | None = None
