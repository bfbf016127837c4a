"""Fuzz: ``ehkit catalogue validate`` and ``ehkit metadata validate`` report, never crash.

A catalogue or SP metadata from anyone, damaged as bytes or in its certificates
(the lazily parsed parts of a certificate raised UnsupportedAlgorithm and
ValueError from the rules before), gives a report or a typed error; the CLI
ends in exit code 0, 1 or 2.
"""

from __future__ import annotations

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ehkit.catalogue import build_catalogue, build_sp_metadata
from ehkit.catalogue.validate import validate_catalogue, validate_sp_metadata
from ehkit.cli.main import app
from ehkit.errors import EhkitError
from ehkit.pki import load_certificate
from support.mutations import FUZZ, mangled_certificates, mutated_bytes


@pytest.fixture
def documents(fixed_config, golden_at):
    return {
        "catalogue": build_catalogue(fixed_config, at=golden_at),
        "metadata": build_sp_metadata(fixed_config, "eherkenning", golden_at),
        "cert": load_certificate(fixed_config.keys.signing_cert),
        "now": golden_at,
    }


@st.composite
def damaged(draw, data: bytes) -> bytes:
    how = draw(st.sampled_from(["certificates", "bytes", "both"]))
    if how in ("certificates", "both"):
        data = draw(mangled_certificates(data))
    if how in ("bytes", "both"):
        data = draw(mutated_bytes(data))
    return data


@FUZZ
@given(data=st.data())
def test_catalogue_validation_reports(documents, data):
    xml = data.draw(damaged(documents["catalogue"]))
    trusted = [documents["cert"]] if data.draw(st.booleans()) else None
    try:
        report = validate_catalogue(xml, trusted=trusted, now=documents["now"])
    except EhkitError as exc:
        event(exc.reason)
        return
    event("ok" if report.ok else "findings")
    report.to_json()


@FUZZ
@given(data=st.data())
def test_metadata_validation_reports(documents, data):
    xml = data.draw(damaged(documents["metadata"]))
    trusted = [documents["cert"]] if data.draw(st.booleans()) else None
    catalogue = data.draw(st.sampled_from([None, documents["catalogue"], b"<broken"]))
    try:
        report = validate_sp_metadata(xml, trusted=trusted, catalogue=catalogue, now=documents["now"])
    except EhkitError as exc:
        event(exc.reason)
        return
    event("ok" if report.ok else "findings")


@FUZZ
@given(data=st.data())
def test_validate_commands_end_in_an_exit_code(documents, tmp_path_factory, data):
    which = data.draw(st.sampled_from(["catalogue", "metadata"]))
    path = tmp_path_factory.mktemp("fuzz") / f"{which}.xml"
    path.write_bytes(data.draw(damaged(documents[which])))
    result = CliRunner().invoke(app, [which, "validate", str(path), "--json"])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
