"""The eHerkenning URN registry: identifier types, core attributes, restrictions.

Brokers and years disagree on version segments (``1.9`` versus ``1.13`` for the
pseudonym, ``KvK`` versus ``KvKnr`` for the intermediary). Everything that
reads messages goes through :func:`identifier_type` / :func:`canonical`, which
accept every known alias and return one canonical entry, so the rest of the
code never compares raw URN strings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# Core attributes (etoegang "core" namespace, unversioned).
ACTING_SUBJECT_ID = "urn:etoegang:core:ActingSubjectID"
LEGAL_SUBJECT_ID = "urn:etoegang:core:LegalSubjectID"
SERVICE_ID = "urn:etoegang:core:ServiceID"
SERVICE_UUID = "urn:etoegang:core:ServiceUUID"
REPRESENTATION = "urn:etoegang:core:Representation"
AUTHORIZATION_REGISTRY_ID = "urn:etoegang:core:AuthorizationRegistryID"
ACTING_ENTITY_ID = "urn:etoegang:core:ActingEntityID"
LINKED_DECLARATION_SIGNATURE_VALUE = "urn:etoegang:core:LinkedDeclarationSignatureValue"
LEVEL_OF_ASSURANCE = "urn:etoegang:core:LevelOfAssurance"
LEVEL_OF_ASSURANCE_USED = "urn:etoegang:core:LevelOfAssuranceUsed"

# Service restrictions.
VESTIGINGSNR = "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"
SUBDOSSIERNR = "urn:etoegang:1.9:ServiceRestriction:SubdossierNr"

# Chain authorisation (ketenmachtiging). The scheme text says ...:KvK, code in the field uses ...:KvKnr.
INTERMEDIATE_KVK = "urn:etoegang:1.9:IntermediateEntityID:KvKnr"
INTERMEDIATE_KVK_ALIASES = (
    "urn:etoegang:1.9:IntermediateEntityID:KvKnr",
    "urn:etoegang:1.9:IntermediateEntityID:KvK",
    "urn:etoegang:1.13:IntermediateEntityID:KvKnr",
    "urn:etoegang:1.13:IntermediateEntityID:KvK",
)
INTERMEDIATE_COMPANY_NAME = "urn:etoegang:1.13:attribute-intermediate:CompanyName"

# Protocol extension used by the HM towards AD/MR.
SAMLP_EXTENSION = "urn:etoegang:1.9:samlp-extension"
METADATA_EXTENSION = "urn:etoegang:1.13:metadata-extension"
SERVICE_CATALOG_NS = "urn:etoegang:1.13:service-catalog"


class IdentifierType(enum.Enum):
    """Types of identifier that travel as the NameQualifier of an (encrypted) NameID."""

    KVK = (
        "urn:etoegang:1.9:EntityConcernedID:KvKnr",
        ("urn:etoegang:1.9:EntityConcernedID:KvKnr",),
        "KvK-nummer",
        "legal",
    )
    RSIN = ("urn:etoegang:1.9:EntityConcernedID:RSIN", ("urn:etoegang:1.9:EntityConcernedID:RSIN",), "RSIN", "legal")
    BSN = (
        "urn:etoegang:1.12:EntityConcernedID:BSN",
        ("urn:etoegang:1.12:EntityConcernedID:BSN", "urn:etoegang:1.9:EntityConcernedID:BSN"),
        "BSN",
        "natural",
    )
    PSEUDO_ID = (
        "urn:etoegang:1.12:EntityConcernedID:PseudoID",
        ("urn:etoegang:1.12:EntityConcernedID:PseudoID",),
        "PseudoID (BSNk)",
        "natural",
    )
    EIDAS_LEGAL = (
        "urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier",
        ("urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier",),
        "eIDAS legal identifier",
        "legal",
    )
    PSEUDO = (
        "urn:etoegang:1.13:EntityConcernedID:Pseudo",
        ("urn:etoegang:1.13:EntityConcernedID:Pseudo", "urn:etoegang:1.9:EntityConcernedID:Pseudo"),
        "pseudoniem",
        "acting",
    )

    def __init__(self, urn: str, aliases: tuple[str, ...], label: str, party: str) -> None:
        self.urn = urn
        self.aliases = aliases
        self.label = label
        self.party = party

    @property
    def requires_loa3(self) -> bool:
        """The scheme's rule: a service that uses BSN (or the BSNk PseudoID) needs at least EH3."""
        return self in (IdentifierType.BSN, IdentifierType.PSEUDO_ID)


_BY_URN = {alias: t for t in IdentifierType for alias in t.aliases}


def identifier_type(urn: str) -> IdentifierType | None:
    """The identifier type for any known URN or alias, else None."""
    return _BY_URN.get(urn)


@dataclass(frozen=True)
class AttributeInfo:
    urn: str
    label_nl: str
    label_en: str
    supplied_by: str  # "AD", "MR", "HM" or "core"
    identifying: bool = False


_ATTRIBUTES: tuple[AttributeInfo, ...] = (
    AttributeInfo("urn:etoegang:1.9:attribute:FirstName", "Voornamen", "First names", "AD"),
    AttributeInfo("urn:etoegang:1.9:attribute:Initials", "Voorletters", "Initials", "AD"),
    AttributeInfo("urn:etoegang:1.9:attribute:FamilyNameInfix", "Voorvoegsel", "Family name infix", "AD"),
    AttributeInfo("urn:etoegang:1.9:attribute:FamilyName", "Achternaam", "Family name", "AD"),
    AttributeInfo("urn:etoegang:1.9:attribute:DateOfBirth", "Geboortedatum", "Date of birth", "AD"),
    AttributeInfo("urn:etoegang:1.11:attribute:BirthName", "Geboortenaam", "Birth name", "AD"),
    AttributeInfo("urn:etoegang:1.11:attribute-represented:CompanyName", "Bedrijfsnaam", "Company name", "MR"),
    AttributeInfo(
        "urn:etoegang:1.11:attribute-represented:ChamberOfCommerce", "KvK-vestiging", "Chamber of Commerce", "MR"
    ),
    AttributeInfo("urn:etoegang:1.11:attribute-represented:VATRegistrationNumber", "Btw-nummer", "VAT number", "MR"),
    AttributeInfo(
        "urn:etoegang:1.11:attribute-represented:TaxReferenceNumber", "Fiscaal nummer", "Tax reference", "MR"
    ),
    AttributeInfo("urn:etoegang:1.11:attribute-represented:LEI", "LEI", "Legal Entity Identifier", "MR"),
    AttributeInfo(INTERMEDIATE_COMPANY_NAME, "Naam intermediair", "Intermediary company name", "MR"),
)
ATTRIBUTES: dict[str, AttributeInfo] = {a.urn: a for a in _ATTRIBUTES}

# URNs that identify a party. The scheme forbids requesting them as attributes;
# they come from the ECTA settings of the service instead.
IDENTIFYING_URNS: frozenset[str] = frozenset(
    {alias for t in IdentifierType for alias in t.aliases} | {ACTING_SUBJECT_ID, LEGAL_SUBJECT_ID}
)


def is_identifying(urn: str) -> bool:
    return urn in IDENTIFYING_URNS
