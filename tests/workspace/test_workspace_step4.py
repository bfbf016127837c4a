"""Step 4, choose a broker: TCO, weighted scoring, ranking and sensitivity by hand; quotes and decision on both engines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D  # noqa: N817 - the hand-computed cases read better short
from pathlib import Path
from typing import Any

import pytest
from ws_helpers import actor_of, new_project

from ehkit.workspace.data import DataFileError, load_brokers, parse_brokers
from ehkit.workspace.db import Database
from ehkit.workspace.errors import InvalidInput
from ehkit.workspace.models import BrokerQuote, Project
from ehkit.workspace.services import step4_broker as s4
from ehkit.workspace.services.step4_broker import Criterion, QuoteFigures

PRESET = [Criterion("price", "tco", D(40)), Criterion("custom_work_support", "manual", D(20)),
          Criterion("sla", "manual", D(20)), Criterion("supplier_ties", "manual", D(20))]  # fmt: skip
MANUAL = {
    ("a", "custom_work_support"): D(8), ("a", "sla"): D(6), ("a", "supplier_ties"): D(9),
    ("b", "custom_work_support"): D(9), ("b", "sla"): D(9), ("b", "supplier_ties"): D(4),
    ("c", "custom_work_support"): D(5), ("c", "sla"): D(5), ("c", "supplier_ties"): D(5),
}  # fmt: skip


def _three_tcos() -> dict[str, s4.Tco]:
    """Hand-computed over 5 years, 2000 logins a year, 2 services."""
    quotes = [
        QuoteFigures("a", one_off=D("1000.00"), recurring=D("100.00"), period="month", per_login=D("0.10")),
        QuoteFigures("b", recurring=D("1500.00"), period="year", per_service=D("50.00"), sla_per_year=D("200.00")),
        QuoteFigures("c", one_off=D("2500.00"), recurring=D("250.00"), period="quarter"),
    ]
    return {q.key: s4.tco(q, horizon_years=5, logins_per_year=2000, services_count=2) for q in quotes}


def test_tco_by_hand() -> None:
    t = _three_tcos()
    # a: 1000 + 100 x 12 x 5 + 0.10 x 2000 x 5
    assert (t["a"].one_off, t["a"].recurring, t["a"].logins, t["a"].total) == (D("1000.00"), D("6000.00"),
                                                                                D("1000.00"), D("8000.00"))  # fmt: skip
    # b: 1500 x 1 x 5 + 50 x 2 services x 5 + SLA 200 x 5
    assert (t["b"].recurring, t["b"].services, t["b"].sla, t["b"].total) == (D("7500.00"), D("500.00"), D("1000.00"),
                                                                              D("9000.00"))  # fmt: skip
    # c: 2500 + 250 x 4 x 5
    assert t["c"].total == D("7500.00") and t["c"].per_year == D("1500.00")


def test_tco_rounds_to_cents_and_a_longer_horizon_adds_up() -> None:
    q = QuoteFigures("x", one_off=D("0.00"), recurring=D("33.33"), period="month", per_login=D("0.01"))
    one = s4.tco(q, horizon_years=1, logins_per_year=3, services_count=0)
    assert one.total == D("399.99")  # 33.33 x 12 + 0.01 x 3
    assert s4.tco(q, horizon_years=3, logins_per_year=3, services_count=0).total == D("1199.97")


def test_weighted_scores_and_ranking_by_hand() -> None:
    totals = {k: t.total for k, t in _three_tcos().items()}
    ranked = s4.rank(s4.score_quotes(PRESET, totals, MANUAL))
    assert [r.key for r in ranked] == ["a", "b", "c"]
    by = {r.key: r for r in ranked}
    # price: cheapest (c, 7500) = 10; a = 10 x 7500 / 8000 = 9.375; b = 10 x 7500 / 9000
    assert by["c"].scores["price"] == 10 and by["a"].scores["price"] == D("9.375")
    # a: (40 x 9.375 + 20 x 8 + 20 x 6 + 20 x 9) / 100 = 835 / 100
    assert by["a"].weighted == D("8.35")
    # b: (40 x 8.333.. + 180 + 180 + 80) / 100 = 7.7333..
    assert by["b"].weighted_shown == D("7.73")
    assert by["c"].weighted == D(7)
    assert all(not r.missing for r in ranked)


def test_a_missing_manual_score_counts_as_zero_and_is_reported() -> None:
    totals = {"a": D(100), "b": D(100)}
    scored = {s.key: s for s in s4.score_quotes(PRESET, totals, {("a", "sla"): D(10)})}
    assert scored["a"].weighted == D(6) and scored["b"].weighted == D(4)  # (400 + 200) / 100, 400 / 100
    assert scored["b"].missing == ("custom_work_support", "sla", "supplier_ties")


def test_ties_go_to_the_lower_tco_then_the_name() -> None:
    crit = [Criterion("sla", "manual", D(1))]
    scored = s4.score_quotes(crit, {"x": D(200), "y": D(100), "z": D(100)}, {("x", "sla"): D(5), ("y", "sla"): D(5),
                                                                               ("z", "sla"): D(5)})  # fmt: skip
    assert [r.key for r in s4.rank(scored, {"y": "Zeta", "z": "Alpha"})] == ["z", "y", "x"]


def test_a_weight_set_summing_to_zero_is_refused() -> None:
    zero = [Criterion("price", "tco", D(0)), Criterion("sla", "manual", D(0))]
    with pytest.raises(InvalidInput) as err:
        s4.score_quotes(zero, {"a": D(1)}, {})
    assert err.value.problems[0].key == "weights_sum_zero"


def test_sensitivity_of_the_robust_example_by_hand() -> None:
    totals = {k: t.total for k, t in _three_tcos().items()}
    result = s4.sensitivity(PRESET, totals, MANUAL)
    assert result.base_order == ("a", "b", "c")
    assert len(result.cases) == 8  # four weights, each at 50 % and 150 %
    assert result.robust and all(c.order == ("a", "b", "c") for c in result.cases)
    price_low = next(c for c in result.cases if c.criterion == "price" and c.factor == D("0.5"))
    assert price_low.weights == {"price": D(20), "custom_work_support": D(20), "sla": D(20), "supplier_ties": D(20)}


def test_sensitivity_flags_the_weights_that_change_the_winner() -> None:
    """x is cheaper (TCO 8000 vs 10000, price 10 vs 8) but has the weaker SLA (4 vs 6.5); weights 50/50.

    base: x = (500 + 200) / 100 = 7.0, y = (400 + 325) / 100 = 7.25 -> y first.
    price x 1.5: x = (750 + 200) / 125 = 7.6, y = (600 + 325) / 125 = 7.4 -> x first (changed).
    price x 0.5: x = (250 + 200) / 75 = 6.0, y = (200 + 325) / 75 = 7.0 -> y.
    sla x 0.5: x = (500 + 100) / 75 = 8.0, y = (400 + 162.5) / 75 = 7.5 -> x first (changed).
    sla x 1.5: x = (500 + 300) / 125 = 6.4, y = (400 + 487.5) / 125 = 7.1 -> y.
    """
    crit = [Criterion("price", "tco", D(50)), Criterion("sla", "manual", D(50))]
    totals = {"x": D(8000), "y": D(10000)}
    manual = {("x", "sla"): D(4), ("y", "sla"): D("6.5")}
    assert [r.key for r in s4.rank(s4.score_quotes(crit, totals, manual))] == ["y", "x"]
    result = s4.sensitivity(crit, totals, manual)
    changed = {(c.criterion, c.factor) for c in result.winner_changes}
    assert changed == {("price", D("1.5")), ("sla", D("0.5"))}
    assert not result.robust


# ------------------------------------------------------------------ the data file


def test_the_shipped_broker_data_is_dated_and_sourced() -> None:
    data = load_brokers()
    assert data.label.startswith("broker data as of ") and len(data.label) == len("broker data as of 2026-12-06")
    assert {b.key for b in data.brokers} >= {"signicat", "kpn", "digidentity", "onewelcome"}
    for broker in data.brokers:
        assert broker.facts and all(f.source for f in broker.facts)
        assert broker.fact("public_prices") is not None and broker.fact("public_prices").value == "unknown"  # type: ignore[union-attr]
    assert "oidc" in data.get("signicat").interfaces  # type: ignore[union-attr]


def test_a_broken_broker_file_names_the_line(tmp_path: Path) -> None:
    text = (Path(s4.__file__).parents[1] / "data" / "brokers.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "- key: kpn" in line)
    lines[at] = lines[at].replace("kpn", "KPN Nederland")
    with pytest.raises(DataFileError) as err:
        parse_brokers("\n".join(lines))
    assert err.value.line == at + 1 and "key" in err.value.message
    bad_yaml = tmp_path / "b.yaml"
    bad_yaml.write_text("as_of: 2026-12-06\nbrokers:\n  - key: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_brokers(bad_yaml)
    assert err.value.line is not None and str(bad_yaml) in err.value.message
    with pytest.raises(DataFileError) as err:
        parse_brokers("as_of: 2026-12-06\nbrokers:\n  - key: x\n    name: X\n    facts:\n      - fact: interface_oidc\n"
                      "        value: perhaps\n        source: s\n")  # fmt: skip
    assert err.value.line == 7


# ------------------------------------------------------------------ on both engines


QUOTES = [
    {"broker": "signicat", "one_off_cost": "1000", "recurring_cost": "100", "recurring_period": "month",
     "price_per_login": "0.10", "interfaces": ["saml_1_13", "oidc", "eidas"], "contract_term_months": "36"},
    {"broker": "kpn", "recurring_cost": "1500", "recurring_period": "year", "price_per_service": "50",
     "sla_options": [{"name": "Plus", "availability_pct": "99.9", "response_hours": "4", "cost_per_year": "200",
                      "in_tco": True}]},
    {"broker": "digidentity", "one_off_cost": "2500,00", "recurring_cost": "250", "recurring_period": "quarter"},
]  # fmt: skip


def _p(s: Any, project: Any) -> Project:
    found = s.get(Project, project.id)
    assert found is not None
    return found


def test_quotes_scores_and_decision_on_both_engines(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    actor = actor_of(owner)
    with db.session() as s:
        p = _p(s, project)
        s4.save_comparison(s, p, {"horizon_years": "5", "logins_per_year": "2000", "services_count": "2"}, actor,
                           version=None)  # fmt: skip
        made = {q["broker"]: s4.add_quote(s, p, q, actor) for q in QUOTES}
        s.flush()
        for (broker, crit), score in MANUAL.items():
            key = {"a": "signicat", "b": "kpn", "c": "digidentity"}[broker]
            s4.set_score(s, p, made[key].id, crit, {"score": str(score)}, actor)
    with db.session() as s:
        p = _p(s, project)
        result = s4.comparison(s, p)
        assert [r.key for r in result.rows] == ["signicat", "kpn", "digidentity"]
        assert [r.tco.total for r in result.rows] == [D("8000.00"), D("9000.00"), D("7500.00")]
        assert result.rows[0].scored is not None and result.rows[0].scored.weighted == D("8.35")
        assert result.sensitivity is not None and result.sensitivity.robust
        assert result.data_label.startswith("broker data as of")
        kpn = s.get(BrokerQuote, made["kpn"].id)
        assert kpn is not None and kpn.sla_options[0].availability_pct == D("99.90")
        assert kpn.sla_options[0].cost_per_year == D("200.00")
        s4.record_decision(s, p, {"broker": "signicat", "justification": "Best score, OIDC and eIDAS offered."},
                           actor, today=date(2026, 12, 6))  # fmt: skip
    with db.session() as s:
        p = _p(s, project)
        chosen = s4.decision(s, p)
        assert chosen is not None and chosen.broker_key == "signicat" and chosen.decided_on == date(2026, 12, 6)
        assert chosen.ranking[0] == {"broker": "signicat", "tco": "8000.00", "weighted": "8.35"}


def test_bad_quote_input_is_refused_with_the_field(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    actor = actor_of(owner)
    with db.session() as s:
        p = _p(s, project)
        cases = [
            ({"broker": "kpn", "one_off_cost": "-5"}, "one_off_cost", "money_negative"),
            ({"broker": "kpn", "recurring_cost": "12.345"}, "recurring_cost", "money"),
            ({"broker": "kpn", "price_per_login": "1.000,00"}, "price_per_login", "money"),
            ({"broker": "nobody"}, "broker", "unknown_broker"),
            ({"broker": "kpn", "sla_options": [{"name": "a", "in_tco": True}, {"name": "b", "in_tco": True}]},
             "sla_options", "sla_one_in_tco"),
            ({"broker": "kpn", "interfaces": ["saml_2"]}, "interfaces[0]", "interface"),
        ]  # fmt: skip
        for raw, field, key in cases:
            with pytest.raises(InvalidInput) as err:
                s4.add_quote(s, p, raw, actor)
            assert (err.value.problems[0].field, err.value.problems[0].key) == (field, key), raw
        s4.add_quote(s, p, {"broker": "kpn"}, actor)
        with pytest.raises(InvalidInput) as err:
            s4.add_quote(s, p, {"broker": "kpn"}, actor)
        assert err.value.problems[0].key == "quote_broker_taken"


def test_zero_weights_are_refused_and_nothing_changes(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    actor = actor_of(owner)
    with db.session() as s:
        p = _p(s, project)
        with pytest.raises(InvalidInput) as err:
            s4.save_weights(
                s, p, {"price": "0", "custom_work_support": "0", "sla": "0", "supplier_ties": "0.00"}, actor
            )
        assert err.value.problems[0].key == "weights_sum_zero"
    with db.session() as s:
        assert [c.weight for c in s4.criteria(s, _p(s, project))] == [D(40), D(20), D(20), D(20)]
        s4.save_weights(s, _p(s, project), {"price": "60", "sla": "0"}, actor)
    with db.session() as s:
        assert {c.key: c.weight for c in s4.criteria(s, _p(s, project))} == {
            "price": D(60), "custom_work_support": D(20), "sla": D(0), "supplier_ties": D(20)}  # fmt: skip


def test_a_project_can_add_a_broker_that_is_not_in_the_data_file(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    actor = actor_of(owner)
    with db.session() as s:
        p = _p(s, project)
        with pytest.raises(InvalidInput):
            s4.add_project_broker(s, p, {"key": "kpn", "name": "KPN again"}, actor)
        s4.add_project_broker(s, p, {"key": "lokaal", "name": "Lokale Makelaar", "interfaces": ["oidc"]}, actor)
        s4.add_quote(s, p, {"broker": "lokaal", "one_off_cost": "10"}, actor)
    with db.session() as s:
        result = s4.comparison(s, _p(s, project))
        assert result.rows[0].broker.name == "Lokale Makelaar" and result.rows[0].broker.interfaces == ("oidc",)


def test_expired_quotes_and_long_terms_are_warnings(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    actor = actor_of(owner)
    with db.session() as s:
        p = _p(s, project)
        s4.add_quote(s, p, {"broker": "kpn", "valid_until": "2020-01-01", "contract_term_months": "120"}, actor)
        result = s4.comparison(s, p, today=date(2026, 12, 6))
        keys = {w.key for w in result.warnings}
        assert {"quote_expired", "term_beyond_horizon", "unscored"} <= keys
