"""Fuzz: the broker (IdP) metadata reader and the metadata cache raise only MetadataError.

The real OneWelcome metadata and test-network metadata, damaged as bytes and
in their certificates, read with pinned trust and with CA trust (which loads
every certificate in the document, the hostile ones included).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from ehkit.errors import EhkitError
from ehkit.saml.metadata import MetadataError, parse_idp_metadata
from ehkit.sp.metadata_cache import CaTrust, MetadataCache, PinnedTrust
from ehkit.xml.trust import TrustSet
from support import network as n
from support.metadata import build_metadata
from support.mutations import FUZZ, mangled_certificates, mutated_bytes

IN_2020 = datetime(2020, 6, 1, tzinfo=UTC)


@pytest.fixture
def documents(net, reference_dir):
    return {
        "real": (reference_dir / "hm-onewelcome-preprod-1.13.xml").read_bytes(),
        "test": build_metadata(signer=net.hm, signing_keys=[net.hm, net.hm_next]),
    }


@st.composite
def damaged(draw, data: bytes) -> bytes:
    if draw(st.booleans()):
        data = draw(mangled_certificates(data))
    if draw(st.booleans()):
        data = draw(mutated_bytes(data))
    return data


@FUZZ
@given(data=st.data())
def test_idp_metadata_reader_raises_only_metadata_errors(net, documents, data):
    which = data.draw(st.sampled_from(sorted(documents)))
    xml = data.draw(damaged(documents[which]))
    trust = TrustSet.from_certificates([net.hm.certificate]) if data.draw(st.booleans()) else None
    try:
        parse_idp_metadata(xml, trust=trust, now=IN_2020, require_signature=trust is not None)
    except MetadataError as exc:
        event(exc.reason)


@FUZZ
@given(data=st.data())
def test_metadata_cache_load_raises_only_typed_errors(net, documents, data):
    xml = data.draw(damaged(documents["test"]))
    trust = data.draw(
        st.sampled_from(
            [
                PinnedTrust((net.hm.certificate,)),
                CaTrust(roots=net.ca.roots, oin=n.HM_OIN, intermediates=net.ca.chain),
            ]
        )
    )
    cache = MetadataCache(entity_id=n.HM_ENTITY, trust=trust, file="unused.xml")
    try:
        cache.load(xml)
    except EhkitError as exc:
        event(exc.reason)
