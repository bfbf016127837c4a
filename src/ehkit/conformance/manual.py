"""Manual items: requirements the suite cannot observe, shown as what the DV attests.

``true`` in ``[attestations]`` reads as "manual, attested"; ``false`` is a
known failure of the requirement and fails like any check of its severity;
left out, the item stays open ("manual, not attested"). The summary line
counts attested and open items alike as manual: nobody but the DV checked them.
"""

from __future__ import annotations

from collections.abc import Callable

from ehkit.conformance.checks import ATTESTATIONS, CHECKS
from ehkit.conformance.config import Attestations
from ehkit.conformance.report import CheckResult, Status

__all__ = ["manual_results"]


def manual_results(attestations: Attestations, selected: Callable[[str], bool]) -> list[CheckResult]:
    out = []
    for key, check_id in ATTESTATIONS.items():
        if not selected(check_id):
            continue
        value = attestations.value(check_id)
        check = CHECKS[check_id]
        if value is True:
            out.append(CheckResult(check, Status.MANUAL, "attested by the DV", attested=True))
        elif value is False:
            out.append(CheckResult(check, Status.FAILED, "the DV states that this is not met", attested=False))
        else:
            out.append(
                CheckResult(
                    check,
                    Status.MANUAL,
                    f"not attested: check it by hand and set attestations.{key} = true in the configuration",
                )
            )
    return out
