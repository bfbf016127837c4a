"""The demo's working folder: test PKI, broker keys and an ``ehkit.toml``.

Created on the first run and reused afterwards, so a DV-side developer can
open the files, change the configuration and run again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ehkit.util.files import atomic_write

#: The portal's ACS path: where ``ehkit.integrations.starlette`` mounted at /eherkenning has it,
#: as in the README's integration example.
ACS_PATH = "/eherkenning/acs/"
#: The portal's OpenID Connect callback (``broker.oidc.redirect_uri``), from the same mount.
CALLBACK_PATH = "/eherkenning/oidc/callback/"
#: The portal's SingleLogoutService (docs/logout.md), from the same mount.
SLO_PATH = "/eherkenning/slo/"

DEMO_OIN = "00000001234567890000"
PORTAL_PORT = 8800
BROKER_PORT = 8801


@dataclass(frozen=True)
class DemoPaths:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "ehkit.toml"

    @property
    def broker_state(self) -> Path:
        return self.root / "broker-state"

    @property
    def broker_cert(self) -> Path:
        return self.broker_state / "keys" / "hm.crt"


def _portal_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def broker_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def prepare(
    root: Path, *, host: str = "127.0.0.1", portal_port: int = PORTAL_PORT, broker_port: int = BROKER_PORT
) -> DemoPaths:
    """Create (or refresh the URLs in) the demo folder and return its paths.

    The ports are written into the configuration each time, so running the
    demo on other ports keeps working with the same keys and UUIDs.
    """
    from ehkit.broker.app import build_broker
    from ehkit.broker.settings import BrokerSettings
    from ehkit.config.example import EXAMPLE_BROKER_ENTITY_ID, example_toml
    from ehkit.pki import TestCA

    paths = DemoPaths(root.resolve())
    paths.root.mkdir(parents=True, exist_ok=True)
    # The broker's keys must exist before the DV pins its certificate.
    build_broker(BrokerSettings(base_url=broker_url(host, broker_port), state_dir=paths.broker_state))
    if not paths.config.exists():
        keys = paths.root / "keys"
        keys.mkdir(exist_ok=True)
        ca_dir = paths.root / "dv-ca"
        ca = TestCA.load(ca_dir) if TestCA.exists(ca_dir) else TestCA.create("ehkit Demo DV PKI")
        if not TestCA.exists(ca_dir):
            ca.save(ca_dir)
        dv = ca.issue(DEMO_OIN, "DV", organisation="Gemeente Voorbeeldstad")
        atomic_write(keys / "dv.key", dv.private_pem(), mode=0o600)
        atomic_write(keys / "dv.crt", dv.certificate_pem())
        # Fixed UUIDs: the simulator's personas are authorised against them.
        text = example_toml(
            oin=DEMO_OIN,
            broker_entity_id=EXAMPLE_BROKER_ENTITY_ID,
            acs_url=_portal_url(host, portal_port) + ACS_PATH,
            fresh_uuids=False,
        )
        import secrets

        atomic_write(paths.root / "oidc-client-secret.txt", secrets.token_urlsafe(32).encode(), mode=0o600)
        atomic_write(paths.config, _demo_adjust(text).encode("utf-8"))
    _refresh_urls(paths, host, portal_port, broker_port)
    return paths


def _demo_adjust(text: str) -> str:
    """Point the example configuration at the local simulator."""
    text = text.replace(
        'metadata_file = "broker/metadata.xml"', 'metadata_url = "http://127.0.0.1:8801/broker/metadata/1.13"'
    )
    text = text.replace('pinned_certs = ["broker/metadata-signing.crt"]', 'pinned_certs = ["broker-state/keys/hm.crt"]')
    # Let intermediaries (accountants) report on behalf of their clients: shows ketenmachtiging.
    text = text.replace('loa = "EH2+"\n', 'loa = "EH2+"\nintermediation = "generalAvailable"\n', 1)
    # Ask for the company name in "melding" too, so the result page names the company for every
    # company service (vergunning asks for it already).
    melding_end = text.index('service_url_en = "https://www.voorbeeldstad.example/en/report"\n')
    melding_end = text.index("\n", melding_end) + 1
    text = text[:melding_end] + _COMPANY_NAME_ATTRIBUTE + text[melding_end:]
    # Single sign-on for the two company services, with single logout (docs/logout.md).
    text = text.replace('loa = "EH2+"\n', 'loa = "EH2+"\nsso_support = true\n', 1)
    text = text.replace('loa = "EH3"\n', 'loa = "EH3"\nsso_support = true\n', 1)
    text = re.sub(r'(?m)^(acs_url = "[^"]*")$', r'\1\nslo_url = "http://127.0.0.1:8800/eherkenning/slo/"', text, count=1)
    # A fourth service logs in over the simulator's OpenID Connect front instead of SAML (docs/oidc.md).
    text += OIDC_BLOCK
    return text


OIDC_BLOCK = """
# ---------------------------------------------------------------- OpenID Connect
# The service "subsidie" logs in over the broker's OIDC front (the simulator's
# OpenID provider) instead of SAML: see docs/oidc.md. Same screens, same LoginResult.
[broker.oidc]
issuer = "http://127.0.0.1:8801/oidc"
client_id = "voorbeeldstad-demo"
redirect_uri = "http://127.0.0.1:8800/eherkenning/oidc/callback/"
client_secret_file = "oidc-client-secret.txt"
profile = "urn-claims"

[[services]]
key = "subsidie"
index = 4
uuid = "0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a04"
name_nl = "Subsidie aanvragen (OpenID Connect)"
name_en = "Apply for a grant (OpenID Connect)"
description_nl = "Vraag namens uw bedrijf een subsidie aan; deze dienst logt in via OpenID Connect."
description_en = "Apply for a grant on behalf of your company; this service logs in over OpenID Connect."
loa = "EH3"
identifier_sets = [["KvKnr"]]
vestiging_restriction = true
protocol = "oidc"
"""


_COMPANY_NAME_ATTRIBUTE = """privacy_url_nl = "https://www.voorbeeldstad.example/privacy"
privacy_url_en = "https://www.voorbeeldstad.example/en/privacy"

[[services.attributes]]
urn = "urn:etoegang:1.11:attribute-represented:CompanyName"
required = false
purpose_nl = "Om uw melding aan uw bedrijf te koppelen."
purpose_en = "To link your report to your company."
"""


def _refresh_urls(paths: DemoPaths, host: str, portal_port: int, broker_port: int) -> None:
    text = paths.config.read_text(encoding="utf-8")
    new = re.sub(r'(?m)^acs_url = "[^"]*"', f'acs_url = "{_portal_url(host, portal_port)}{ACS_PATH}"', text)
    new = re.sub(r'(?m)^slo_url = "[^"]*"', f'slo_url = "{_portal_url(host, portal_port)}{SLO_PATH}"', new)
    new = re.sub(
        r'(?m)^metadata_url = "[^"]*"', f'metadata_url = "{broker_url(host, broker_port)}/broker/metadata/1.13"', new
    )
    new = re.sub(r'(?m)^issuer = "http://[^"]*/oidc"', f'issuer = "{broker_url(host, broker_port)}/oidc"', new)
    # Also moves a folder made before the portal used the integration (/oidc/callback) to the mount's path.
    new = re.sub(
        r'(?m)^redirect_uri = "[^"]*/oidc/callback/?"',
        f'redirect_uri = "{_portal_url(host, portal_port)}{CALLBACK_PATH}"',
        new,
    )
    if new != text:
        atomic_write(paths.config, new.encode("utf-8"))
