"""Every reason code raised in the source is registered in ehkit.reasons.

The scan reads the source as Python (not text): ``reason="..."`` keywords,
``reason = "..."`` class attributes and the code argument of the small
``_fail``/``_reject`` helpers the packages use. A new code that is not added to
the registry fails here, so the documentation table cannot drift.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ehkit
from ehkit.reasons import REASONS, ReasonKind, describe, kind_of, outcome

SRC = Path(ehkit.__file__).resolve().parent
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_HELPER = re.compile(r"^_?(fail|reject|err|error|refuse|bad)\w*$")


def _codes_in_source() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "reason" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        found.setdefault(kw.value.value, f"{path.name}:{node.lineno}")
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                if _HELPER.match(name) and len(node.args) >= 2:
                    arg = node.args[1]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _CODE.match(arg.value):
                        found.setdefault(arg.value, f"{path.name}:{node.lineno}")
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Name)
                        and target.id == "reason"
                        and isinstance(node.value, ast.Constant)
                        and isinstance(node.value.value, str)
                    ):
                        found.setdefault(node.value.value, f"{path.name}:{node.lineno}")
    return found


def test_every_reason_in_the_source_is_registered() -> None:
    found = _codes_in_source()
    assert len(found) > 100, "the scan found too few codes: it no longer reads the source correctly"
    missing = {code: where for code, where in found.items() if code not in REASONS}
    assert not missing, f"register these reason codes in ehkit/reasons.py: {missing}"


def test_every_registered_reason_has_a_text() -> None:
    for info in REASONS.values():
        assert _CODE.match(info.code)
        assert len(info.text) > 10, info.code
        assert "TODO" not in info.text


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("cancelled", "cancelled"),
        ("artifact_resolution_timeout", "unavailable"),
        ("metadata_unavailable", "unavailable"),
        ("store_unavailable", "unavailable"),
        ("loa_too_low", "refused"),
        ("signature_untrusted", "refused"),
        ("login_failed", "refused"),
        ("no_such_code_anywhere", "refused"),
    ],
)
def test_outcome_for_the_user(reason: str, expected: str) -> None:
    assert outcome(reason) == expected


def test_kinds() -> None:
    assert kind_of("signature_digest") is ReasonKind.AUTHENTICITY
    assert kind_of("audience_mismatch") is ReasonKind.POLICY
    assert kind_of("config_invalid") is ReasonKind.CONFIG
    assert describe("no_such_code_anywhere").text == "unregistered reason code"
