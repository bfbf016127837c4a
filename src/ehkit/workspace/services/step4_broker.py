"""Step 4, choose a broker: quotes, total cost of ownership, weighted scoring, ranking, sensitivity, decision.

Two layers. The pure one (:func:`tco`, :func:`score_quotes`, :func:`rank`,
:func:`sensitivity`) works on plain values and returns typed results, so it
can be checked by hand and reused by the dossier. The session layer reads and
writes the project's quotes, criteria, scores and decision, and
:func:`comparison` puts it all together for the page and the dossier.

The rules, so the numbers can be recomputed on paper:

* **TCO** over ``horizon`` years = one-off + recurring x periods per year x
  horizon + price per login x logins per year x horizon + price per service x
  services x horizon + the SLA option counted in the TCO x horizon.
* **Price score** (criteria of kind ``tco``): the cheapest TCO scores 10, any
  other 10 x cheapest / its TCO (a TCO of 0 scores 10).
* **Manual scores** are 0 to 10 as the project gives them; a missing score
  counts as 0 and is reported.
* **Weighted score** = sum(weight x score) / sum(weights). A weight set that
  sums to zero is refused.
* **Ranking**: highest weighted score first; ties by lower TCO, then name.
* **Sensitivity**: the ranking again with each criterion's weight at 50 % and
  at 150 % (the others unchanged); a case whose winner differs is flagged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from ehkit.workspace.data import BrokerFile, BrokerInfo, load_brokers
from ehkit.workspace.errors import InvalidInput, NotFound, Problem
from ehkit.workspace.models import (
    PERIODS_PER_YEAR,
    PRESET_CRITERIA,
    BrokerComparison,
    BrokerDecision,
    BrokerQuote,
    Project,
    ProjectBroker,
    QuoteCriterion,
    QuoteScore,
    QuoteSlaOption,
    utcnow,
)
from ehkit.workspace.schemas import (
    ComparisonIn,
    CriterionIn,
    DecisionIn,
    ProjectBrokerIn,
    QuoteIn,
    ScoreIn,
    WeightsIn,
    parse,
)
from ehkit.workspace.services import step2_inventory
from ehkit.workspace.services.audit import Actor, created, deleted, record
from ehkit.workspace.services.common import check_version, update

ZERO = Decimal(0)
TEN = Decimal(10)
CENT = Decimal("0.01")
SENSITIVITY_FACTORS = (Decimal("0.5"), Decimal("1.5"))
#: The preset criteria's names (the four of the step plan).
PRESET_NAMES: dict[str, tuple[str, str]] = {
    "price": ("Prijs (eenmalig en terugkerend, als TCO)", "Price (one-off and recurring, as TCO)"),
    "custom_work_support": ("Maatwerk en ondersteuning", "Custom work and support"),
    "sla": ("Extra SLA-afspraken", "Extra SLA terms"),
    "supplier_ties": ("Bestaande contacten met de softwareleverancier", "Existing ties with the software supplier"),
}


def money(value: Decimal) -> Decimal:
    """Round to whole cents (half up), the way an invoice does."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------ the pure layer


@dataclass(frozen=True)
class QuoteFigures:
    """What the TCO needs of a quote."""

    key: str
    one_off: Decimal = ZERO
    recurring: Decimal = ZERO
    period: str = "year"
    per_login: Decimal | None = None
    per_service: Decimal | None = None
    sla_per_year: Decimal = ZERO


@dataclass(frozen=True)
class Tco:
    key: str
    horizon_years: int
    one_off: Decimal
    recurring: Decimal
    logins: Decimal
    services: Decimal
    sla: Decimal
    total: Decimal

    @property
    def per_year(self) -> Decimal:
        return money(self.total / self.horizon_years)


def tco(q: QuoteFigures, *, horizon_years: int, logins_per_year: int, services_count: int) -> Tco:
    if horizon_years < 1:
        raise ValueError("the horizon is at least one year")
    years = Decimal(horizon_years)
    recurring = q.recurring * PERIODS_PER_YEAR[q.period] * years
    logins = (q.per_login or ZERO) * logins_per_year * years
    services = (q.per_service or ZERO) * services_count * years
    sla = q.sla_per_year * years
    one_off, recurring, logins, services, sla = (money(x) for x in (q.one_off, recurring, logins, services, sla))
    total = one_off + recurring + logins + services + sla
    return Tco(q.key, horizon_years, one_off, recurring, logins, services, sla, total)


@dataclass(frozen=True)
class Criterion:
    key: str
    kind: str  # tco / manual
    weight: Decimal


@dataclass(frozen=True)
class ScoredQuote:
    key: str
    tco: Decimal
    scores: dict[str, Decimal]  # criterion key -> 0..10
    weighted: Decimal
    missing: tuple[str, ...]  # manual criteria without a score (counted as 0)

    @property
    def weighted_shown(self) -> Decimal:
        return self.weighted.quantize(CENT, rounding=ROUND_HALF_UP)


class WeightsSumZero(InvalidInput):
    def __init__(self) -> None:
        super().__init__([Problem("weights", "weights_sum_zero")], source="criteria")


def price_score(total: Decimal, cheapest: Decimal) -> Decimal:
    if total <= 0:
        return TEN
    return TEN * cheapest / total


def score_quotes(
    criteria: Sequence[Criterion],
    totals: Mapping[str, Decimal],
    manual: Mapping[tuple[str, str], Decimal],
    *,
    weights: Mapping[str, Decimal] | None = None,
) -> list[ScoredQuote]:
    """Every quote's score per criterion and its weighted score; ``weights`` overrides the criteria's own."""
    used = {c.key: (weights[c.key] if weights is not None and c.key in weights else c.weight) for c in criteria}
    total_weight = sum(used.values(), ZERO)
    if total_weight == 0:
        raise WeightsSumZero()
    cheapest = min(totals.values()) if totals else ZERO
    out = []
    for key, total in totals.items():
        scores: dict[str, Decimal] = {}
        missing: list[str] = []
        for c in criteria:
            if c.kind == "tco":
                scores[c.key] = price_score(total, cheapest)
            elif (key, c.key) in manual:
                scores[c.key] = manual[(key, c.key)]
            else:
                scores[c.key] = ZERO
                missing.append(c.key)
        weighted = sum((used[c.key] * scores[c.key] for c in criteria), ZERO) / total_weight
        out.append(ScoredQuote(key, total, scores, weighted, tuple(missing)))
    return out


def rank(scored: Sequence[ScoredQuote], names: Mapping[str, str] | None = None) -> list[ScoredQuote]:
    names = names or {}
    return sorted(scored, key=lambda s: (-s.weighted, s.tco, names.get(s.key, s.key), s.key))


@dataclass(frozen=True)
class SensitivityCase:
    criterion: str
    factor: Decimal
    weights: dict[str, Decimal]
    order: tuple[str, ...]
    winner_changed: bool
    order_changed: bool


@dataclass(frozen=True)
class Sensitivity:
    base_order: tuple[str, ...]
    cases: tuple[SensitivityCase, ...]

    @property
    def robust(self) -> bool:
        """No single weight change of ±50 % changes the winner."""
        return not any(c.winner_changed for c in self.cases)

    @property
    def winner_changes(self) -> tuple[SensitivityCase, ...]:
        return tuple(c for c in self.cases if c.winner_changed)


def sensitivity(
    criteria: Sequence[Criterion],
    totals: Mapping[str, Decimal],
    manual: Mapping[tuple[str, str], Decimal],
    names: Mapping[str, str] | None = None,
) -> Sensitivity:
    base = tuple(s.key for s in rank(score_quotes(criteria, totals, manual), names))
    cases = []
    for c in criteria:
        for factor in SENSITIVITY_FACTORS:
            weights = {x.key: (x.weight * factor if x.key == c.key else x.weight) for x in criteria}
            if sum(weights.values(), ZERO) == 0:  # pragma: no cover - only when this was the only weight, and 0
                continue
            order = tuple(s.key for s in rank(score_quotes(criteria, totals, manual, weights=weights), names))
            cases.append(
                SensitivityCase(
                    c.key, factor, weights, order, bool(base) and order[:1] != base[:1], order != base
                )
            )  # fmt: skip
    return Sensitivity(base, tuple(cases))


# ------------------------------------------------------------------ brokers: the data file and the project's own


@dataclass(frozen=True)
class BrokerChoice:
    """A broker a quote can name: from the data file (``info``) or added by the project (``own``)."""

    key: str
    name: str
    info: BrokerInfo | None = None
    own: ProjectBroker | None = None

    @property
    def interfaces(self) -> tuple[str, ...]:
        if self.info is not None:
            return self.info.interfaces
        return tuple(self.own.interfaces) if self.own is not None else ()


def broker_data() -> BrokerFile:
    return load_brokers()


def project_brokers(session: Session, project: Project) -> list[ProjectBroker]:
    return list(
        session.scalars(select(ProjectBroker).where(ProjectBroker.project_id == project.id).order_by(ProjectBroker.key))
    )


def brokers(session: Session, project: Project) -> dict[str, BrokerChoice]:
    out = {b.key: BrokerChoice(b.key, b.name, info=b) for b in broker_data().brokers}
    for own in project_brokers(session, project):
        out.setdefault(own.key, BrokerChoice(own.key, own.name, own=own))
    return out


def add_project_broker(session: Session, project: Project, raw: Mapping[str, Any], actor: Actor) -> ProjectBroker:
    data = parse(ProjectBrokerIn, raw, source="broker")
    if data.key in brokers(session, project):
        raise InvalidInput([Problem("key", "broker_key_taken", {"key": data.key})], source="broker")
    found = ProjectBroker(project_id=project.id, **data.model_dump())
    session.add(found)
    created(session, actor, found, project_id=project.id, label=data.name)
    return found


def delete_project_broker(session: Session, project: Project, broker_id: int, actor: Actor) -> None:
    found = session.get(ProjectBroker, broker_id)
    if found is None or found.project_id != project.id:
        raise NotFound(f"no broker {broker_id} in this project", reason="workspace_not_found")
    if session.scalar(
        select(BrokerQuote.id).where(BrokerQuote.project_id == project.id, BrokerQuote.broker_key == found.key)
    ):
        raise InvalidInput([Problem("broker", "broker_has_quote", {"key": found.key})], source="broker")
    deleted(session, actor, found, project_id=project.id, label=found.name)
    session.delete(found)


# ------------------------------------------------------------------ quotes


def quotes(session: Session, project: Project) -> list[BrokerQuote]:
    return list(
        session.scalars(select(BrokerQuote).where(BrokerQuote.project_id == project.id).order_by(BrokerQuote.id))
    )


def quote(session: Session, project: Project, quote_id: int) -> BrokerQuote:
    found = session.get(BrokerQuote, quote_id)
    if found is None or found.project_id != project.id:
        raise NotFound(f"no quote {quote_id} in this project", reason="workspace_not_found")
    return found


def _quote_values(session: Session, project: Project, data: QuoteIn, own_id: int | None) -> dict[str, Any]:
    if data.broker not in brokers(session, project):
        raise InvalidInput([Problem("broker", "unknown_broker", {"key": data.broker})], source="quote")
    query = select(BrokerQuote.id).where(BrokerQuote.project_id == project.id, BrokerQuote.broker_key == data.broker)
    if own_id is not None:
        query = query.where(BrokerQuote.id != own_id)
    if session.scalar(query) is not None:
        raise InvalidInput([Problem("broker", "quote_broker_taken", {"key": data.broker})], source="quote")
    values = data.model_dump(exclude={"broker", "sla_options"})
    values["broker_key"] = data.broker
    return values


def _set_sla(session: Session, project: Project, found: BrokerQuote, data: QuoteIn) -> list[dict[str, Any]]:
    found.sla_options.clear()
    session.flush()
    for i, option in enumerate(data.sla_options):
        found.sla_options.append(QuoteSlaOption(project_id=project.id, position=i, **option.model_dump()))
    session.flush()
    return [sla_form(o) for o in found.sla_options]


def sla_form(o: QuoteSlaOption) -> dict[str, Any]:
    return {
        "name": o.name, "availability_pct": o.availability_pct, "response_hours": o.response_hours,
        "cost_per_year": o.cost_per_year, "in_tco": o.in_tco,
    }  # fmt: skip


def _plain_sla(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in o.items()} for o in options]


def add_quote(session: Session, project: Project, raw: Mapping[str, Any], actor: Actor) -> BrokerQuote:
    data = parse(QuoteIn, raw, source="quote")
    ensure_criteria(session, project, actor)
    found = BrokerQuote(project_id=project.id, **_quote_values(session, project, data, None))
    session.add(found)
    session.flush()
    sla = _set_sla(session, project, found, data)
    created(session, actor, found, project_id=project.id, label=data.broker)
    if sla:
        record(
            session, actor, project_id=project.id, action="update", entity="quote_sla_options", entity_id=found.id,
            label=data.broker, before={"sla_options": []}, after={"sla_options": _plain_sla(sla)},
        )  # fmt: skip
    return found


def update_quote(
    session: Session, project: Project, quote_id: int, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> BrokerQuote:
    found = quote(session, project, quote_id)
    check_version(found, version, f"quote {found.broker_key}")
    data = parse(QuoteIn, raw, source="quote")
    values = _quote_values(session, project, data, found.id)
    before_sla = [sla_form(o) for o in found.sla_options]
    changed = update(session, actor, found, values, project_id=project.id, label=data.broker, expected_version=version)
    after_sla = _set_sla(session, project, found, data)
    if after_sla != before_sla:
        if not changed:
            # SLA rows carry no version of their own: bump the quote's, so a stale form conflicts too.
            flag_modified(found, "interfaces")
            session.flush()
        record(
            session, actor, project_id=project.id, action="update", entity="quote_sla_options", entity_id=found.id,
            label=data.broker, before={"sla_options": _plain_sla(before_sla)}, after={"sla_options": _plain_sla(after_sla)},
        )  # fmt: skip
    return found


def delete_quote(session: Session, project: Project, quote_id: int, actor: Actor, *, version: int | None) -> None:
    found = quote(session, project, quote_id)
    check_version(found, version, f"quote {found.broker_key}")
    deleted(session, actor, found, project_id=project.id, label=found.broker_key)
    session.delete(found)


def quote_form(found: BrokerQuote) -> dict[str, Any]:
    """The stored quote as form/YAML input (what QuoteIn reads back)."""
    return {
        "broker": found.broker_key, "received_on": found.received_on, "valid_until": found.valid_until,
        "one_off_cost": found.one_off_cost, "recurring_cost": found.recurring_cost,
        "recurring_period": found.recurring_period, "price_per_login": found.price_per_login,
        "price_per_service": found.price_per_service, "contract_term_months": found.contract_term_months,
        "notice_period_months": found.notice_period_months, "exit_conditions": found.exit_conditions,
        "custom_work": found.custom_work, "support": found.support, "interfaces": list(found.interfaces),
        "supplier_contacts": found.supplier_contacts, "references": found.references, "notes": found.notes,
        "sla_options": [sla_form(o) for o in found.sla_options],
    }  # fmt: skip


def figures(found: BrokerQuote) -> QuoteFigures:
    sla = next((o.cost_per_year for o in found.sla_options if o.in_tco), ZERO)
    return QuoteFigures(
        found.broker_key, found.one_off_cost, found.recurring_cost, found.recurring_period,
        found.price_per_login, found.price_per_service, sla,
    )  # fmt: skip


# ------------------------------------------------------------------ comparison settings, criteria, scores


def comparison_settings(session: Session, project: Project) -> BrokerComparison:
    """The stored settings, or the defaults (not added to the session) when the project has none yet."""
    found = session.scalar(select(BrokerComparison).where(BrokerComparison.project_id == project.id))
    return found or BrokerComparison(project_id=project.id, horizon_years=5, logins_per_year=0, services_count=None)


def save_comparison(
    session: Session, project: Project, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> BrokerComparison:
    data = parse(ComparisonIn, raw, source="comparison")
    found = session.scalar(select(BrokerComparison).where(BrokerComparison.project_id == project.id))
    if found is None:
        found = BrokerComparison(project_id=project.id, **data.model_dump())
        session.add(found)
        created(session, actor, found, project_id=project.id, label="broker comparison")
        return found
    update(session, actor, found, data.model_dump(), project_id=project.id, label="broker comparison",
           expected_version=version)  # fmt: skip
    return found


def criteria(session: Session, project: Project) -> list[QuoteCriterion]:
    """The project's criteria; the four presets (not yet stored) when it has none."""
    stored = list(
        session.scalars(
            select(QuoteCriterion)
            .where(QuoteCriterion.project_id == project.id)
            .order_by(QuoteCriterion.position, QuoteCriterion.id)
        )
    )
    return stored or _presets(project)


def _presets(project: Project) -> list[QuoteCriterion]:
    return [
        QuoteCriterion(
            project_id=project.id, key=key, name_nl=PRESET_NAMES[key][0], name_en=PRESET_NAMES[key][1], kind=kind,
            weight=Decimal(weight).quantize(CENT), position=i, version=1,
        )
        for i, (key, kind, weight) in enumerate(PRESET_CRITERIA)
    ]  # fmt: skip


def ensure_criteria(session: Session, project: Project, actor: Actor) -> list[QuoteCriterion]:
    """Store the presets the first time the project needs rows to score against."""
    if session.scalar(select(QuoteCriterion.id).where(QuoteCriterion.project_id == project.id)) is None:
        for c in _presets(project):
            session.add(c)
            created(session, actor, c, project_id=project.id, label=c.key)
    return criteria(session, project)


def add_criterion(session: Session, project: Project, raw: Mapping[str, Any], actor: Actor) -> QuoteCriterion:
    data = parse(CriterionIn, raw, source="criterion")
    existing = ensure_criteria(session, project, actor)
    if any(c.key == data.key for c in existing):
        raise InvalidInput([Problem("key", "criterion_key_taken", {"key": data.key})], source="criterion")
    found = QuoteCriterion(project_id=project.id, position=len(existing), **data.model_dump())
    session.add(found)
    created(session, actor, found, project_id=project.id, label=data.key)
    return found


def set_criteria(
    session: Session, project: Project, raws: Sequence[Mapping[str, Any]], actor: Actor
) -> list[QuoteCriterion]:
    """Give a project without criteria exactly these (an import); their weights must not sum to zero."""
    data = [parse(CriterionIn, raw, source="criterion", prefix=f"criteria[{i}]") for i, raw in enumerate(raws)]
    if session.scalar(select(QuoteCriterion.id).where(QuoteCriterion.project_id == project.id)) is not None:
        raise InvalidInput([Problem("criteria", "criteria_exist")], source="criteria")
    keys = [c.key for c in data]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            raise InvalidInput([Problem(f"criteria[{i}].key", "criterion_key_taken", {"key": key})], source="criteria")
    if sum((c.weight for c in data), ZERO) == 0:
        raise WeightsSumZero()
    for i, c in enumerate(data):
        found = QuoteCriterion(project_id=project.id, position=i, **c.model_dump())
        session.add(found)
        created(session, actor, found, project_id=project.id, label=c.key)
    return criteria(session, project)


def delete_criterion(session: Session, project: Project, criterion_id: int, actor: Actor) -> None:
    found = session.get(QuoteCriterion, criterion_id)
    if found is None or found.project_id != project.id:
        raise NotFound(f"no criterion {criterion_id} in this project", reason="workspace_not_found")
    others = [c for c in criteria(session, project) if c.id != found.id]
    if not others or sum((c.weight for c in others), ZERO) == 0:
        raise WeightsSumZero()
    deleted(session, actor, found, project_id=project.id, label=found.key)
    session.delete(found)


def save_weights(session: Session, project: Project, raw: Mapping[str, Any], actor: Actor) -> list[QuoteCriterion]:
    """Set every criterion's weight at once: a set that sums to zero is refused and nothing is saved."""
    rows = ensure_criteria(session, project, actor)
    data = parse(WeightsIn, {"weights": {c.key: raw.get(c.key, c.weight) for c in rows}}, source="criteria")
    for c in rows:
        update(session, actor, c, {"weight": data.weights[c.key]}, project_id=project.id, label=f"weight {c.key}",
               expected_version=None)  # fmt: skip
    return rows


def scores(session: Session, project: Project) -> dict[tuple[int, int], QuoteScore]:
    rows = session.scalars(select(QuoteScore).where(QuoteScore.project_id == project.id))
    return {(s.quote_id, s.criterion_id): s for s in rows}


def set_score(
    session: Session, project: Project, quote_id: int, criterion_key: str, raw: Mapping[str, Any], actor: Actor
) -> QuoteScore | None:
    """A score of one quote on one manual criterion; an empty score removes it."""
    target = quote(session, project, quote_id)
    rows = {c.key: c for c in ensure_criteria(session, project, actor)}
    criterion = rows.get(criterion_key)
    if criterion is None:
        raise NotFound(f"no criterion {criterion_key!r} in this project", reason="workspace_not_found")
    if criterion.kind != "manual":
        raise InvalidInput([Problem("score", "score_computed", {"key": criterion_key})], source="score")
    session.flush()
    existing = scores(session, project).get((target.id, criterion.id))
    label = f"{target.broker_key}: {criterion_key}"
    if raw.get("score") in (None, ""):
        if existing is not None:
            deleted(session, actor, existing, project_id=project.id, label=label)
            session.delete(existing)
        return None
    data = parse(ScoreIn, raw, source="score")
    if existing is None:
        found = QuoteScore(project_id=project.id, quote_id=target.id, criterion_id=criterion.id, **data.model_dump())
        session.add(found)
        created(session, actor, found, project_id=project.id, label=label)
        return found
    update(session, actor, existing, data.model_dump(), project_id=project.id, label=label, expected_version=None)
    return existing


# ------------------------------------------------------------------ the decision


def decision(session: Session, project: Project) -> BrokerDecision | None:
    return session.scalar(select(BrokerDecision).where(BrokerDecision.project_id == project.id))


def record_decision(
    session: Session, project: Project, raw: Mapping[str, Any], actor: Actor, *, today: date | None = None
) -> BrokerDecision:
    """Record (or replace) the decision with its justification and the ranking it was taken on."""
    data = parse(DecisionIn, raw, source="decision")
    chosen = next((q for q in quotes(session, project) if q.broker_key == data.broker), None)
    if chosen is None:
        raise InvalidInput([Problem("broker", "decision_no_quote", {"key": data.broker})], source="decision")
    result = comparison(session, project)
    snapshot = [{"broker": r.key, "tco": str(r.tco), "weighted": str(r.weighted_shown)} for r in (result.ranking or [])]
    values = {
        "quote_id": chosen.id, "broker_key": data.broker, "justification": data.justification,
        "decided_on": data.decided_on or today or utcnow().date(), "decided_by_id": actor.user_id, "ranking": snapshot,
    }  # fmt: skip
    found = decision(session, project)
    if found is None:
        found = BrokerDecision(project_id=project.id, **values)
        session.add(found)
        created(session, actor, found, project_id=project.id, label=data.broker)
        return found
    update(session, actor, found, values, project_id=project.id, label=data.broker, expected_version=None)
    return found


# ------------------------------------------------------------------ everything together


@dataclass(frozen=True)
class Finding:
    """A finding on the page: a translation key and its parameters (never an error: the page still computes)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """One quote in the comparison."""

    quote: BrokerQuote
    broker: BrokerChoice
    tco: Tco
    scored: ScoredQuote | None
    place: int | None

    @property
    def key(self) -> str:
        return self.quote.broker_key


@dataclass(frozen=True)
class Comparison:
    settings: BrokerComparison
    services_count: int
    criteria: tuple[QuoteCriterion, ...]
    rows: tuple[Row, ...]  # in ranking order when there is a ranking, else in entry order
    ranking: tuple[ScoredQuote, ...] | None
    sensitivity: Sensitivity | None
    decision: BrokerDecision | None
    warnings: tuple[Finding, ...]
    data_label: str

    @property
    def winner(self) -> Row | None:
        return self.rows[0] if self.ranking and self.rows else None

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)


def comparison(session: Session, project: Project, *, today: date | None = None) -> Comparison:
    today = today or utcnow().date()
    settings = comparison_settings(session, project)
    count = (
        settings.services_count
        if settings.services_count is not None
        else len(step2_inventory.services(session, project))
    )
    choices = brokers(session, project)
    all_quotes = quotes(session, project)
    crit = criteria(session, project)
    warnings: list[Finding] = []
    totals: dict[str, Tco] = {
        q.broker_key: tco(figures(q), horizon_years=settings.horizon_years, logins_per_year=settings.logins_per_year,
                          services_count=count)
        for q in all_quotes
    }  # fmt: skip
    by_id = {c.id: c for c in crit if c.id is not None}
    manual = {
        (q.broker_key, by_id[s.criterion_id].key): s.score
        for q in all_quotes
        for (qid, cid), s in scores(session, project).items()
        if qid == q.id and cid in by_id
    }
    model = [Criterion(c.key, c.kind, c.weight) for c in crit]
    names = {k: c.name for k, c in choices.items()}
    ranking: list[ScoredQuote] | None = None
    sens: Sensitivity | None = None
    if all_quotes:
        try:
            ranking = rank(score_quotes(model, {k: t.total for k, t in totals.items()}, manual), names)
            sens = sensitivity(model, {k: t.total for k, t in totals.items()}, manual, names)
        except WeightsSumZero:
            warnings.append(Finding("weights_sum_zero"))
    if settings.logins_per_year == 0 and any(q.price_per_login for q in all_quotes):
        warnings.append(Finding("no_logins_per_year"))
    for q in all_quotes:
        if q.valid_until is not None and q.valid_until < today:
            warnings.append(Finding("quote_expired", {"broker": names.get(q.broker_key, q.broker_key),
                                                       "date": q.valid_until.isoformat()}))  # fmt: skip
        if q.contract_term_months and q.contract_term_months > settings.horizon_years * 12:
            warnings.append(Finding("term_beyond_horizon", {"broker": names.get(q.broker_key, q.broker_key),
                                                             "months": q.contract_term_months,
                                                             "years": settings.horizon_years}))  # fmt: skip
        if q.broker_key not in choices:
            warnings.append(Finding("unknown_broker_in_quote", {"broker": q.broker_key}))
    if ranking:
        for s in ranking:
            if s.missing:
                warnings.append(
                    Finding("unscored", {"broker": names.get(s.key, s.key), "criteria": ", ".join(s.missing)})
                )
    if sens is not None and not sens.robust:
        warnings.append(Finding("ranking_sensitive", {"count": len(sens.winner_changes)}))
    by_key = {q.broker_key: q for q in all_quotes}
    fallback = BrokerChoice
    rows: list[Row] = []
    if ranking:
        scored_by_key = {s.key: s for s in ranking}
        for place, s in enumerate(ranking, start=1):
            q = by_key[s.key]
            rows.append(Row(q, choices.get(q.broker_key) or fallback(q.broker_key, q.broker_key), totals[q.broker_key],
                            scored_by_key[s.key], place))  # fmt: skip
    else:
        for q in all_quotes:
            rows.append(Row(q, choices.get(q.broker_key) or fallback(q.broker_key, q.broker_key), totals[q.broker_key],
                            None, None))  # fmt: skip
    chosen = decision(session, project)
    if chosen is not None and ranking and ranking[0].key != chosen.broker_key:
        warnings.append(Finding("decision_not_first", {"broker": names.get(chosen.broker_key, chosen.broker_key)}))
    return Comparison(
        settings, count, tuple(crit), tuple(rows), tuple(ranking) if ranking is not None else None, sens, chosen,
        tuple(warnings), broker_data().label,
    )  # fmt: skip


__all__ = [
    "PRESET_NAMES",
    "SENSITIVITY_FACTORS",
    "BrokerChoice",
    "Comparison",
    "Criterion",
    "Finding",
    "QuoteFigures",
    "Row",
    "ScoredQuote",
    "Sensitivity",
    "SensitivityCase",
    "Tco",
    "WeightsSumZero",
    "add_criterion",
    "add_project_broker",
    "add_quote",
    "brokers",
    "comparison",
    "comparison_settings",
    "criteria",
    "decision",
    "delete_criterion",
    "delete_project_broker",
    "delete_quote",
    "ensure_criteria",
    "figures",
    "price_score",
    "project_brokers",
    "quote",
    "quote_form",
    "quotes",
    "rank",
    "record_decision",
    "save_comparison",
    "save_weights",
    "score_quotes",
    "scores",
    "sensitivity",
    "set_criteria",
    "set_score",
    "tco",
    "update_quote",
]
