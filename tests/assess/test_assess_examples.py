"""The example classifications found in the research (section 1.4)."""

from __future__ import annotations

from assess_helpers import fired_ids, run

from ehkit.assess import assess
from ehkit.domain.loa import LevelOfAssurance as L


def test_report_an_issue_in_public_space_is_eh2_or_eh2_plus() -> None:
    # Melding openbare ruimte: name and contact details, nothing shown back, no decision.
    answers = {
        "sector_law": "no",
        "public_dv": "yes",
        "bsn": "no",
        "personal_data": "ordinary",
        "special_data": "no",
        "return_flow": "no",
        "company_data": "no",
        "legal_consequences": "none",
        "basisregistratie": "no",
        "economic_interest": "limited",
        "public_interest": "none_or_limited",
        "who_acts": "employee_mandate",
        "reversible": "yes",
    }
    result = assess(answers, key="melding-openbare-ruimte")
    assert result.level in {L.EH2, L.EH2_PLUS}
    assert result.level.eidas == "low"
    assert not result.needs_eidas_service
    assert not result.reconstructed  # the outcome rests on confirmed rules only


def test_sole_trader_identified_by_bsn_is_at_least_eh3() -> None:
    result = run(bsn="yes")
    assert result.level >= L.EH3
    assert "R2" in fired_ids(result)


def test_sole_trader_bsn_is_at_least_eh3_for_a_private_dv_too() -> None:
    result = run(bsn="yes", public_dv="no")
    assert result.level >= L.EH3 and not result.binding


def test_special_category_personal_data_is_at_least_eh3() -> None:
    for how in ("submitted_only", "shown_back", "changed", "at_scale"):
        result = run(special_data=how)
        assert result.level >= L.EH3, how
        assert "R4" in fired_ids(result)


def test_viewing_sensitive_company_data_is_eh3() -> None:
    assert run(company_data="yes").level == L.EH3


def test_case_status_with_own_non_public_data_is_substantial() -> None:
    assert run(return_flow="non_public").level.eidas == "substantial"
