"""Test data: the default set is rich and valid; a user's file gets precise errors."""

from __future__ import annotations

import pytest
import yaml

from ehkit.broker.data import load_test_data, parse_test_data
from ehkit.config.errors import ConfigInvalidError
from ehkit.domain.identifiers import BSN, RSIN, KvKNumber, Vestigingsnummer
from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import ConfigError


def test_default_data_covers_every_persona_type() -> None:
    data = load_test_data()
    assert [a.name for a in data.sorted_ads()] == sorted(
        (a.name for a in data.authentication_services), key=str.casefold
    )
    for company in data.companies:
        KvKNumber(company.kvk)
        assert company.rsin is None or RSIN.is_valid(company.rsin)
        assert company.bsn is None or BSN.is_valid(company.bsn)
        assert all(Vestigingsnummer.is_valid(v.number) for v in company.vestigingen)
    assert len([c for c in data.companies if len(c.vestigingen) > 1]) >= 2
    auths = [a for p in data.persons for a in p.authorisations]
    assert any(a.vestiging for a in auths), "a vestiging-restricted authorisation"
    assert any(a.via for a in auths), "a chain authorisation (ketenmachtiging)"
    assert any(a.services != ["*"] for a in auths), "an authorisation for one ServiceUUID"
    assert any(c.bsn for c in data.companies), "a sole trader identified by BSN"
    assert any(not p.authorisations for p in data.persons), "someone without authorisation"
    levels = {m.loa for p in data.persons for m in p.means}
    assert {LevelOfAssurance.EH2_PLUS, LevelOfAssurance.EH3, LevelOfAssurance.EH4} <= levels
    assert data.eidas_persons and {p.loa for p in data.eidas_persons} >= {LevelOfAssurance.EH3, LevelOfAssurance.EH4}
    assert data.company("30123456").id == "korenaar"


def _default() -> dict:  # type: ignore[type-arg]
    from importlib import resources

    return yaml.safe_load(resources.files("ehkit.broker").joinpath("data", "default.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("edit", "path", "words"),
    [
        (lambda d: d["companies"][0].update(rsin="123456780"), "companies[0].rsin", "11-check"),
        (lambda d: d["companies"][0].update(kvk=30123456), "companies[0].kvk", "quoted"),
        (lambda d: d["companies"][3].update(bsn="999999999"), "companies[3].bsn", "11-check"),
        (
            lambda d: d["persons"][0]["authorisations"].append({"company": "nobody"}),
            "persons[0].authorisations[1].company",
            "unknown company",
        ),
        (
            lambda d: d["persons"][1]["authorisations"][0].update(vestiging="000099999999"),
            "persons[1].authorisations[0].vestiging",
            "not a vestiging",
        ),
        (lambda d: d["persons"][2]["authorisations"].pop(0), "persons[2].authorisations", "no direct authorisation"),
        (lambda d: d["persons"][0]["means"][0].update(loa="EH1"), "persons[0].means[0].loa", "EH1"),
        (lambda d: d["persons"][0]["means"][0].update(ad="eidas"), "persons[0].means[0].ad", "eIDAS"),
        (
            lambda d: d["persons"][0]["authorisations"][0].update(services=["not-a-uuid"]),
            "persons[0].authorisations[0].services[0]",
            "ServiceUUID",
        ),
        (lambda d: d["persons"][0].update(favourite="x"), "persons[0].favourite", "unknown field"),
        (lambda d: d["companies"].append(dict(d["companies"][0])), "companies[5].id", "used twice"),
    ],
)
def test_mistakes_are_reported_with_their_path(edit, path, words) -> None:  # type: ignore[no-untyped-def]
    raw = _default()
    edit(raw)
    with pytest.raises(ConfigInvalidError) as err:
        parse_test_data(yaml.safe_dump(raw, allow_unicode=True), source="mine.yaml")
    text = str(err.value)
    assert "mine.yaml" in text
    matching = [str(p) for p in err.value.problems if str(p).startswith(path)]
    assert matching and any(words in m for m in matching), text


def test_unreadable_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as missing:
        load_test_data(tmp_path / "none.yaml")
    assert missing.value.reason == "data_not_found"
    (tmp_path / "bad.yaml").write_text("persons: [", encoding="utf-8")
    with pytest.raises(ConfigInvalidError):
        load_test_data(tmp_path / "bad.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n", encoding="utf-8")
    with pytest.raises(ConfigInvalidError):
        load_test_data(tmp_path / "list.yaml")
