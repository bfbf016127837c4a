"""The simulator's test data: authentication services, companies, persons, authorisations.

A real network spreads this over many parties (KvK, the ADs, the MRs). The
simulator keeps it in one YAML file that a DV can edit to mirror its own test
cases, so it is validated up front and every mistake is reported with the path
of the field to fix, the same way ``ehkit.toml`` problems are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, model_validator

from ehkit.config.errors import ConfigInvalidError, ConfigProblem, CrossFieldProblems, problems_from_pydantic
from ehkit.domain.identifiers import BSN, RSIN, KvKNumber, Oin, Vestigingsnummer
from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType
from ehkit.errors import ConfigError, ValidationError

DEFAULT_DATA = "default.yaml"
ALL_SERVICES = "*"

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Short names in the YAML file -> identifier types (the same names ehkit.toml uses).
IDENTIFIER_NAMES: dict[str, IdentifierType] = {
    "kvknr": IdentifierType.KVK,
    "rsin": IdentifierType.RSIN,
    "bsn": IdentifierType.BSN,
    "pseudo": IdentifierType.PSEUDO,
    "pseudoid": IdentifierType.PSEUDO_ID,
    "eidaslegalidentifier": IdentifierType.EIDAS_LEGAL,
}


def _domain(cls: type, hint: str) -> Callable[[Any], Any]:
    """A validator for one of ehkit.domain's identifier types, with a hint for the YAML author."""

    def check(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(f"write the number as quoted text so leading zeros survive ({hint})")
        try:
            return cls(value)
        except ValidationError as exc:
            raise ValueError(f"{exc.message} ({hint})") from None

    return check


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG_RE.match(value):
        raise ValueError(f"{value!r} is not a short id (lower-case letters, digits, '-' or '_', at most 40)")
    return value


def _loa(value: Any) -> LevelOfAssurance:
    try:
        return LevelOfAssurance.parse(value)
    except ValidationError as exc:
        raise ValueError(exc.message) from None


def _identifier(value: Any) -> IdentifierType:
    if isinstance(value, str) and value.strip().lower() in IDENTIFIER_NAMES:
        return IDENTIFIER_NAMES[value.strip().lower()]
    raise ValueError(
        f"unknown identifier type {value!r} (use one of KvKnr, RSIN, BSN, Pseudo, PseudoID, eIDASLegalIdentifier)"
    )


Slug = Annotated[str, PlainValidator(_slug)]
Loa = Annotated[LevelOfAssurance, PlainValidator(_loa), PlainSerializer(lambda v: v.label)]
IdentifierName = Annotated[IdentifierType, PlainValidator(_identifier), PlainSerializer(lambda v: v.name)]
OinText = Annotated[
    Oin, PlainValidator(_domain(Oin, 'write 20 digits, e.g. "00000001234567890000"')), PlainSerializer(str)
]
KvKText = Annotated[
    KvKNumber, PlainValidator(_domain(KvKNumber, 'write 8 digits, e.g. "30123456"')), PlainSerializer(str)
]
RsinText = Annotated[
    RSIN, PlainValidator(_domain(RSIN, "an RSIN has 9 digits and passes the 11-check")), PlainSerializer(str)
]
BsnText = Annotated[
    BSN, PlainValidator(_domain(BSN, "use a test BSN that passes the 11-check, e.g. 999993653")), PlainSerializer(str)
]
VestigingText = Annotated[
    Vestigingsnummer,
    PlainValidator(_domain(Vestigingsnummer, 'write 12 digits, e.g. "000012345601"')),
    PlainSerializer(str),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegistrySpec(_Model):
    """The machtigingenregister (MR) behind the simulated broker."""

    name: str = Field(min_length=1, max_length=64)
    oin: OinText
    entity_index: int = Field(ge=0, le=9999)

    @property
    def entity_id(self) -> str:
        return f"urn:etoegang:MR:{self.oin}:entities:{self.entity_index}"


class AuthServiceSpec(_Model):
    """An authenticatiedienst (AD): it issues login means and delivers some identifier types."""

    id: Slug
    name: str = Field(min_length=1, max_length=64)
    oin: OinText
    entity_index: int = Field(ge=0, le=9999)
    kind: Literal["eherkenning", "eidas"] = "eherkenning"
    identifier_types: list[IdentifierName] = Field(min_length=1)
    description_nl: str = ""
    description_en: str = ""

    @property
    def entity_id(self) -> str:
        return f"urn:etoegang:AD:{self.oin}:entities:{self.entity_index}"

    def delivers(self, identifier_sets: Iterator[frozenset[IdentifierType]] | list[frozenset[IdentifierType]]) -> bool:
        """True when this AD can deliver at least one of the service's identifier sets."""
        mine = set(self.identifier_types)
        return any(s <= mine for s in identifier_sets)


class Vestiging(_Model):
    number: VestigingText
    name: str = Field(min_length=1, max_length=80)
    city: str = ""


class Company(_Model):
    """A party that can be represented: a legal person, or a sole trader identified by BSN."""

    id: Slug
    name: str = Field(min_length=1, max_length=80)
    kvk: KvKText
    rsin: RsinText | None = None
    bsn: BsnText | None = None
    legal_form: str = ""
    vestigingen: list[Vestiging] = Field(default_factory=list)

    @property
    def identifier_types(self) -> frozenset[IdentifierType]:
        types = {IdentifierType.KVK}
        if self.rsin:
            types.add(IdentifierType.RSIN)
        if self.bsn:
            types.add(IdentifierType.BSN)
        return frozenset(types)

    def identifier(self, kind: IdentifierType) -> str:
        value = {IdentifierType.KVK: self.kvk, IdentifierType.RSIN: self.rsin, IdentifierType.BSN: self.bsn}.get(kind)
        if value is None:
            raise KeyError(kind)
        return str(value)

    def vestiging(self, number: str) -> Vestiging | None:
        return next((v for v in self.vestigingen if v.number == number), None)


class LoginMeans(_Model):
    """A login means (middel) a person holds at one AD, with its level of assurance."""

    id: Slug
    ad: Slug
    loa: Loa
    label_nl: str = Field(min_length=1, max_length=80)
    label_en: str = Field(min_length=1, max_length=80)


class Authorisation(_Model):
    """Person -> company for some services, optionally for one vestiging, optionally through an intermediary."""

    company: Slug
    services: list[str] = Field(default_factory=lambda: [ALL_SERVICES], min_length=1)
    vestiging: VestigingText | None = None
    via: Slug | None = None

    def covers(self, service_uuid: str) -> bool:
        return any(s == ALL_SERVICES or s.lower() == service_uuid.lower() for s in self.services)


class Person(_Model):
    """A Dutch natural person with eHerkenning login means."""

    id: Slug
    first_names: str = Field(min_length=1)
    initials: str = ""
    infix: str = ""
    family_name: str = Field(min_length=1)
    birth_name: str = ""
    date_of_birth: date
    password: str = "test"  # noqa: S105 - the simulator's documented test password
    description_nl: str = ""
    description_en: str = ""
    means: list[LoginMeans] = Field(default_factory=list)
    authorisations: list[Authorisation] = Field(default_factory=list)

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_names.split()[0], self.infix, self.family_name) if p)

    def means_by_id(self, means_id: str) -> LoginMeans | None:
        return next((m for m in self.means if m.id == means_id), None)


class EidasPerson(_Model):
    """A natural person from another EU country, authenticated through eIDAS."""

    id: Slug
    first_name: str = Field(min_length=1)
    family_name: str = Field(min_length=1)
    date_of_birth: date
    country: str = Field(pattern=r"^[A-Z]{2}$")
    pseudo_id: str = Field(min_length=8, max_length=200)
    loa: Loa
    password: str = "test"  # noqa: S105 - the simulator's documented test password
    description_nl: str = ""
    description_en: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.family_name}"


class TestData(_Model):
    """Everything the simulator knows about the people and companies of its network."""

    __test__ = False  # not a pytest class

    version: Literal[1] = 1
    machtigingenregister: RegistrySpec
    authentication_services: list[AuthServiceSpec] = Field(min_length=1)
    companies: list[Company] = Field(default_factory=list)
    persons: list[Person] = Field(default_factory=list)
    eidas_persons: list[EidasPerson] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross(self) -> TestData:
        problems = list(_check(self))
        if problems:
            raise CrossFieldProblems(problems)
        return self

    # -- lookups --------------------------------------------------------------

    @cached_property
    def ads(self) -> dict[str, AuthServiceSpec]:
        return {a.id: a for a in self.authentication_services}

    def ad(self, ad_id: str) -> AuthServiceSpec:
        try:
            return self.ads[ad_id]
        except KeyError:
            raise ConfigError(
                f"unknown authentication service {ad_id!r} (known: {', '.join(self.ads)})", reason="unknown_ad"
            ) from None

    def company(self, key: str) -> Company:
        """By id or KvK number: API callers know one or the other."""
        for company in self.companies:
            if company.id == key or company.kvk == key:
                return company
        raise ConfigError(
            f"unknown company {key!r} (known: {', '.join(c.id for c in self.companies)})", reason="unknown_company"
        )

    def person(self, key: str) -> Person:
        for person in self.persons:
            if person.id == key:
                return person
        raise ConfigError(
            f"unknown person {key!r} (known: {', '.join(p.id for p in self.persons)})", reason="unknown_person"
        )

    def eidas_person(self, key: str) -> EidasPerson:
        for person in self.eidas_persons:
            if person.id == key:
                return person
        raise ConfigError(f"unknown eIDAS person {key!r}", reason="unknown_person")

    def find_persona(self, key: str) -> Person | EidasPerson:
        everyone: tuple[Person | EidasPerson, ...] = (*self.persons, *self.eidas_persons)
        for person in everyone:
            if person.id == key:
                return person
        known = ", ".join(p.id for p in everyone)
        raise ConfigError(f"unknown persona {key!r} (known: {known})", reason="unknown_person")

    def sorted_ads(self) -> list[AuthServiceSpec]:
        """Alphabetical, as the afsprakenstelsel asks the HM to show them."""
        return sorted(self.authentication_services, key=lambda a: a.name.casefold())

    # -- JSON for the API and the CLI ----------------------------------------

    def summary(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _check(data: TestData) -> Iterator[ConfigProblem]:
    def dupes(path: str, values: list[str]) -> Iterator[ConfigProblem]:
        seen: set[str] = set()
        for i, value in enumerate(values):
            if value in seen:
                yield ConfigProblem(f"{path}[{i}].id", f"{value!r} is used twice (every id must be unique)")
            seen.add(value)

    yield from dupes("authentication_services", [a.id for a in data.authentication_services])
    yield from dupes("companies", [c.id for c in data.companies])
    yield from dupes("persons", [p.id for p in data.persons] + [p.id for p in data.eidas_persons])
    kinds = {a.id: a.kind for a in data.authentication_services}
    entity_ids = [a.entity_id for a in data.authentication_services]
    for i, ad in enumerate(data.authentication_services):
        if entity_ids.count(ad.entity_id) > 1:
            yield ConfigProblem(f"authentication_services[{i}].entity_index", f"{ad.entity_id} is used by two services")
    companies = {c.id: c for c in data.companies}
    kvks: dict[str, str] = {}
    for i, company in enumerate(data.companies):
        if company.kvk in kvks:
            yield ConfigProblem(
                f"companies[{i}].kvk", f"{company.kvk} is already the KvK number of {kvks[company.kvk]}"
            )
        kvks[company.kvk] = company.id
        numbers = [v.number for v in company.vestigingen]
        for j, number in enumerate(numbers):
            if numbers.index(number) != j:
                yield ConfigProblem(f"companies[{i}].vestigingen[{j}].number", f"{number} appears twice")
        if company.bsn and company.rsin:
            yield ConfigProblem(
                f"companies[{i}].bsn",
                "a sole trader (eenmanszaak, identified by BSN) has no RSIN (remove rsin or bsn)",
            )
    for i, person in enumerate(data.persons):
        means_ids = [m.id for m in person.means]
        for j, means in enumerate(person.means):
            path = f"persons[{i}].means[{j}]"
            if means_ids.index(means.id) != j:
                yield ConfigProblem(f"{path}.id", f"{means.id!r} is used twice for this person")
            if means.ad not in kinds:
                yield ConfigProblem(
                    f"{path}.ad", f"unknown authentication service {means.ad!r} (known: {', '.join(kinds)})"
                )
            elif kinds[means.ad] != "eherkenning":
                yield ConfigProblem(
                    f"{path}.ad", f"{means.ad!r} is an eIDAS service; Dutch persons log in at eHerkenning services"
                )
        direct = {a.company for a in person.authorisations if a.via is None}
        for j, auth in enumerate(person.authorisations):
            path = f"persons[{i}].authorisations[{j}]"
            authorising = companies.get(auth.company)
            if authorising is None:
                yield ConfigProblem(
                    f"{path}.company", f"unknown company {auth.company!r} (known: {', '.join(companies)})"
                )
                continue
            for k, service in enumerate(auth.services):
                if service != ALL_SERVICES and not _UUID_RE.match(service):
                    yield ConfigProblem(f"{path}.services[{k}]", f'{service!r} is neither "*" nor a ServiceUUID')
            if auth.vestiging is not None and authorising.vestiging(auth.vestiging) is None:
                known = ", ".join(v.number for v in authorising.vestigingen) or "none"
                yield ConfigProblem(
                    f"{path}.vestiging", f"{auth.vestiging} is not a vestiging of {authorising.id} (known: {known})"
                )
            if auth.via is not None:
                if auth.via not in companies:
                    yield ConfigProblem(f"{path}.via", f"unknown intermediary company {auth.via!r}")
                elif auth.via not in direct:
                    yield ConfigProblem(
                        f"{path}.via",
                        f"{person.id} acts through {auth.via!r} but has no direct authorisation for it "
                        "(a chain authorisation needs the person to be authorised for the intermediary too)",
                    )
                elif auth.via == auth.company:
                    yield ConfigProblem(f"{path}.via", "an intermediary cannot act for itself")


# ------------------------------------------------------------------ loading


def _validate(raw: Any, source: str) -> TestData:
    if not isinstance(raw, dict):
        raise ConfigInvalidError(
            [ConfigProblem("", "the file must hold a mapping (see docs/broker.md)")], source=source
        )
    try:
        return TestData.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise ConfigInvalidError(problems_from_pydantic(exc.errors()), source=source) from None


def load_test_data(path: str | Path | None = None) -> TestData:
    """Read and validate test data; ``None`` gives the packaged default set."""
    if path is None:
        text = resources.files("ehkit.broker").joinpath("data", DEFAULT_DATA).read_text(encoding="utf-8")
        source = "ehkit/broker/data/default.yaml"
    else:
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"test data file not found: {file}", reason="data_not_found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read test data file {file}: {exc}", reason="data_unreadable") from None
        source = str(file)
    return parse_test_data(text, source=source)


def parse_test_data(text: str, *, source: str = "test data") -> TestData:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigInvalidError([ConfigProblem("", f"not valid YAML: {exc}")], source=source) from None
    return _validate(raw, source)
