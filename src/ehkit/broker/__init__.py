"""An eHerkenning network in a box: a broker (HM) simulator with AD and MR behind it.

DVs wait weeks for a broker's pre-production environment; this one speaks the
real DV-HM SAML profile (signed metadata, AuthnRequest over Redirect/POST/
Artifact, Response with Advice assertions and encrypted identifiers, artifact
resolution over SOAP) and adds test data, scenarios and a JSON API.

    from ehkit.broker import BrokerSettings, create_app
    app = create_app(BrokerSettings(base_url="http://127.0.0.1:8801", config_files=[Path("ehkit.toml")]))

See docs/broker.md.
"""

from ehkit.broker.app import build_broker, create_app
from ehkit.broker.settings import DEFAULT_HM_ENTITY_ID, BrokerSettings

__all__ = ["DEFAULT_HM_ENTITY_ID", "BrokerSettings", "build_broker", "create_app"]
