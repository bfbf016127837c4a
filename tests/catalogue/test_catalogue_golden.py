"""Golden files: the exact catalogue and metadata ehkit produces for the fixed example.

Builds are deterministic (fixed keys, fixed moment, derived IDs, PKCS#1 v1.5
signatures), so the comparison covers every byte that matters, signature
values included. Regenerate after an intended change with
``EHKIT_UPDATE_GOLDEN=1 pytest tests/catalogue/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from ehkit.catalogue import build_catalogue, build_sp_metadata
from ehkit.catalogue.build import BuildOptions

GOLDEN = Path(__file__).resolve().parent / "golden"

UPDATE = os.environ.get("EHKIT_UPDATE_GOLDEN") == "1"


def canonical(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data), method="c14n")


def check_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(data)
    assert path.exists(), f"golden file {name} is missing; run with EHKIT_UPDATE_GOLDEN=1"
    assert canonical(data) == canonical(path.read_bytes()), f"{name} differs from the golden file"


def test_catalogue_golden(fixed_config, golden_at):
    check_golden("catalogue.xml", build_catalogue(fixed_config, at=golden_at))


def test_catalogue_sequence_style_golden(fixed_config, golden_at):
    data = build_catalogue(fixed_config, at=golden_at, options=BuildOptions(version_style="sequence", sequence=53))
    check_golden("catalogue-sequence-53.xml", data)


@pytest.mark.parametrize("group", ["eherkenning", "eidas"])
def test_metadata_golden(fixed_config, group, golden_at):
    check_golden(f"metadata-{group}.xml", build_sp_metadata(fixed_config, group, golden_at))


def test_rollover_golden(rollover_config, golden_at):
    activation = rollover_config.keys.activation
    assert isinstance(activation, datetime)
    check_golden("rollover-catalogue-before.xml", build_catalogue(rollover_config, at=golden_at))
    check_golden("rollover-metadata-at-activation.xml", build_sp_metadata(rollover_config, "eherkenning", activation))


def test_builds_are_reproducible(fixed_config, golden_at):
    assert build_catalogue(fixed_config, at=golden_at) == build_catalogue(fixed_config, at=golden_at)
    assert build_sp_metadata(fixed_config, "eidas", golden_at) == build_sp_metadata(fixed_config, "eidas", golden_at)
