"""The simulator reads a DV from its SP metadata and catalogue files, as a broker would.

A catalogue whose ds:Signature is empty or structurally broken is refused, with
a message naming the file; one signed by a key other than the DV's (from its SP
metadata) is refused too; an unsigned one loads with a warning, since a real
broker would refuse it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from broker_harness import BrokerEnv

from ehkit.broker.dv_registry import apply_catalogue, load_dvs, parse_sp_metadata
from ehkit.catalogue.build import build_catalogue
from ehkit.catalogue.sp_metadata import build_sp_metadata
from ehkit.errors import ConfigError


@pytest.fixture
def files(env: BrokerEnv, tmp_path: Path) -> tuple[Path, Path]:
    now = datetime.now(UTC)
    metadata = tmp_path / "sp-metadata.xml"
    metadata.write_bytes(build_sp_metadata(env.config, "eherkenning", now))
    catalogue = tmp_path / "catalogue.xml"
    catalogue.write_bytes(build_catalogue(env.config, at=now))
    return metadata, catalogue


def _rewrite(path: Path, pattern: str, replacement: str) -> Path:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(pattern, replacement, text, count=1, flags=re.S)
    assert changed != text, pattern
    out = path.with_name("broken-" + path.name)
    out.write_text(changed, encoding="utf-8")
    return out


def test_a_signed_catalogue_loads(files: tuple[Path, Path]) -> None:
    metadata, catalogue = files
    (dv,) = load_dvs([str(metadata)], [str(catalogue)])
    assert any(s.from_catalogue for s in dv.services.values())
    assert not any("catalogue" in w for w in dv.warnings)


@pytest.mark.parametrize(
    "pattern, replacement, reason",
    [
        (r"(<ds:Signature[^>]*>).*?(</ds:Signature>)", r"\1\2", "signature_profile"),  # empty
        (r"<ds:SignatureValue>.*?</ds:SignatureValue>", "", "signature_profile"),
        (r"<ds:DigestValue>.*?</ds:DigestValue>", "", "signature_profile"),
        (r"(<ds:SignatureValue>).*?(</ds:SignatureValue>)", r"\1\2", "signature_invalid"),
        (r"<ds:SignedInfo>", '<ds:SignedInfo Evil="1">', "signature_attribute_unknown"),
    ],
    ids=["empty", "no-signature-value", "no-digest-value", "blank-signature-value", "unknown-attribute"],
)
def test_a_structurally_broken_catalogue_signature_is_refused(
    files: tuple[Path, Path], pattern: str, replacement: str, reason: str
) -> None:
    metadata, catalogue = files
    broken = _rewrite(catalogue, pattern, replacement)
    with pytest.raises(ConfigError) as info:
        load_dvs([str(metadata)], [str(broken)])
    assert info.value.reason == "dv_catalogue_signature"
    assert str(broken) in info.value.message
    assert f"({reason})" in info.value.message


def test_a_catalogue_changed_after_signing_is_refused(files: tuple[Path, Path]) -> None:
    metadata, catalogue = files
    broken = _rewrite(catalogue, r'(<esc:ServiceName xml:lang="nl">)[^<]*', r"\1Iets anders")
    with pytest.raises(ConfigError) as info:
        load_dvs([str(metadata)], [str(broken)])
    assert info.value.reason == "dv_catalogue_signature"
    assert str(broken) in info.value.message and "signature_digest" in info.value.message


def test_an_unsigned_catalogue_loads_with_a_warning(files: tuple[Path, Path]) -> None:
    metadata, catalogue = files
    unsigned = _rewrite(catalogue, r"<ds:Signature[^>]*>.*?</ds:Signature>", "")
    (dv,) = load_dvs([str(metadata)], [str(unsigned)])
    assert any(s.from_catalogue for s in dv.services.values())
    assert any("catalogue" in w and "not signed" in w and str(unsigned) in w for w in dv.warnings)


def test_the_simulators_own_in_memory_catalogue_is_not_warned_about(env: BrokerEnv) -> None:
    """--config builds the catalogue unsigned in memory on purpose: no warning for that."""
    from ehkit.broker.dv_registry import dvs_from_config

    dvs = dvs_from_config(env.config, at=datetime.now(UTC))
    assert dvs and any(s.from_catalogue for dv in dvs for s in dv.services.values())
    assert not any("catalogue" in w for dv in dvs for w in dv.warnings)


def test_the_api_refuses_a_broken_catalogue_signature(files: tuple[Path, Path]) -> None:
    metadata, catalogue = files
    broken = _rewrite(catalogue, r"(<ds:Signature[^>]*>).*?(</ds:Signature>)", r"\1\2")
    dvs = parse_sp_metadata(metadata.read_bytes(), source="API")
    with pytest.raises(ConfigError) as info:
        apply_catalogue(dvs, broken.read_bytes(), source="API catalogue")
    assert info.value.reason == "dv_catalogue_signature" and "API catalogue" in info.value.message
