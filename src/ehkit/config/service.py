"""One eHerkenning service (``[[services]]``): what the catalogue registers and the SP requests.

A service fixes its level of assurance, the identifiers it accepts and the
attributes it asks for; the broker enforces all three from the catalogue, so
they live here once instead of being repeated in code.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from ehkit.config.oidc import check_authorize_params
from ehkit.config.types import Description, DisplayName, HttpsUrl, IdentifierUrn, LoaField, Slug
from ehkit.domain.identifiers import ServiceID
from ehkit.domain.urns import ATTRIBUTES, IdentifierType, identifier_type, is_identifying

# Namespace for ServiceInstance UUIDs derived from a ServiceDefinition UUID, so
# the instance UUID stays the same every time the catalogue is built.
INSTANCE_UUID_NAMESPACE = uuid.UUID("6f7c1d2e-8a4b-5c3d-9e0f-1a2b3c4d5e6f")

Intermediation = Literal["noIntermediation", "generalAvailable", "serviceProviderOnly", "requiresApproval"]

EIDAS_IDENTIFIERS = frozenset({IdentifierType.PSEUDO, IdentifierType.PSEUDO_ID, IdentifierType.EIDAS_LEGAL})


def derived_instance_uuid(service_uuid: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(INSTANCE_UUID_NAMESPACE, str(service_uuid))


class AttributeRequest(BaseModel):
    """An attribute the service asks for, with the purpose shown to the user."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urn: str
    required: bool = False
    purpose_nl: Description
    purpose_en: Description

    @field_validator("urn")
    @classmethod
    def _urn(cls, value: str) -> str:
        if is_identifying(value):
            raise ValueError(
                f"{value} identifies a party and may never be requested as an attribute; brokers "
                "reject such a catalogue (remove it: identifiers come from identifier_sets)"
            )
        if not value.startswith("urn:etoegang:"):
            known = ", ".join(sorted(ATTRIBUTES)[:3])
            raise ValueError(
                f"{value!r} is not an eHerkenning attribute URN (write a urn:etoegang:... name, e.g. {known})"
            )
        return value

    @property
    def known(self) -> bool:
        return self.urn in ATTRIBUTES


class ServiceConfig(BaseModel):
    """A ``[[services]]`` entry. Defaults that depend on other fields are filled before validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Slug
    index: int = Field(ge=1, le=9999)
    uuid: UUID  # the field shadows the module inside the class body, hence the bare name
    instance_uuid: UUID
    name_nl: DisplayName
    name_en: DisplayName
    description_nl: Description
    description_en: Description
    description_url: HttpsUrl | None = None
    loa: LoaField
    identifier_sets: list[list[IdentifierUrn]] = Field(min_length=1)
    acting_subject_types: list[IdentifierUrn] = Field(default_factory=list)
    vestiging_restriction: bool = False
    attributes: list[AttributeRequest] = Field(default_factory=list)
    service_url_nl: HttpsUrl | None = None
    service_url_en: HttpsUrl | None = None
    privacy_url_nl: HttpsUrl | None = None
    privacy_url_en: HttpsUrl | None = None
    eidas: bool = False
    intermediation: Intermediation = "noIntermediation"
    sso_support: bool = False
    is_public: bool
    is_portal: bool | None = None
    bsnk_structure_version: int | None = Field(default=None, ge=0)
    bsnk_recipient_key_set_version: int | None = Field(default=None, ge=0)
    metadata_group: Slug
    #: "saml" or "oidc"; without it the service uses ``[broker] protocol``.
    protocol: Literal["saml", "oidc"] | None = None
    #: The client id at the OIDC front when this service has its own (else ``[broker.oidc] client_id``).
    oidc_client_id: str | None = Field(default=None, min_length=1, max_length=255)
    #: Authorize parameters for this service only (e.g. its own ``kc_idp_hint``).
    oidc_authorize_params: dict[str, str] = Field(default_factory=dict)

    _service_id: ServiceID | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        eidas = data.get("eidas") is True
        if "identifier_sets" not in data:
            data["identifier_sets"] = [["Pseudo"]] if eidas else [["KvKnr"]]
        if "metadata_group" not in data:
            data["metadata_group"] = "eidas" if eidas else "eherkenning"
        if "instance_uuid" not in data and "uuid" in data:
            # An invalid uuid gets its own error from the uuid field; no default then.
            with contextlib.suppress(ValueError):
                data["instance_uuid"] = str(derived_instance_uuid(uuid.UUID(str(data["uuid"]))))
        return data

    @field_validator("identifier_sets")
    @classmethod
    def _sets(cls, value: list[list[str]]) -> list[list[str]]:
        for number, entries in enumerate(value, start=1):
            if not entries:
                raise ValueError(f'set {number} is empty (list at least one identifier type, e.g. ["KvKnr"])')
            types = [identifier_type(urn) for urn in entries]
            if len(set(types)) != len(types):
                raise ValueError(f"set {number} names the same identifier type twice (remove the duplicate)")
        if len({tuple(sorted(s)) for s in value}) != len(value):
            raise ValueError("two identifier sets are the same (remove the duplicate set)")
        return value

    @field_validator("oidc_authorize_params")
    @classmethod
    def _oidc_params(cls, value: dict[str, str]) -> dict[str, str]:
        return check_authorize_params(value)

    # -- derived values -----------------------------------------------------

    @property
    def service_id(self) -> ServiceID:
        """``urn:etoegang:DV:<oin>:services:<index>``; bound when the whole config validates."""
        if self._service_id is None:
            raise RuntimeError("ServiceConfig.service_id is only known inside a validated EhkitConfig")
        return self._service_id

    @property
    def identifier_types(self) -> frozenset[IdentifierType]:
        found = {identifier_type(urn) for entries in self.identifier_sets for urn in entries}
        return frozenset(t for t in found if t is not None)

    @property
    def uses_bsnk(self) -> bool:
        """BSN and the BSNk PseudoID are polymorphic: the catalogue then needs the BSNk versions."""
        return any(t.requires_loa3 for t in self.identifier_types)

    @property
    def requested_attribute_urns(self) -> tuple[str, ...]:
        return tuple(a.urn for a in self.attributes)

    @property
    def names(self) -> dict[str, str]:
        return {"nl": self.name_nl, "en": self.name_en}

    @property
    def descriptions(self) -> dict[str, str]:
        return {"nl": self.description_nl, "en": self.description_en}

    @property
    def service_urls(self) -> dict[str, str]:
        return {k: v for k, v in (("nl", self.service_url_nl), ("en", self.service_url_en)) if v}

    @property
    def privacy_urls(self) -> dict[str, str]:
        return {k: v for k, v in (("nl", self.privacy_url_nl), ("en", self.privacy_url_en)) if v}
