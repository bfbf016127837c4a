"""Input models for every form and for the YAML import: one set of rules for both.

Each validator raises a ``PydanticCustomError`` whose type is a key of the
translation table (``web/i18n.py``), so a browser user reads the problem in
Dutch or English and the CLI prints it in English, always naming the field and
what is allowed. Identifiers are checked with :mod:`ehkit.domain` (OIN 20
digits, KvK 8 digits) and URLs with :func:`ehkit.config.types.check_url`, so a
value the workspace accepts is one ``ehkit.toml`` accepts too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

import pydantic
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from ehkit.config.types import SLUG_RE, check_url
from ehkit.domain.identifiers import EntityID, KvKNumber, Oin
from ehkit.domain.urns import ATTRIBUTES, is_identifying
from ehkit.errors import ValidationError
from ehkit.workspace.errors import InvalidInput, Problem
from ehkit.workspace.models import (
    AUDIENCES,
    CHANGE_STATUSES,
    CHANNELS,
    CONNECTION_ROLES,
    CRITERION_KINDS,
    INTERFACES,
    INTERMEDIATION,
    QUESTION_STATUSES,
    RACI_LETTERS,
    RECURRING_PERIODS,
    ROLES,
    STATUSES,
)

SECTORS = ("gemeente", "provincie", "waterschap", "rijk", "zbo", "onderwijs", "zorg", "other")
IDENTIFIER_TYPES = ("KvKnr", "RSIN", "BSN", "PseudoID", "Pseudo", "eIDASLegalIdentifier")
EIDAS_TYPES = ("Pseudo", "PseudoID", "eIDASLegalIdentifier")
MIN_PASSWORD = 12
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
M = TypeVar("M", bound=BaseModel)


def _err(key: str, message: str, **params: Any) -> PydanticCustomError:
    return PydanticCustomError(key, message, params)


# ------------------------------------------------------------------ field types


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


def _text(max_length: int) -> Any:
    def check(value: str) -> str:
        value = value.strip()
        if not value:
            raise _err("required", "is required (fill it in)")
        if len(value) > max_length:
            raise _err(
                "too_long", "is {length} characters, at most {max} are allowed", length=len(value), max=max_length
            )
        return value

    return AfterValidator(check)


def _optional_text(max_length: int) -> Any:
    def check(value: str | None) -> str | None:
        if value is not None and len(value) > max_length:
            raise _err(
                "too_long", "is {length} characters, at most {max} are allowed", length=len(value), max=max_length
            )
        return value

    return AfterValidator(check)


def _oin(value: Any) -> str:
    try:
        return str(Oin(str(value).strip()))
    except ValidationError:
        raise _err("oin", "must be an OIN: exactly 20 digits 0-9, e.g. 00000001234567890000") from None


def _kvk(value: Any) -> str:
    try:
        return str(KvKNumber(str(value).strip()))
    except ValidationError:
        raise _err("kvk", "must be a KvK number: exactly 8 digits 0-9, e.g. 30123456") from None


def _slug(value: Any) -> str:
    text = str(value).strip()
    if not SLUG_RE.match(text):
        raise _err(
            "slug",
            "must be lowercase letters, digits, - and _, starting with a letter, at most 40 characters (e.g. voorbeeldstad)",
        )
    return text


def _url(value: Any) -> str:
    try:
        return check_url(str(value).strip())
    except ValueError:
        raise _err("url", "must be an https:// address of at most 512 characters (http only for localhost)") from None


def _email(value: Any) -> str:
    text = str(value).strip().lower()
    if len(text) > 254 or not _EMAIL_RE.match(text):
        raise _err("email", "must be an e-mail address, e.g. naam@voorbeeldstad.nl")
    return text


def _entity_id(value: Any) -> str:
    try:
        eid = EntityID(str(value).strip())
    except ValidationError:
        raise _err(
            "broker_entity_id", "must be the broker's EntityID: urn:etoegang:HM:<20-digit OIN>:entities:<n>"
        ) from None
    if eid.role != "HM":
        raise _err("broker_entity_id", "must be the broker's EntityID: urn:etoegang:HM:<20-digit OIN>:entities:<n>")
    return str(eid)


def _server_path(value: Any) -> str:
    text = str(value).strip()
    if len(text) > 1024 or "\x00" in text:
        raise _err("path", "must be a file path on the server of at most 1024 characters")
    return text


def _choice(allowed: tuple[str, ...], key: str = "choice") -> Any:
    def check(value: Any) -> str:
        text = str(value).strip() if value is not None else ""
        if text not in allowed:
            raise _err(key, "must be one of: {allowed}", allowed=", ".join(allowed))
        return text

    return BeforeValidator(check)


def _form_bool(value: Any) -> Any:
    """HTML checkboxes send "on" or nothing; YAML sends true/false."""
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return False
    if isinstance(value, str) and value.lower() in ("on", "true", "1", "yes", "ja"):
        return True
    if isinstance(value, str) and value.lower() in ("off", "false", "0", "no", "nee"):
        return False
    raise _err("bool", "must be yes or no (true/false)")


def _date(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _err("date", "must be a date written as YYYY-MM-DD, e.g. 2027-03-01") from None


def _int(low: int, high: int) -> Any:
    return BeforeValidator(_int_check(low, high))


def _opt_int(low: int, high: int) -> Any:
    check = _int_check(low, high)
    return BeforeValidator(lambda v: None if _blank_to_none(v) is None else check(v))


def _int_check(low: int, high: int) -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool):
            raise _err("int_range", "must be a whole number from {low} to {high}", low=low, high=high)
        try:
            number = int(str(value).strip())
        except ValueError:
            raise _err("int_range", "must be a whole number from {low} to {high}", low=low, high=high) from None
        if not low <= number <= high:
            raise _err("int_range", "must be a whole number from {low} to {high}", low=low, high=high)
        return number

    return check


Name64 = Annotated[str, _text(64)]
Text1024 = Annotated[str, _text(1024)]
Str200 = Annotated[str, _text(200)]
Oin_ = Annotated[str, BeforeValidator(_oin)]
Kvk_ = Annotated[str | None, BeforeValidator(lambda v: None if _blank_to_none(v) is None else _kvk(v))]
Slug_ = Annotated[str, BeforeValidator(_slug)]
Url_ = Annotated[str | None, BeforeValidator(lambda v: None if _blank_to_none(v) is None else _url(v))]
Email_ = Annotated[str, BeforeValidator(_email)]
OptEmail = Annotated[str | None, BeforeValidator(lambda v: None if _blank_to_none(v) is None else _email(v))]
Path_ = Annotated[str | None, BeforeValidator(lambda v: None if _blank_to_none(v) is None else _server_path(v))]
Bool_ = Annotated[bool, BeforeValidator(_form_bool)]
Date_ = Annotated[date | None, BeforeValidator(_date)]
FreeText = Annotated[str, BeforeValidator(lambda v: "" if v is None else str(v).strip()), _optional_text(4000)]
OptStr = Annotated[str | None, BeforeValidator(_blank_to_none)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ------------------------------------------------------------------ accounts and projects


class UserIn(_In):
    email: Email_
    display_name: Name64
    password: str

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        if len(value) < MIN_PASSWORD:
            raise _err("password_short", "must be at least {min} characters", min=MIN_PASSWORD)
        if len(value) > 1024:
            raise _err("too_long", "is {length} characters, at most {max} are allowed", length=len(value), max=1024)
        return value


class ProjectIn(_In):
    slug: Slug_
    name: Name64
    oin: Oin_
    kvk: Kvk_ = None
    sector: Annotated[str, _choice(SECTORS, "sector")] = "gemeente"
    go_live: Date_ = None


class ProjectEdit(_In):
    name: Name64
    oin: Oin_
    kvk: Kvk_ = None
    sector: Annotated[str, _choice(SECTORS, "sector")] = "gemeente"
    go_live: Date_ = None


class SettingsIn(_In):
    """Step 5 settings. Paths are validated on save by ``services.step5.check_settings`` (they must exist)."""

    name_en: Annotated[str | None, BeforeValidator(_blank_to_none), _optional_text(64)] = None
    is_public: Bool_ = True
    entity_index: Annotated[int, _int(0, 9999)] = 0
    eidas_entity_index: Annotated[int, _int(0, 9999)] = 1
    acs_url: Url_ = None
    organization_url: Url_ = None
    contact_company: Annotated[str | None, BeforeValidator(_blank_to_none), _optional_text(256)] = None
    contact_email: OptEmail = None
    contact_telephone: Annotated[str | None, BeforeValidator(_blank_to_none), _optional_text(40)] = None
    signing_key_path: Path_ = None
    signing_cert_path: Path_ = None
    encryption_key_path: Path_ = None
    encryption_cert_path: Path_ = None
    broker_entity_id: Annotated[
        str | None, BeforeValidator(lambda v: None if _blank_to_none(v) is None else _entity_id(v))
    ] = None
    broker_metadata_file: Path_ = None
    broker_metadata_url: Url_ = None
    broker_pinned_certs: list[Annotated[str, BeforeValidator(_server_path)]] = Field(default_factory=list)
    catalogue_environment: Annotated[str, _choice(("T", "P"), "environment")] = "T"
    catalogue_sequence: Annotated[int, _int(1, 1_000_000)] = 1

    @field_validator("broker_pinned_certs", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [line.strip() for line in value.splitlines() if line.strip()]
        return value


# ------------------------------------------------------------------ step 1


class MemberIn(_In):
    name: Annotated[str, _text(120)]
    email: OptEmail = None
    organisation: Annotated[str | None, BeforeValidator(_blank_to_none), _optional_text(120)] = None
    roles: list[Annotated[str, _choice(CONNECTION_ROLES, "connection_role")]] = Field(default_factory=list)
    notes: FreeText = ""
    raci: dict[int, Annotated[str, _choice(RACI_LETTERS, "raci_letter")]] = Field(default_factory=dict)

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, value: list[str]) -> list[str]:
        return sorted(set(value), key=CONNECTION_ROLES.index)

    @field_validator("raci", mode="before")
    @classmethod
    def _raci_steps(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        out: dict[int, Any] = {}
        for step, letter in value.items():
            try:
                number = int(step)
            except (TypeError, ValueError):
                raise _err("step", "must be a step number from 1 to 6") from None
            if not 1 <= number <= 6:
                raise _err("step", "must be a step number from 1 to 6")
            if letter not in (None, ""):
                out[number] = letter
        return out


# ------------------------------------------------------------------ step 2


class AttributeIn(_In):
    urn: str
    required: Bool_ = False
    purpose_nl: Text1024
    purpose_en: Text1024

    @field_validator("urn")
    @classmethod
    def _urn(cls, value: str) -> str:
        if is_identifying(value):
            raise _err("attribute_identifying", "identifies a party and may never be requested as an attribute")
        if not value.startswith("urn:etoegang:"):
            raise _err(
                "attribute_urn", "must be an eHerkenning attribute URN, e.g. {example}", example=sorted(ATTRIBUTES)[0]
            )
        return value


def _identifier_set(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in re.split(r"[+,\s]+", value) if part.strip()]
    if not isinstance(value, list):
        raise _err(
            "identifier_set", "must be a list of identifier types from: {allowed}", allowed=", ".join(IDENTIFIER_TYPES)
        )
    cleaned: list[str] = []
    for item in value:
        name = str(item).strip()
        if name not in IDENTIFIER_TYPES:
            raise _err(
                "identifier_set",
                "must be a list of identifier types from: {allowed}",
                allowed=", ".join(IDENTIFIER_TYPES),
            )
        if name not in cleaned:
            cleaned.append(name)
    return cleaned


class ServiceIn(_In):
    key: Slug_
    index: Annotated[int, _int(1, 9999)]
    name_nl: Name64
    name_en: Name64
    description_nl: Text1024
    description_en: Text1024
    description_url: Url_ = None
    channel: Annotated[str, _choice(CHANNELS, "channel")] = "web"
    audience: FreeText = ""
    backoffice_system: Annotated[
        str, BeforeValidator(lambda v: "" if v is None else str(v).strip()), _optional_text(200)
    ] = ""
    backoffice_process: FreeText = ""
    data_needed: FreeText = ""
    identifier_sets: list[Annotated[list[str], BeforeValidator(_identifier_set)]] = Field(default_factory=list)
    vestiging_allowed: Bool_ = False
    intermediation: Annotated[str, _choice(INTERMEDIATION, "intermediation")] = "noIntermediation"
    eidas: Bool_ = False
    eidas_wanted: Bool_ = False
    eidas_for: OptStr = None
    service_url_nl: Url_ = None
    service_url_en: Url_ = None
    privacy_url_nl: Url_ = None
    privacy_url_en: Url_ = None
    attributes: list[AttributeIn] = Field(default_factory=list)
    bsnk_structure_version: Annotated[int | None, _opt_int(0, 99)] = None
    bsnk_recipient_key_set_version: Annotated[int | None, _opt_int(0, 99)] = None

    @field_validator("identifier_sets")
    @classmethod
    def _sets(cls, value: list[list[str]]) -> list[list[str]]:
        value = [s for s in value if s]
        if not value:
            raise _err("identifier_required", "choose at least one identifier type (e.g. KvKnr)")
        if len({tuple(sorted(s)) for s in value}) != len(value):
            raise _err("identifier_duplicate_set", "the fallback set is the same as the first choice (remove it)")
        return value

    @pydantic.model_validator(mode="after")
    def _eidas(self) -> ServiceIn:
        types = {t for s in self.identifier_sets for t in s}
        if self.eidas and types - set(EIDAS_TYPES):
            raise PydanticCustomError(
                "eidas_identifiers",
                "an eIDAS service identifies foreign users by Pseudo, PseudoID or eIDASLegalIdentifier only",
                {"field": "identifier_sets"},
            )
        if self.vestiging_allowed and "KvKnr" not in types:
            raise PydanticCustomError(
                "vestiging_needs_kvk",
                "the branch (vestiging) restriction only exists for KvK numbers (add KvKnr)",
                {"field": "vestiging_allowed"},
            )
        if self.attributes and not self.privacy_url_nl:
            raise PydanticCustomError(
                "privacy_needed",
                "is required because the service requests attributes (link to your privacy statement)",
                {"field": "privacy_url_nl"},
            )
        return self


class ChangeIn(_In):
    title: Str200
    owner: OptStr = None
    status: Annotated[str, _choice(CHANGE_STATUSES, "change_status")] = "todo"


class QuestionIn(_In):
    question: Annotated[str, _text(2000)]
    audience: Annotated[str, _choice(AUDIENCES, "audience")] = "external"
    service: OptStr = None
    owner: OptStr = None
    status: Annotated[str, _choice(QUESTION_STATUSES, "question_status")] = "open"
    notes: FreeText = ""


# ------------------------------------------------------------------ step 4

MAX_AMOUNT = Decimal("9999999999.99")
_AMOUNT_RE = re.compile(r"^[0-9]+([.,][0-9]+)?$")


def _decimal(value: Any, places: int, low: Decimal, high: Decimal, key: str, message: str) -> Decimal:
    if isinstance(value, bool):
        raise _err(key, message, low=str(low), high=str(high))
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        text = str(value).strip().replace("\u20ac", "").replace("EUR", "").strip()
        negative = text.startswith("-")
        if negative:
            raise _err(f"{key}_negative", "must not be negative", low=str(low), high=str(high))
        if not _AMOUNT_RE.match(text):
            raise _err(key, message, low=str(low), high=str(high))
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise _err(key, message, low=str(low), high=str(high)) from None
    if number < 0:
        raise _err(f"{key}_negative", "must not be negative", low=str(low), high=str(high))
    if number != number.quantize(Decimal(1).scaleb(-places)) or not number.is_finite():
        raise _err(key, message, low=str(low), high=str(high))
    if not low <= number <= high:
        raise _err(key, message, low=str(low), high=str(high))
    return number.quantize(Decimal(1).scaleb(-places))


def _money(value: Any) -> Decimal:
    return _decimal(
        value, 2, Decimal(0), MAX_AMOUNT, "money",
        "must be an amount in euro of at least 0 with at most two decimals, e.g. 1250.00 (no thousands separator)",
    )  # fmt: skip


def _fixed(places: int, high: str, key: str) -> Any:
    def check(value: Any) -> Decimal:
        return _decimal(
            value, places, Decimal(0), Decimal(high), key,
            "must be a number from {low} to {high} with at most " + str(places) + " decimal(s)",
        )  # fmt: skip

    return BeforeValidator(check)


def _opt(check: Any) -> Any:
    return BeforeValidator(lambda v: None if _blank_to_none(v) is None else check(v))


Money = Annotated[Decimal, BeforeValidator(lambda v: _money("0" if _blank_to_none(v) is None else v))]
OptMoney = Annotated[Decimal | None, _opt(_money)]
Weight = Annotated[Decimal, _fixed(2, "1000", "weight")]
Score = Annotated[Decimal, _fixed(1, "10", "score")]
OptPercent = Annotated[Decimal | None, _opt(lambda v: _decimal(v, 2, Decimal(0), Decimal(100), "percent",
                                                                 "must be a percentage from {low} to {high} with at most 2 decimals"))]  # fmt: skip
BrokerKey = Annotated[str, BeforeValidator(_slug)]


class SlaIn(_In):
    name: Annotated[str, _text(120)]
    availability_pct: OptPercent = None
    response_hours: Annotated[int | None, _opt_int(0, 8760)] = None
    cost_per_year: Money = Decimal("0.00")
    in_tco: Bool_ = False


class QuoteIn(_In):
    broker: BrokerKey
    received_on: Date_ = None
    valid_until: Date_ = None
    one_off_cost: Money = Decimal("0.00")
    recurring_cost: Money = Decimal("0.00")
    recurring_period: Annotated[str, _choice(RECURRING_PERIODS, "recurring_period")] = "year"
    price_per_login: OptMoney = None
    price_per_service: OptMoney = None
    contract_term_months: Annotated[int | None, _opt_int(0, 240)] = None
    notice_period_months: Annotated[int | None, _opt_int(0, 120)] = None
    exit_conditions: FreeText = ""
    custom_work: FreeText = ""
    support: FreeText = ""
    interfaces: list[Annotated[str, _choice(INTERFACES, "interface")]] = Field(default_factory=list)
    supplier_contacts: FreeText = ""
    references: FreeText = ""
    notes: FreeText = ""
    sla_options: list[SlaIn] = Field(default_factory=list)

    @field_validator("interfaces")
    @classmethod
    def _unique_interfaces(cls, value: list[str]) -> list[str]:
        return sorted(set(value), key=INTERFACES.index)

    @field_validator("sla_options")
    @classmethod
    def _one_in_tco(cls, value: list[SlaIn]) -> list[SlaIn]:
        if sum(1 for o in value if o.in_tco) > 1:
            raise _err("sla_one_in_tco", "mark at most one SLA option as counted in the total cost")
        return value


class ComparisonIn(_In):
    horizon_years: Annotated[int, _int(1, 30)] = 5
    logins_per_year: Annotated[int, _int(0, 1_000_000_000)] = 0
    services_count: Annotated[int | None, _opt_int(0, 9999)] = None


class CriterionIn(_In):
    key: Slug_
    name_nl: Annotated[str, _text(120)]
    name_en: Annotated[str, _text(120)]
    kind: Annotated[str, _choice(CRITERION_KINDS, "criterion_kind")] = "manual"
    weight: Weight = Decimal("0.00")


class WeightsIn(_In):
    """A whole weight set (criterion key -> weight); a set that sums to zero cannot rank anything."""

    weights: dict[str, Weight]

    @field_validator("weights")
    @classmethod
    def _not_zero(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        if value and sum(value.values(), Decimal(0)) == 0:
            raise _err("weights_sum_zero", "the weights sum to zero: give at least one criterion a weight above 0")
        return value


class ScoreIn(_In):
    score: Score
    note: FreeText = ""


class DecisionIn(_In):
    broker: BrokerKey
    justification: Annotated[str, _text(4000)]
    decided_on: Date_ = None


class ProjectBrokerIn(_In):
    key: Slug_
    name: Annotated[str, _text(120)]
    website: Url_ = None
    interfaces: list[Annotated[str, _choice(INTERFACES, "interface")]] = Field(default_factory=list)
    notes: FreeText = ""


# ------------------------------------------------------------------ step 6


class PlanIn(_In):
    required_from: Date_ = None
    info_url: Url_ = None
    contact: Annotated[str, BeforeValidator(lambda v: "" if v is None else str(v).strip()), _optional_text(200)] = ""
    notes: FreeText = ""


class KeyMessageIn(_In):
    text_nl: Annotated[str, _text(4000)]
    text_en: Annotated[str, _text(4000)]


class DeclarationIn(_In):
    confirmed: Bool_ = False
    note: FreeText = ""


# ------------------------------------------------------------------ dashboard


class OverrideIn(_In):
    status: Annotated[
        str | None, BeforeValidator(lambda v: None if _blank_to_none(v) in (None, "auto") else v), _optional_text(16)
    ] = None
    reason: FreeText = ""

    @pydantic.model_validator(mode="after")
    def _reason(self) -> OverrideIn:
        if self.status is not None and self.status not in STATUSES:
            raise PydanticCustomError(
                "step_status", "must be one of: {allowed}", {"field": "status", "allowed": ", ".join(STATUSES)}
            )
        if self.status is not None and not self.reason:
            raise PydanticCustomError(
                "override_reason", "give the reason for setting the status by hand", {"field": "reason"}
            )
        return self


class ActionIn(_In):
    step: Annotated[int, _int(1, 6)]
    title: Str200
    owner: OptStr = None
    due: Date_ = None
    done: Bool_ = False


class RoleIn(_In):
    role: Annotated[str, _choice(ROLES, "role")]


class InviteIn(_In):
    email: Email_
    role: Annotated[str, _choice(ROLES, "role")]


# ------------------------------------------------------------------ errors


def problems_from(exc: pydantic.ValidationError, *, prefix: str = "") -> list[Problem]:
    """Pydantic's errors as Problems: a dotted field path, a translation key, and its parameters."""
    problems: list[Problem] = []
    for error in exc.errors():
        loc = [part for part in error.get("loc", ()) if not str(part).startswith("function-")]
        ctx = dict(error.get("ctx") or {})
        field = ctx.pop("field", None)
        path = ""
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (("." if path else "") + str(part))
        if field:
            path = f"{path}.{field}" if path else str(field)
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        kind = str(error.get("type", "invalid"))
        if kind == "missing":
            kind = "required"
        elif kind == "extra_forbidden":
            kind = "unknown_field"
        elif kind in ("greater_than_equal", "less_than_equal", "int_parsing", "int_type"):
            kind = "number"
        elif kind not in _KNOWN_KEYS:
            ctx = {"detail": str(error.get("msg", ""))}
            kind = "invalid"
        problems.append(Problem(path, kind, {k: v for k, v in ctx.items() if isinstance(v, (str, int, float))}))
    return problems


_KNOWN_KEYS = {
    "required", "too_long", "oin", "kvk", "slug", "url", "email", "broker_entity_id", "path", "choice", "bool",
    "date", "int_range", "password_short", "sector", "environment", "connection_role", "raci_letter", "step",
    "attribute_identifying", "attribute_urn", "identifier_set", "identifier_required", "identifier_duplicate_set",
    "eidas_identifiers", "vestiging_needs_kvk", "privacy_needed", "channel", "intermediation", "change_status",
    "audience", "question_status", "step_status", "override_reason", "role", "list_type", "dict_type",
    "model_type", "string_type", "bool_parsing", "bool_type", "format_version", "uuid",
    "money", "money_negative", "weight", "weight_negative", "score", "score_negative", "percent", "percent_negative",
    "recurring_period", "interface", "criterion_kind", "sla_one_in_tco", "weights_sum_zero",
}  # fmt: skip


def parse(model: type[M], data: Mapping[str, Any], *, source: str = "form", prefix: str = "") -> M:
    """Validate ``data`` as ``model`` or raise InvalidInput naming every wrong field."""
    try:
        return model.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        raise InvalidInput(problems_from(exc, prefix=prefix), source=source) from None


__all__ = [
    "EIDAS_TYPES",
    "IDENTIFIER_TYPES",
    "MIN_PASSWORD",
    "SECTORS",
    "ActionIn",
    "AttributeIn",
    "ChangeIn",
    "ComparisonIn",
    "CriterionIn",
    "DecisionIn",
    "DeclarationIn",
    "InviteIn",
    "KeyMessageIn",
    "MemberIn",
    "OverrideIn",
    "PlanIn",
    "ProjectBrokerIn",
    "ProjectEdit",
    "ProjectIn",
    "QuestionIn",
    "QuoteIn",
    "RoleIn",
    "ScoreIn",
    "ServiceIn",
    "SettingsIn",
    "SlaIn",
    "UserIn",
    "WeightsIn",
    "parse",
    "problems_from",
]
