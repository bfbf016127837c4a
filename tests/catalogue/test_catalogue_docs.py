"""docs/catalogue.md has ONE rule table, and it matches the registry exactly."""

from __future__ import annotations

import re
from pathlib import Path

from ehkit.catalogue import REGISTRY

DOC = Path(__file__).resolve().parents[2] / "docs" / "catalogue.md"


def test_rule_table_matches_registry():
    rows = [
        line for line in DOC.read_text(encoding="utf-8").splitlines() if re.match(r"^\| [A-Z]+-[A-Z0-9-]+ \|", line)
    ]
    documented = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[0] not in documented, f"{cells[0]} documented twice"
        documented[cells[0]] = cells
    rules = {r.id: r for r in REGISTRY.all_rules()}
    assert set(documented) == set(rules)
    for rule_id, cells in documented.items():
        rule = rules[rule_id]
        assert cells[1] == rule.severity.value, rule_id
        assert cells[2] == rule.document, rule_id
        assert cells[3] == (rule.profile or "—"), rule_id
        assert cells[4] and cells[5], rule_id
