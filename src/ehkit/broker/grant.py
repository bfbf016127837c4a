"""What a completed login amounts to, before it is written as SAML.

The browser flow and the JSON API both end in a :class:`Grant`; the message
builders turn a grant into the Response. Keeping the decision (who acts, for
whom, at which level, with which identifiers) apart from the XML means the
scenarios can bend the XML without touching the decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ehkit.broker.data import AuthServiceSpec, Company, EidasPerson, Person, TestData
from ehkit.broker.dv_registry import DvService, RegisteredDv
from ehkit.broker.pseudonyms import Pseudonyms
from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType

# Attributes the simulated ADs and MR can supply, by URN.
FIRST_NAME = "urn:etoegang:1.9:attribute:FirstName"
INITIALS = "urn:etoegang:1.9:attribute:Initials"
INFIX = "urn:etoegang:1.9:attribute:FamilyNameInfix"
FAMILY_NAME = "urn:etoegang:1.9:attribute:FamilyName"
DATE_OF_BIRTH = "urn:etoegang:1.9:attribute:DateOfBirth"
BIRTH_NAME = "urn:etoegang:1.11:attribute:BirthName"
COMPANY_NAME = "urn:etoegang:1.11:attribute-represented:CompanyName"
CHAMBER_OF_COMMERCE = "urn:etoegang:1.11:attribute-represented:ChamberOfCommerce"
KVKNR_ATTRIBUTE = "urn:etoegang:1.11:attribute-represented:KvKnr"
#: eIDAS always carries the minimum data set of a natural person.
EIDAS_MINIMUM = (FIRST_NAME, FAMILY_NAME, DATE_OF_BIRTH)


@dataclass(frozen=True)
class LegalIdentifier:
    kind: IdentifierType
    value: str


@dataclass(frozen=True)
class Grant:
    """A positive login outcome: the acting person, the represented party, the level used."""

    dv: RegisteredDv
    service: DvService
    in_response_to: str | None
    acs_url: str
    requested_loa: LevelOfAssurance | None
    ad: AuthServiceSpec
    loa_used: LevelOfAssurance
    acting_pseudonym: str
    ad_pseudonym: str
    identifiers: tuple[LegalIdentifier, ...]
    representation: bool
    persona_id: str
    company_id: str | None = None
    vestiging: str | None = None
    intermediary: Company | None = None
    attributes: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    #: The AD session this login belongs to (single sign-on, single logout); None: a fresh random one.
    session_index: str | None = None
    name_id: str | None = None
    #: When the person authenticated at the AD: earlier than now for a login by SSO.
    authn_instant: datetime | None = None

    @property
    def primary(self) -> LegalIdentifier:
        return self.identifiers[0]

    def kvk(self) -> str | None:
        return next((i.value for i in self.identifiers if i.kind is IdentifierType.KVK), None)


def company_identifiers(
    service: DvService, company: Company, dv: RegisteredDv, pseudonyms: Pseudonyms
) -> tuple[LegalIdentifier, ...] | None:
    """The first identifier set of the service the company can fill, in catalogue order.

    A sole trader's BSN travels in its BSNk form (urn:etoegang:1.12), here a
    simulated encrypted identity, never as nine plain digits.
    """
    for wanted in service.identifier_sets:
        if set(wanted) <= company.identifier_types:
            out = []
            for kind in wanted:
                value = company.identifier(kind)
                if kind is IdentifierType.BSN:
                    value = pseudonyms.bsnk_identity(dv.oin, value)
                out.append(LegalIdentifier(kind, value))
            return tuple(out)
    return None


def eidas_identifiers(
    service: DvService, dv: RegisteredDv, person: EidasPerson, pseudonyms: Pseudonyms
) -> tuple[LegalIdentifier, ...] | None:
    values = {
        IdentifierType.PSEUDO: pseudonyms.acting(dv.oin, person.id, ""),
        IdentifierType.PSEUDO_ID: pseudonyms.pseudo_id(dv.oin, person.pseudo_id),
    }
    for wanted in service.identifier_sets:
        if set(wanted) <= set(values):
            return tuple(LegalIdentifier(kind, values[kind]) for kind in wanted)
    return None


def _date(value: date) -> str:
    return value.isoformat()


def person_attributes(person: Person | EidasPerson) -> dict[str, str]:
    if isinstance(person, EidasPerson):
        return {
            FIRST_NAME: person.first_name,
            FAMILY_NAME: person.family_name,
            DATE_OF_BIRTH: _date(person.date_of_birth),
        }
    out = {
        FIRST_NAME: person.first_names,
        FAMILY_NAME: person.family_name,
        DATE_OF_BIRTH: _date(person.date_of_birth),
    }
    if person.initials:
        out[INITIALS] = person.initials
    if person.infix:
        out[INFIX] = person.infix
    if person.birth_name:
        out[BIRTH_NAME] = person.birth_name
    return out


def company_attributes(company: Company) -> dict[str, str]:
    return {COMPANY_NAME: company.name, CHAMBER_OF_COMMERCE: str(company.kvk), KVKNR_ATTRIBUTE: str(company.kvk)}


def requested_attributes(
    service: DvService, person: Person | EidasPerson, company: Company | None
) -> tuple[tuple[str, str], ...]:
    """Values for what the service requests (and the eIDAS minimum data set), when we have them."""
    available = person_attributes(person)
    if company is not None:
        available.update(company_attributes(company))
    wanted = list(service.requested_attributes)
    if isinstance(person, EidasPerson):
        wanted = list(dict.fromkeys([*EIDAS_MINIMUM, *wanted]))
    return tuple((urn, available[urn]) for urn in wanted if urn in available)


def build_grant(
    data: TestData,
    pseudonyms: Pseudonyms,
    *,
    dv: RegisteredDv,
    service: DvService,
    in_response_to: str | None,
    acs_url: str,
    requested_loa: LevelOfAssurance | None,
    ad: AuthServiceSpec,
    loa_used: LevelOfAssurance,
    person: Person | EidasPerson,
    company: Company | None,
    vestiging: str | None,
    intermediary: Company | None,
) -> Grant:
    """Assemble a grant; the caller has checked authorisation and LoA."""
    if isinstance(person, EidasPerson):
        identifiers = eidas_identifiers(service, dv, person, pseudonyms)
        company_key = ""
        representation = False
    else:
        if company is None:
            raise ValueError(f"{person.id} logs in for a company, and none was chosen")
        identifiers = company_identifiers(service, company, dv, pseudonyms)
        company_key = company.id
        representation = True
    if not identifiers:
        raise ValueError("no identifier set of the service fits this party")
    return Grant(
        dv=dv,
        service=service,
        in_response_to=in_response_to,
        acs_url=acs_url,
        requested_loa=requested_loa,
        ad=ad,
        loa_used=loa_used,
        acting_pseudonym=pseudonyms.acting(dv.oin, person.id, company_key),
        ad_pseudonym=pseudonyms.ad_internal(ad.id, person.id),
        identifiers=identifiers,
        representation=representation,
        persona_id=person.id,
        company_id=company.id if company is not None else None,
        vestiging=vestiging,
        intermediary=intermediary,
        attributes=requested_attributes(service, person, company),
    )
