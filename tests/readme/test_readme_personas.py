"""The README's persona table says what the simulator's test data holds (issue 20, item 9)."""

from __future__ import annotations

import re

from ehkit.broker.data import load_test_data
from support.docs_runner import REPO, section


def _rows() -> dict[str, str]:
    text = section(REPO / "README.md", "## Quick start")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.strip().startswith("| **") and len(cells) == 3:
            for name in re.findall(r"\*\*(\w+)\*\*", cells[0]):
                rows[name] = line
    return rows


def test_every_person_of_the_test_data_is_in_the_readme_and_no_other() -> None:
    data = load_test_data()
    names = {p.first_names.split()[0] for p in data.persons} | {p.first_name for p in data.eidas_persons}
    assert set(_rows()) == names


def test_each_row_names_the_companies_the_person_may_act_for() -> None:
    data = load_test_data()
    rows = _rows()
    for person in data.persons:
        row = rows[person.first_names.split()[0]]
        for auth in person.authorisations:
            company = data.company(auth.company).name.removesuffix(" B.V.")
            assert company in row, f"{person.id}: {company} missing from the README row"
            if auth.via:
                assert "chain authorisation" in row and "only in services whose catalogue allows" in row
            if auth.vestiging:
                assert "branch" in row
        if not person.authorisations:
            assert "nobody" in row
        for means in person.means:
            assert means.loa.label in row, f"{person.id}: {means.loa.label} missing"
