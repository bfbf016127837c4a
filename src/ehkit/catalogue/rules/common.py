"""What every rule receives, and the sources rules cite."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from lxml import etree

from ehkit.catalogue.model import CatalogueDocument, path_of
from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import EhkitError
from ehkit.xml.signature import check_signature_shape

# ---------------------------------------------------------------- sources
AS_SC = "AS Service catalog (afsprakenstelsel.etoegang.nl/display/as/Service+catalog)"
AS_SC_XSD = "catalogue XSD eherkenning-dc, AS 1.24 (django-digid-eherkenning xsd/eherkenning-dc.xml)"
AS_SIG = "AS Digital signature (afsprakenstelsel.etoegang.nl/Startpagina/as/digital-signature)"
AS_SERVICEID = "AS ServiceID (afsprakenstelsel.etoegang.nl/Startpagina/v3/serviceid)"
AS_IDK = "AS Identificerende kenmerken (afsprakenstelsel.etoegang.nl/display/as/Identificerende+kenmerken)"
AS_DVMD = "AS DV metadata for HM (afsprakenstelsel.etoegang.nl/Startpagina/as/dv-metadata-for-hm)"
AS_SSO = "AS Use cases Single Sign-On (afsprakenstelsel.etoegang.nl/display/as/Use+cases+Single+Sign-On)"
AS_PROCESS = "AS Proces doorvoeren nieuwe dienstencatalogus"
SAML_MD_XSD = "OASIS saml-schema-metadata-2.0.xsd"
EH1_END = "digitaletoegang.nl: EH1 ended 1 July 2021; Signicat rejects loa1 (open-forms #3319)"
BSN_LOA3 = "Digidentity DvKeys (connect.digidentity.com/eHerkenning/DvKeys/); AS Betrouwbaarheidsniveaus"
DIGIDENTITY_KEYS = "Digidentity DvKeys (connect.digidentity.com/eHerkenning/DvKeys/)"
SIGNICAT_ECTA = "Signicat eHerkenning release notes (ECTA sets)"
SIGNICAT_TEMPLATE = "Signicat service-catalogue template (open-forms #3950, PR #806)"
SIGNICAT_BRANCH = "Signicat service-catalogue spec, quoted in open-forms PR #4525"
EIDAS_ART6 = "eIDAS Regulation art. 6; eherkenning.nl clients in Europe (EH3 = substantial); Signicat FAQ"
EIDAS_OWN_DEFINITION = "open-forms #505 (eIDAS needs its own ServiceDefinition)"
KPN_SPLIT = "KPN via open-forms #5103 (separate eHerkenning and eIDAS metadata)"
KPN_FEEDBACK = "KPN metadata feedback, open-forms #4785"
MAYKIN_124A = "AS 1.24a as applied by django-digid-eherkenning after broker feedback (open-forms #4785)"
NEXT_CERT = "brokers via django-digid-eherkenning CHANGELOG (publish only the next certificate)"
ONEWELCOME = "Thales OneWelcome Identity Broker docs (one PKIoverheid certificate per connection)"
OPENFORMS_880 = "open-forms #880 (every tenant shared one ServiceUUID)"
PKIO = "PKIoverheid: RSA >= 2048 bits, OIN in subject serialNumber"
RESEARCH = "ehkit research (eherkenning-spec.md)"

PROFILES: dict[str, str] = {
    "kpn": "KPN: eHerkenning and eIDAS split into separate metadata and definitions, own eIDAS texts",
    "signicat": "Signicat: template shape (bilingual URLs, ServiceDescriptionURL, setNumber on every ECTA entry)",
    "onewelcome": "OneWelcome (Thales): one broker and one certificate per connection",
    "digidentity": "Digidentity: BSN/PseudoID services need the DV's own OIN in the encryption certificate",
}

# ---------------------------------------------------------------- helpers
OIN_RE = re.compile(r"^[0-9]{20}$")
SERVICE_ID_RE = re.compile(r"^urn:etoegang:DV:([0-9]{20}):services:([0-9]+)$")
DV_ENTITY_RE = re.compile(r"^urn:etoegang:DV:([0-9]{20}):entities:([0-9]{1,4})$")
VERSION_RES = (
    re.compile(r"^urn:etoegang:\d+\.\d+:service-catalogue:[TP]:\d+$"),
    re.compile(r"^urn:etoegang:\d+\.\d+:\d+$"),
)
EXPIRY_WARNING = timedelta(days=30)


def is_uuid(value: str | None) -> bool:
    if not value:
        return False
    try:
        return str(uuid.UUID(value)) == value.lower() and len(value) == 36
    except ValueError:
        return False


def loa_of(urn: str | None) -> LevelOfAssurance | None:
    if not urn:
        return None
    try:
        return LevelOfAssurance.from_urn(urn)
    except EhkitError:
        return None


def signature_shape_hits(signed: etree._Element, signature: etree._Element | None) -> Iterator[tuple[str, str]]:
    """One finding when the document's signature is not structurally sound.

    Checked without any key, so an empty ``<ds:Signature/>`` (no DigestValue, no
    SignatureValue) is an error also when no certificate is given to verify it. A
    missing or misplaced signature is the presence rule's finding, not this one's.
    """
    if signature is None:
        return
    try:
        check_signature_shape(signed)
    except EhkitError as exc:
        if exc.reason != "signature_position":
            yield (path_of(signature), f"the signature is not well-formed: {exc.message} ({exc.reason})")


@dataclass
class CatalogueContext:
    doc: CatalogueDocument
    now: datetime
    trusted: list[x509.Certificate] | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class MetadataContext:
    root: etree._Element
    now: datetime
    trusted: list[x509.Certificate] | None = None
    catalogue: CatalogueDocument | None = None
    notes: list[str] = field(default_factory=list)
