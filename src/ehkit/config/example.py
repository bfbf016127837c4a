"""A commented example ``ehkit.toml`` for a fictitious municipality.

The demo and the README start from this text. ``write_example`` writes it
pointed at ehkit's broker simulator, so the README's sequence (configure,
start the simulator with a state folder, run the app, log in) works with keys
and metadata that match: the configuration pins the certificate the simulator
writes into its state folder on its first start. Its ServiceUUIDs are fresh on
every call by default: copying one fixed example UUID into many installations
is exactly what made every Open Forms tenant share a ServiceUUID
(open-forms #880), and brokers register entitlements against that UUID.
"""

from __future__ import annotations

import sys
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
{broker_section}# ... or by PKIoverheid CA plus the broker's OIN:
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


_BROKER_FILE = """\
# The herkenningsmakelaar (HM) you signed with; copy from its metadata.
entity_id = "{broker_entity_id}"
metadata_file = "broker/metadata.xml"
# Trust the broker's metadata by pinning its signing certificate(s) ...
pinned_certs = ["broker/metadata-signing.crt"]
"""

_BROKER_SIMULATOR = """\
# The herkenningsmakelaar (HM). This points at ehkit's broker simulator, started with
#   ehkit broker serve --config {config} --state {state_shown}
# For a real broker: its EntityID, its metadata URL and its signing certificate.
entity_id = "{broker_entity_id}"
metadata_url = "{simulator_url}/broker/metadata/1.13"
# Trust the broker's metadata by pinning its signing certificate(s): the simulator
# writes its certificate to {state_shown}/keys/hm.crt on its first start and keeps it there ...
pinned_certs = ["{state}/keys/hm.crt"]
"""

#: The folder ``write_example`` tells the simulator to keep its keys in, next to ``ehkit.toml``.
SIMULATOR_STATE = "broker-state"
#: Where the README's app listens (uvicorn's default port) and the simulator (``ehkit broker serve``'s default).
EXAMPLE_APP_ACS_URL = "http://127.0.0.1:8000/eherkenning/acs/"
EXAMPLE_SIMULATOR_URL = "http://127.0.0.1:8801"


def example_toml(
    *,
    oin: str = EXAMPLE_OIN,
    broker_entity_id: str = EXAMPLE_BROKER_ENTITY_ID,
    acs_url: str = "https://eherkenning.voorbeeldstad.example/acs",
    fresh_uuids: bool = True,
    simulator_url: str | None = None,
    config_path: str = "ehkit.toml",
) -> str:
    """The example ``ehkit.toml`` text (three services: melding EH2+, vergunning EH3, eidas EH3).

    Without ``simulator_url`` the ``[broker]`` table reads a metadata file and
    pins a certificate file you get from your broker; with it, it reads the
    simulator's metadata URL and pins the certificate the simulator keeps in
    ``broker-state/`` next to the configuration (``config_path`` only names
    the file in the comment that says how to start the simulator).
    """
    uuids = {k: str(uuid.uuid4()) for k in FIXED_UUIDS} if fresh_uuids else dict(FIXED_UUIDS)
    if simulator_url is None:
        broker_section = _BROKER_FILE.format(broker_entity_id=broker_entity_id)
    else:
        folder = Path(config_path).parent.as_posix()
        broker_section = _BROKER_SIMULATOR.format(
            broker_entity_id=broker_entity_id,
            simulator_url=simulator_url.rstrip("/"),
            config=config_path,
            state=SIMULATOR_STATE,
            state_shown=SIMULATOR_STATE if folder == "." else f"{folder}/{SIMULATOR_STATE}",
        )
    return _TEMPLATE.format(
        oin=oin,
        broker_section=broker_section,
        acs_url=acs_url,
        uuid_melding=uuids["melding"],
        uuid_vergunning=uuids["vergunning"],
        uuid_eidas=uuids["eidas"],
    )


def write_example(
    directory: str | Path,
    *,
    fresh_uuids: bool = True,
    simulator_url: str | None = EXAMPLE_SIMULATOR_URL,
    acs_url: str = EXAMPLE_APP_ACS_URL,
    quiet: bool = False,
    **options: str,
) -> Path:
    """Write ``ehkit.toml`` plus DV test keys from a throw-away test CA into ``directory``.

    The configuration points at the broker simulator on ``simulator_url`` and
    pins the certificate the simulator writes to ``<directory>/broker-state``
    when started with ``--state`` there; the ACS is the README app's
    (``acs_url``). The keys are PKIoverheid look-alikes from
    :class:`ehkit.pki.TestCA`; no real broker trusts them. Prints what it wrote
    and what to run next (``quiet=True`` prints nothing). Returns the path of
    the configuration file.
    """
    from ehkit.pki import TestCA

    target = Path(directory)
    (target / "keys").mkdir(parents=True, exist_ok=True)
    oin = options.get("oin", EXAMPLE_OIN)
    ca = TestCA.create("ehkit Example DV PKI")
    dv = ca.issue(oin, "DV", organisation="Gemeente Voorbeeldstad")
    written = [target / "keys" / "dv.key", target / "keys" / "dv.crt"]
    atomic_write(written[0], dv.private_pem(), mode=0o600)
    atomic_write(written[1], dv.certificate_pem())
    config = target / "ehkit.toml"
    shown = config.as_posix()
    text = example_toml(
        fresh_uuids=fresh_uuids, simulator_url=simulator_url, acs_url=acs_url, config_path=shown, **options
    )
    atomic_write(config, text.encode("utf-8"))
    written.insert(0, config)
    if not quiet:
        _report(written, config, simulator_url)
    return config


def _report(written: list[Path], config: Path, simulator_url: str | None) -> None:
    """What a person running the README's one-liner needs to see: the files and the next command."""
    lines = ["Wrote the example setup (Gemeente Voorbeeldstad, test keys only):"]
    notes = {
        "ehkit.toml": "the configuration (three services, fresh ServiceUUIDs)",
        "dv.key": "the DV's private key (mode 0600)",
        "dv.crt": "the DV's certificate (OIN in the subject serialNumber)",
    }
    lines += [f"  {path.as_posix():<28} {notes.get(path.name, '')}".rstrip() for path in written]
    if simulator_url is not None:
        state = (config.parent / SIMULATOR_STATE).as_posix()
        lines += [
            "Next: start the broker simulator; it writes the certificate ehkit.toml pins:",
            f"  ehkit broker serve --config {config.as_posix()} --state {state}",
        ]
    sys.stdout.write("\n".join(lines) + "\n")
