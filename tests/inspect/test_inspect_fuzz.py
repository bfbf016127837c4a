"""Fuzz: ``ehkit inspect`` turns every bad input into a report or a typed error.

Found before: lxml's XMLSyntaxError from a second parse (about 1 in 400 mutated
real messages) and an AttributeError in analyse.py. Inputs: the real messages
and metadata, damaged as bytes, as base64 and deflated base64, inside URLs and
form bodies, with damaged certificates; analysed with and without keys. The
CLI must end in one of its exit codes and never show a traceback.
"""

from __future__ import annotations

import base64
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ehkit.cli.main import app
from ehkit.errors import EhkitError
from ehkit.inspect import analyse, decode_input
from ehkit.xml.trust import TrustSet
from support.mutations import FUZZ, mangled_certificates, mutated_bytes

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
MESSAGES = {p.name: p.read_bytes() for p in sorted(REFERENCE.glob("*.xml"))}


def _deflated(xml: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(c.compress(xml) + c.flush())


@st.composite
def pasted(draw) -> bytes:
    """What a person pastes: a (damaged) message in one of the forms inspect reads."""
    xml = MESSAGES[draw(st.sampled_from(sorted(MESSAGES)))]
    if draw(st.booleans()):
        xml = draw(mangled_certificates(xml))
    if draw(st.booleans()):
        xml = draw(mutated_bytes(xml))
    form = draw(st.sampled_from(["xml", "base64", "deflate", "url", "form"]))
    if form == "xml":
        return xml
    if form == "base64":
        return base64.b64encode(xml)
    encoded = _deflated(xml)
    if form == "deflate":
        return draw(mutated_bytes(encoded, max_ops=1)) if draw(st.booleans()) else encoded
    value = quote(encoded.decode(), safe="")
    if form == "url":
        return f"https://hm.example/sso?SAMLRequest={value}&RelayState=x&SigAlg=rsa&Signature=AAAA".encode()
    return f"SAMLResponse={value}&RelayState={draw(st.text(max_size=20))}".encode()


@pytest.fixture(scope="module")
def keys(material):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key((material["dir"] / "dv.key").read_bytes(), None)
    return key, TrustSet.from_certificates([material["hm_cert"]])


@FUZZ
@given(raw=pasted(), with_keys=st.booleans())
def test_analyse_reports_or_raises_typed(raw, with_keys, keys):
    key, trust = keys
    try:
        decoded = decode_input(raw)
        report = analyse(
            decoded.xml,
            encoding=decoded.encoding,
            artifact=decoded.artifact,
            relay_state=decoded.relay_state,
            trust=trust if with_keys else None,
            keys=[(key, frozenset({"dv"}))] if with_keys else None,
            entity_id="urn:etoegang:DV:00000001234567890000:entities:1",
            redirect_query=decoded.query if decoded.parameter in ("SAMLRequest", "SAMLResponse") else None,
            parameter=decoded.parameter,
        )
    except EhkitError as exc:
        event(exc.reason)
        return
    event(report.verdict().status)
    report.to_json()  # the JSON form never fails either


@FUZZ
@given(raw=st.one_of(pasted(), st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_the_command_ends_in_an_exit_code(raw):
    result = CliRunner().invoke(app, ["inspect", "-", "--no-xml"], input=raw, env={"COLUMNS": "80"})
    assert result.exit_code in (0, 1, 2, 3), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
