"""Settings of one simulator instance: who it is, where it listens, what it knows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ehkit.broker.data import TestData
    from ehkit.broker.dv_registry import RegisteredDv
    from ehkit.broker.keys import BrokerKeys
    from ehkit.broker.oidc_clients import OidcClient
    from ehkit.config import EhkitConfig

#: Matches ``ehkit.config.example.EXAMPLE_BROKER_ENTITY_ID``, so the example ehkit.toml points here.
DEFAULT_HM_ENTITY_ID = "urn:etoegang:HM:00000009876543210000:entities:9001"
INTERFACE_VERSION = "1.13"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class BrokerSettings:
    """Everything :func:`ehkit.broker.create_app` needs.

    DVs come from any mix of SP metadata + catalogue sources (paths or URLs),
    ``ehkit.toml`` files, already-loaded configurations, or ready
    :class:`RegisteredDv` objects (tests, the demo).
    """

    base_url: str = "http://127.0.0.1:8801"
    hm_entity_id: str = DEFAULT_HM_ENTITY_ID
    hm_name: str = "ehkit Broker Simulator"
    data_file: Path | None = None
    data: TestData | None = None
    dv_metadata: list[str] = field(default_factory=list)
    dv_catalogues: list[str] = field(default_factory=list)
    config_files: list[Path] = field(default_factory=list)
    configs: list[EhkitConfig] = field(default_factory=list)
    dvs: list[RegisteredDv] = field(default_factory=list)
    #: OpenID Connect clients: ``[[clients]]`` files (DVs from --config register their own).
    oidc_client_files: list[Path] = field(default_factory=list)
    oidc_clients: list[OidcClient] = field(default_factory=list)
    state_dir: Path | None = None
    keys: BrokerKeys | None = None
    #: Seconds an artifact stays resolvable (it is resolvable once).
    artifact_ttl: float = 300.0
    #: Lifetime of the HM assertion's Conditions and SubjectConfirmationData.
    assertion_lifetime: float = 120.0
    #: How old (or how far in the future) an AuthnRequest's IssueInstant may be.
    request_max_age: float = 300.0
    #: Longest RelayState accepted (bytes); None accepts any length. The conformance suite sets None
    #: and reports a longer RelayState itself, so that one fault does not stop every other check.
    relay_state_limit: int | None = 80
    #: The "slow artifact resolution" scenario waits this long before answering.
    slow_resolution_seconds: float = 15.0
    #: Check the DV's TLS client certificate at the artifact resolution service.
    #: "auto": when a client certificate is presented (TLS or proxy header), it must be the DV's.
    #: "require": a client certificate must be presented. "off": never look.
    client_cert_policy: str = "auto"
    #: Header a TLS-terminating proxy puts the client certificate in (URL-encoded PEM, as nginx
    #: ``$ssl_client_escaped_cert``). Only set this behind a proxy that strips it from clients.
    client_cert_header: str | None = None
    #: Let the browser pages show the "test options" panel (scenario, response binding).
    show_test_options: bool = True
    clock: Callable[[], datetime] = _utcnow
    #: Dutch first; English via ?lang=en.
    default_lang: str = "nl"

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if self.client_cert_policy not in ("auto", "require", "off"):
            raise ValueError("client_cert_policy must be auto, require or off")

    # -- versioned endpoint URLs (one URL per interface version, as the AS asks) --

    @property
    def sso_path(self) -> str:
        return f"/broker/sso/{INTERFACE_VERSION}"

    @property
    def ars_path(self) -> str:
        return f"/broker/ars/{INTERFACE_VERSION}"

    @property
    def slo_path(self) -> str:
        return f"/broker/slo/{INTERFACE_VERSION}"

    @property
    def slo_url(self) -> str:
        return self.base_url + self.slo_path

    @property
    def metadata_path(self) -> str:
        return f"/broker/metadata/{INTERFACE_VERSION}"

    @property
    def sso_url(self) -> str:
        return self.base_url + self.sso_path

    @property
    def ars_url(self) -> str:
        return self.base_url + self.ars_path

    @property
    def metadata_url(self) -> str:
        return self.base_url + self.metadata_path

    @property
    def oidc_issuer(self) -> str:
        """The OpenID provider's issuer; discovery at ``<issuer>/.well-known/openid-configuration``."""
        return self.base_url + "/oidc"
