"""Fuzz: the simulator's DV loading (SP metadata, catalogue, source paths) raises only typed errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from broker_harness import BrokerEnv
from hypothesis import event, given
from hypothesis import strategies as st

from ehkit.broker.dv_registry import apply_catalogue, load_dvs, parse_sp_metadata
from ehkit.catalogue.build import build_catalogue
from ehkit.catalogue.sp_metadata import build_sp_metadata
from ehkit.errors import EhkitError
from support.mutations import FUZZ, mangled_certificates, mutated_bytes


@pytest.fixture
def documents(env: BrokerEnv):
    now = datetime.now(UTC)
    return {
        "metadata": build_sp_metadata(env.config, "eherkenning", now),
        "catalogue": build_catalogue(env.config, at=now),
    }


@st.composite
def damaged(draw, data: bytes) -> bytes:
    if draw(st.booleans()):
        data = draw(mangled_certificates(data))
    if draw(st.booleans()):
        data = draw(mutated_bytes(data))
    return data


def _typed(call):
    try:
        return call()
    except EhkitError as exc:
        event(exc.reason)
        return None


@FUZZ
@given(data=st.data())
def test_sp_metadata_reader_raises_only_typed_errors(documents, data):
    _typed(lambda: parse_sp_metadata(data.draw(damaged(documents["metadata"])), source="fuzz"))


@FUZZ
@given(data=st.data())
def test_catalogue_loading_raises_only_typed_errors(documents, data):
    dvs = parse_sp_metadata(documents["metadata"], source="fuzz")
    _typed(lambda: apply_catalogue(dvs, data.draw(damaged(documents["catalogue"])), source="fuzz catalogue"))


@FUZZ
@given(
    source=st.one_of(
        st.text(max_size=40),
        st.sampled_from(["", "/", "a\x00b", "x" * 5000, "~nosuchuser/x.xml", "/proc/self/mem", "http://"]),
    )
)
def test_any_source_path_raises_only_typed_errors(source):
    _typed(lambda: load_dvs([source]))
