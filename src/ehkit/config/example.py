"""A commented example ``ehkit.toml`` for a fictitious municipality.

The demo and the README start from this text. Its ServiceUUIDs are fresh on
every call by default: copying one fixed example UUID into many installations
is exactly what made every Open Forms tenant share a ServiceUUID
(open-forms #880), and brokers register entitlements against that UUID.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from ehkit.util.files import atomic_write

EXAMPLE_OIN = "00000001234567890000"
EXAMPLE_BROKER_ENTITY_ID = "urn:etoegang:HM:00000009876543210000:entities:9001"

#: The UUIDs written when ``fresh_uuids=False`` (docs, golden files). Never register them.
FIXED_UUIDS = {
    "melding": "0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a01",
    "vergunning": "0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a02",
    "eidas": "0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a03",
}

_TEMPLATE = """\
# ehkit.toml: the eHerkenning setup of one service provider (dienstverlener, DV).
# Every field is explained in docs/configuration.md. Relative paths are read
# from the directory of this file. Everything here is an EXAMPLE: replace the
# OIN, names, URLs and keys with your own.

[dv]
# Your OIN (organisatie-identificatienummer): 20 digits, written as quoted text.
# This one is a made-up test OIN.
oin = "{oin}"
# The DV EntityID defaults to urn:etoegang:DV:<oin>:entities:<entity_index>.
entity_index = 0
# The organisation name users see at the broker (at most 64 characters).
name_nl = "Gemeente Voorbeeldstad"
name_en = "Municipality of Voorbeeldstad"
# Public organisations (government) are "public"; it is shown in the catalogue.
is_public = true
# Where the broker sends the user back with a SAML artifact.
acs_url = "{acs_url}"
# The organisation's website, published in the SP metadata.
organization_url = "https://www.voorbeeldstad.example"

# The administrative contact brokers expect in the SP metadata.
[dv.contact]
company = "Gemeente Voorbeeldstad"
email = "eherkenning@voorbeeldstad.example"

[keys]
# PKIoverheid key and certificate (test: `ehkit keys` makes look-alikes).
# The same pair signs requests, decrypts identifiers and authenticates over TLS.
signing_key = "keys/dv.key"
signing_cert = "keys/dv.crt"
# A certificate change is announced ahead; see `ehkit catalogue rollover`.
# [keys.next]
# key = "keys/dv-2027.key"
# cert = "keys/dv-2027.crt"
# activation = 2027-01-15T09:00:00+01:00

[broker]
# The herkenningsmakelaar (HM) you signed with; copy from its metadata.
entity_id = "{broker_entity_id}"
metadata_file = "broker/metadata.xml"
# Trust the broker's metadata by pinning its signing certificate(s) ...
pinned_certs = ["broker/metadata-signing.crt"]
# ... or by PKIoverheid CA plus the broker's OIN:
# ca_certs = ["pki/pkioverheid-private-root-g1.crt"]
# expected_oin = "00000009876543210000"
artifact_resolution_timeout = {{ connect = 5, read = 10 }}
# The most one call to the broker may take in all (artifact resolution, metadata download).
exchange_deadline = 10

[state]
# memory:// for one process, sqlite:///state.db for one machine, redis://... for many.
store = "sqlite:///state.db"

[catalogue]
# T = test (pre-production) network, P = production. Raise sequence on every change.
environment = "T"
sequence = 1

# ---------------------------------------------------------------- services
# One [[services]] entry per service in the catalogue. The level of assurance
# (loa) is fixed per service; the broker enforces it. Generate a new uuid for
# every service of your own: python -c "import uuid; print(uuid.uuid4())"

[[services]]
key = "melding"
index = 1
uuid = "{uuid_melding}"
name_nl = "Melding openbare ruimte"
name_en = "Report an issue in a public space"
description_nl = "Meld namens uw bedrijf een probleem in de openbare ruimte, zoals een kapotte lantaarnpaal."
description_en = "Report a problem in a public space on behalf of your company, such as a broken street light."
description_url = "https://www.voorbeeldstad.example/melding/uitleg"
loa = "EH2+"
# Accept a KvK number; the login gives us the company that acts.
identifier_sets = [["KvKnr"]]
service_url_nl = "https://www.voorbeeldstad.example/melding"
service_url_en = "https://www.voorbeeldstad.example/en/report"

[[services]]
key = "vergunning"
index = 2
uuid = "{uuid_vergunning}"
name_nl = "Omgevingsvergunning aanvragen"
name_en = "Apply for an environmental permit"
description_nl = "Vraag namens uw bedrijf een omgevingsvergunning aan en volg de behandeling."
description_en = "Apply for an environmental permit on behalf of your company and follow its progress."
description_url = "https://www.voorbeeldstad.example/vergunning/uitleg"
loa = "EH3"
# Prefer RSIN together with the KvK number, fall back to the KvK number alone.
identifier_sets = [["KvKnr", "RSIN"], ["KvKnr"]]
# Employees may be authorised for one branch (vestiging) only.
vestiging_restriction = true
service_url_nl = "https://www.voorbeeldstad.example/vergunning"
service_url_en = "https://www.voorbeeldstad.example/en/permit"
privacy_url_nl = "https://www.voorbeeldstad.example/privacy"
privacy_url_en = "https://www.voorbeeldstad.example/en/privacy"

[[services.attributes]]
urn = "urn:etoegang:1.11:attribute-represented:CompanyName"
required = false
purpose_nl = "Om de aanvraag op naam van uw bedrijf te zetten."
purpose_en = "To register the application in the name of your company."

[[services]]
key = "eidas"
index = 3
uuid = "{uuid_eidas}"
name_nl = "Omgevingsvergunning aanvragen (Europese inlog)"
name_en = "Apply for an environmental permit (European login)"
description_nl = "Vraag een omgevingsvergunning aan met een erkend inlogmiddel uit een ander EU-land."
description_en = "Apply for an environmental permit with a recognised login means from another EU country."
description_url = "https://www.voorbeeldstad.example/vergunning/uitleg"
loa = "EH3"
# eIDAS users have no KvK number: they are identified by a pseudonym.
eidas = true
identifier_sets = [["Pseudo"]]
service_url_nl = "https://www.voorbeeldstad.example/vergunning"
service_url_en = "https://www.voorbeeldstad.example/en/permit"

# KPN and others want eIDAS in separate SP metadata with its own EntityID.
[[metadata_groups]]
name = "eidas"
entity_id = "urn:etoegang:DV:{oin}:entities:1"
"""


def example_toml(
    *,
    oin: str = EXAMPLE_OIN,
    broker_entity_id: str = EXAMPLE_BROKER_ENTITY_ID,
    acs_url: str = "https://eherkenning.voorbeeldstad.example/acs",
    fresh_uuids: bool = True,
) -> str:
    """The example ``ehkit.toml`` text (three services: melding EH2+, vergunning EH3, eidas EH3)."""
    uuids = {k: str(uuid.uuid4()) for k in FIXED_UUIDS} if fresh_uuids else dict(FIXED_UUIDS)
    return _TEMPLATE.format(
        oin=oin,
        broker_entity_id=broker_entity_id,
        acs_url=acs_url,
        uuid_melding=uuids["melding"],
        uuid_vergunning=uuids["vergunning"],
        uuid_eidas=uuids["eidas"],
    )


def write_example(directory: str | Path, *, fresh_uuids: bool = True, **options: str) -> Path:
    """Write ``ehkit.toml`` plus test keys from a throw-away test CA into ``directory``.

    The keys are PKIoverheid look-alikes from :class:`ehkit.pki.TestCA`; no real
    broker trusts them. Returns the path of the configuration file.
    """
    from cryptography.hazmat.primitives import serialization

    from ehkit.domain.identifiers import EntityID
    from ehkit.pki import TestCA

    target = Path(directory)
    (target / "keys").mkdir(parents=True, exist_ok=True)
    (target / "broker").mkdir(parents=True, exist_ok=True)
    oin = options.get("oin", EXAMPLE_OIN)
    broker = EntityID(options.get("broker_entity_id", EXAMPLE_BROKER_ENTITY_ID))
    ca = TestCA.create()
    dv = ca.issue(oin, "DV")
    hm = ca.issue(str(broker.oin), "HM")
    pem = serialization.Encoding.PEM
    key_bytes = dv.private_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    atomic_write(target / "keys" / "dv.key", key_bytes, mode=0o600)
    atomic_write(target / "keys" / "dv.crt", dv.certificate.public_bytes(pem))
    atomic_write(target / "broker" / "metadata-signing.crt", hm.certificate.public_bytes(pem))
    config = target / "ehkit.toml"
    atomic_write(config, example_toml(fresh_uuids=fresh_uuids, **options).encode("utf-8"))
    return config
