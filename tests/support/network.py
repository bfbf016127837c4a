"""A test eHerkenning network: CA, DV, HM and other parties, and an SP wired to it.

Keys are made once per test session (RSA key generation is the slow part).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cached_property
from typing import Any

from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType
from ehkit.pki import KeyPair, TestCA
from ehkit.saml import constants as c
from ehkit.saml.metadata import Endpoint, IdpMetadata
from ehkit.sp.provider import ServiceProvider
from ehkit.sp.settings import DecryptionKeyPair, ServiceSettings, SigningKey, SpSettings

DV_OIN = "00000008888888880000"
HM_OIN = "00000009876543210000"
OTHER_OIN = "00000007777777770000"
DV_ENTITY = f"urn:etoegang:DV:{DV_OIN}:entities:9009"
DV_EIDAS_ENTITY = f"urn:etoegang:DV:{DV_OIN}:entities:9010"
HM_ENTITY = f"urn:etoegang:HM:{HM_OIN}:entities:9001"
MR_ENTITY = f"urn:etoegang:MR:{OTHER_OIN}:entities:9002"
ACS_URL = "https://dv.ehkit.test/eherkenning/acs"
POST_ACS_URL = "https://dv.ehkit.test/eherkenning/acs-post"
SSO_URL = "https://hm.ehkit.test/broker/sso/1.13"
ARS_URL = "https://hm.ehkit.test/broker/ars/1.13"

SERVICE_KEY = "vergunning"
SERVICE_INDEX = 1
SERVICE_ID = f"urn:etoegang:DV:{DV_OIN}:services:{SERVICE_INDEX}"
SERVICE_UUID = "3c1f1d6e-7c55-4f55-9d59-0f3b8e1a0a11"
SERVICE_INSTANCE_UUID = "3c1f1d6e-7c55-4f55-9d59-0f3b8e1a0a12"
OTHER_SERVICE_ID = f"urn:etoegang:DV:{DV_OIN}:services:2"
OTHER_SERVICE_UUID = "3c1f1d6e-7c55-4f55-9d59-0f3b8e1a0a21"


_SHARED: Network | None = None


@dataclass
class Network:
    ca: TestCA
    dv: KeyPair
    hm: KeyPair
    other: KeyPair  # another reader of encrypted identifiers (multi-recipient)
    attacker: KeyPair  # valid chain, but not in the broker metadata
    hm_next: KeyPair  # the broker's next certificate (rollover)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def shared(cls) -> Network:
        """One network per test session, shared by tests/sp and tests/saml."""
        global _SHARED
        if _SHARED is None:
            _SHARED = cls.create()
        return _SHARED

    @classmethod
    def create(cls) -> Network:
        ca = TestCA.create()
        return cls(
            ca=ca,
            dv=ca.issue(DV_OIN, "DV"),
            hm=ca.issue(HM_OIN, "HM"),
            other=ca.issue(OTHER_OIN, "MR"),
            attacker=ca.issue(OTHER_OIN, "AD"),
            hm_next=ca.issue(HM_OIN, "HM"),
        )

    def services(self) -> tuple[ServiceSettings, ...]:
        return (
            ServiceSettings(
                key=SERVICE_KEY,
                index=SERVICE_INDEX,
                service_id=SERVICE_ID,
                uuids=frozenset({SERVICE_UUID, SERVICE_INSTANCE_UUID}),
                loa=LevelOfAssurance.EH3,
                identifier_types=frozenset({IdentifierType.KVK, IdentifierType.RSIN}),
            ),
            ServiceSettings(
                key="melding",
                index=2,
                service_id=OTHER_SERVICE_ID,
                uuids=frozenset({OTHER_SERVICE_UUID}),
                loa=LevelOfAssurance.EH2_PLUS,
                identifier_types=frozenset({IdentifierType.KVK}),
            ),
            ServiceSettings(
                key="eidas",
                index=3,
                service_id=f"urn:etoegang:DV:{DV_OIN}:services:3",
                uuids=frozenset({"3c1f1d6e-7c55-4f55-9d59-0f3b8e1a0a31"}),
                loa=LevelOfAssurance.EH3,
                identifier_types=frozenset({IdentifierType.PSEUDO, IdentifierType.EIDAS_LEGAL}),
                entity_id=DV_EIDAS_ENTITY,
            ),
        )

    def settings(self, **overrides: Any) -> SpSettings:
        base = SpSettings(
            entity_id=DV_ENTITY,
            acs_url=ACS_URL,
            post_acs_url=POST_ACS_URL,
            broker_entity_id=HM_ENTITY,
            services=self.services(),
            signing_key=SigningKey(self.dv.private_key, self.dv.certificate),
            decryption_keys=(DecryptionKeyPair(self.dv.private_key, self.dv.certificate),),
            audit_key=b"k" * 32,
        )
        return replace(base, **overrides)

    def idp_metadata(self, *signers: KeyPair) -> IdpMetadata:
        certs = tuple(k.certificate for k in (signers or (self.hm,)))
        return IdpMetadata(
            entity_id=HM_ENTITY,
            sso=(
                Endpoint(c.BINDING_REDIRECT, SSO_URL),
                Endpoint(c.BINDING_POST, SSO_URL),
                Endpoint(c.BINDING_ARTIFACT, SSO_URL),
            ),
            artifact_resolution=(Endpoint(c.BINDING_SOAP, ARS_URL, 0, True),),
            slo=(),
            signing_certificates=certs,
            encryption_certificates=certs,
            key_names=tuple(k.key_name for k in (signers or (self.hm,))),
            want_authn_requests_signed=True,
            valid_until=None,
            cache_duration=None,
            interface_version="1.13",
            signed=True,
        )

    def sp(
        self,
        *,
        store: Any = "memory://",
        metadata: IdpMetadata | None = None,
        artifact_client: Any = None,
        **overrides: Any,
    ) -> ServiceProvider:
        return ServiceProvider(
            self.settings(**overrides),
            metadata=metadata or self.idp_metadata(),
            store=store,
            artifact_client=artifact_client,
        )

    @cached_property
    def skew(self) -> timedelta:
        return timedelta(minutes=2)
