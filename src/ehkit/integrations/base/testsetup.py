"""A local test set-up for an application: test keys and an ``ehkit.toml`` pointing at the simulator.

``ehkit integration init`` writes it, so that a developer can log in through
``ehkit broker serve`` minutes after adding an integration. Everything is a
look-alike: keys from a throw-away test CA that no real broker trusts, the
example services of Gemeente Voorbeeldstad with the fixed UUIDs the
simulator's test persons are authorised for, and the simulator's own keys in
``.broker`` (so its metadata signing certificate can be pinned before the
simulator first starts).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization

from ehkit.config.example import EXAMPLE_BROKER_ENTITY_ID, EXAMPLE_OIN, example_toml
from ehkit.errors import ConfigError, ValidationError
from ehkit.util.files import atomic_write

BROKER_STATE = ".broker"


@dataclass(frozen=True)
class TestSetup:
    directory: Path
    config: Path
    acs_url: str
    broker_url: str

    @property
    def broker_command(self) -> str:
        return f"ehkit broker serve --config {self.config.name} --state-dir {BROKER_STATE}"


def _url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ValidationError(f"{what} must be a site address such as http://127.0.0.1:8000, got {value!r}")
    return f"{parts.scheme}://{parts.netloc}"


def write_test_setup(
    directory: str | Path,
    *,
    site_url: str = "http://127.0.0.1:8000",
    prefix: str = "/eherkenning",
    broker_url: str = "http://127.0.0.1:8801",
    force: bool = False,
) -> TestSetup:
    """Write ``keys/``, ``.broker/`` and ``ehkit.toml`` into ``directory``; refuse to overwrite a config."""
    from ehkit.broker import BrokerSettings, build_broker
    from ehkit.pki import TestCA

    root = Path(directory).resolve()
    config = root / "ehkit.toml"
    if config.exists() and not force:
        raise ConfigError(f"{config} exists already (pass --force to replace it and its test keys)", reason="config")
    site = _url(site_url, "--site-url")
    broker = _url(broker_url, "--broker-url")
    if not prefix.startswith("/") or (prefix.endswith("/") and prefix != "/"):
        raise ValidationError(f"--prefix must look like /eherkenning (a leading /, no trailing /), got {prefix!r}")
    acs_url = f"{site}{prefix.rstrip('/')}/acs/"
    root.mkdir(parents=True, exist_ok=True)
    # The simulator's keys first: the DV pins its metadata signing certificate.
    build_broker(BrokerSettings(base_url=broker, state_dir=root / BROKER_STATE))
    keys = root / "keys"
    keys.mkdir(exist_ok=True)
    ca = TestCA.create("ehkit Test DV")
    dv = ca.issue(EXAMPLE_OIN, "DV", organisation="Gemeente Voorbeeldstad")
    atomic_write(keys / "dv.key", dv.private_pem(), mode=0o600)
    atomic_write(keys / "dv.crt", dv.certificate_pem())
    # The test CA's certificates, for a simulator that checks the DV's TLS client certificate.
    pem = serialization.Encoding.PEM
    atomic_write(keys / "dv-ca.pem", ca.root.public_bytes(pem) + ca.intermediate.public_bytes(pem))
    text = example_toml(broker_entity_id=EXAMPLE_BROKER_ENTITY_ID, acs_url=acs_url, fresh_uuids=False)
    text = text.replace(
        'metadata_file = "broker/metadata.xml"', f'metadata_url = "{broker}/broker/metadata/1.13"'
    ).replace('pinned_certs = ["broker/metadata-signing.crt"]', f'pinned_certs = ["{BROKER_STATE}/keys/hm.crt"]')
    header = (
        "# Written by `ehkit integration init` for testing against `ehkit broker serve`.\n"
        "# TEST ONLY: the keys come from a throw-away test CA and the UUIDs are the simulator's examples.\n"
    )
    atomic_write(config, (header + text).encode("utf-8"))
    return TestSetup(root, config, acs_url, broker)
