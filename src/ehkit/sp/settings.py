"""Plain settings for the SP core, so it can be built and tested without a TOML file.

:meth:`ehkit.sp.provider.ServiceProvider.from_config` fills these from
``ehkit.toml``; tests and integrators with their own configuration system
build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from ehkit.domain.identifiers import EntityID, ServiceID
from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType
from ehkit.errors import ConfigError
from ehkit.pki.keynames import key_name_sha256, key_names

RequestBinding = Literal["redirect", "post"]
ResponseBinding = Literal["artifact", "post"]


@dataclass(frozen=True)
class ServiceSettings:
    """One service as the SP needs it.

    ``uuids`` holds the ServiceDefinition and ServiceInstance UUIDs: sources
    disagree on which one a broker puts in ``urn:etoegang:core:ServiceUUID``,
    and both belong to this service alone, so either is accepted.
    ``identifier_types`` empty means "any known type". ``entity_id`` is the
    DV EntityID the service is published under when it is not the main one
    (a separate metadata group, e.g. eIDAS): it is then the Issuer of the
    request, the Audience of the assertion and the Recipient of its
    encrypted identifiers.
    """

    key: str
    index: int
    service_id: str
    uuids: frozenset[str]
    loa: LevelOfAssurance
    identifier_types: frozenset[IdentifierType] = frozenset()
    send_requested_authn_context: bool = False
    entity_id: str | None = None
    #: The ServiceDefinition UUID, when known: an OIDC login without a ServiceUUID claim reports it.
    definition_uuid: str | None = None
    #: "saml" or "oidc" (the broker's OpenID Connect front, see ehkit.sp.oidc_login).
    protocol: str = "saml"
    #: OIDC: this service's own client id, and its own authorize parameters.
    oidc_client_id: str | None = None
    oidc_params: tuple[tuple[str, str], ...] = ()
    #: The catalogue's SSOSupport: the AuthnRequest then says ForceAuthn="false" and a login may
    #: reuse the user's AD session (at most AD_SESSION_MAX old). Never at EH4.
    sso_support: bool = False

    @property
    def sso(self) -> bool:
        """SSO applies to this service: SSOSupport below EH4."""
        from ehkit.domain.sso import sso_allowed

        return sso_allowed(self.sso_support, self.loa)

    def __post_init__(self) -> None:
        sid = ServiceID(self.service_id)
        if sid.index != self.index:
            raise ConfigError(
                f"service {self.key!r}: ServiceID {self.service_id} does not end in its index {self.index}",
                reason="config_invalid",
            )
        object.__setattr__(self, "uuids", frozenset(u.lower() for u in self.uuids))
        if self.definition_uuid is not None:
            object.__setattr__(self, "definition_uuid", self.definition_uuid.lower())
        if self.entity_id is not None:
            EntityID(self.entity_id)


@dataclass(frozen=True)
class SigningKey:
    """The DV's key for signing AuthnRequests and ArtifactResolves."""

    private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate

    @property
    def key_name(self) -> str:
        return key_name_sha256(self.certificate)


@dataclass(frozen=True)
class DecryptionKeyPair:
    """A key identifiers may be encrypted to (two during a certificate rollover)."""

    private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate

    @property
    def key_names(self) -> frozenset[str]:
        return key_names(self.certificate)


@dataclass(frozen=True)
class SpSettings:
    """Everything the SP core needs besides the broker metadata and the store."""

    entity_id: str
    acs_url: str
    broker_entity_id: str
    services: tuple[ServiceSettings, ...]
    signing_key: SigningKey
    decryption_keys: tuple[DecryptionKeyPair, ...]
    post_acs_url: str | None = None
    request_binding: RequestBinding = "redirect"
    response_binding: ResponseBinding = "artifact"
    pending_ttl: timedelta = timedelta(minutes=15)
    clock_skew: timedelta = timedelta(minutes=2)
    max_message_age: timedelta = timedelta(minutes=5)
    require_response_signature: bool = False
    validate_identifier_formats: bool = True
    # End-to-end encryption: the MR encrypts identifiers for the DV so the broker cannot
    # read them. Turn off only for a broker contract with "decrypt at broker".
    require_encrypted_identifiers: bool = True
    check_certificate_validity: bool = True
    max_encrypted_ids: int = 10
    allowed_data_algorithms: tuple[str, ...] = ("aes256-cbc", "aes128-gcm", "aes256-gcm")
    audit_key: bytes | None = field(default=None, repr=False)
    provider_name: str | None = None
    #: The DV's SingleLogoutService (Redirect and POST): where the broker sends its LogoutResponse
    #: and its own LogoutRequests. None: no single logout (see docs/logout.md).
    slo_url: str | None = None
    #: How long a started logout waits for the broker's LogoutResponse.
    logout_ttl: timedelta = timedelta(minutes=10)

    def __post_init__(self) -> None:
        EntityID(self.entity_id)
        EntityID(self.broker_entity_id)
        if not self.services:
            raise ConfigError("at least one service is needed", reason="config_invalid")
        keys = [s.key for s in self.services]
        if len(set(keys)) != len(keys) or len({s.index for s in self.services}) != len(keys):
            raise ConfigError("service keys and indexes must be unique", reason="config_invalid")
        if not self.decryption_keys:
            raise ConfigError("at least one decryption key is needed", reason="config_invalid")
        if self.response_binding == "post" and not self.post_acs_url:
            raise ConfigError("the POST response binding needs post_acs_url", reason="config_invalid")

    def service(self, key: str) -> ServiceSettings:
        for s in self.services:
            if s.key == key:
                return s
        known = ", ".join(s.key for s in self.services)
        raise ConfigError(f"no service with key {key!r} (known: {known})", reason="unknown_service")

    def entity_id_for(self, service: ServiceSettings) -> str:
        return service.entity_id or self.entity_id

    def acs_for(self, binding: ResponseBinding) -> str:
        if binding == "post":
            if not self.post_acs_url:
                raise ConfigError("no post_acs_url is configured", reason="config_invalid")
            return self.post_acs_url
        return self.acs_url
