import pytest
from hypothesis import given
from hypothesis import strategies as st

from ehkit.domain import (
    BSN,
    RSIN,
    ActingSubjectPseudonym,
    EntityID,
    KvKNumber,
    Oin,
    ServiceID,
    Vestigingsnummer,
)
from ehkit.domain.identifiers import elfproef
from ehkit.domain.urns import IdentifierType, identifier_type, is_identifying
from ehkit.errors import ValidationError


def test_oin():
    assert Oin("00000003244440010000") == "00000003244440010000"
    for bad in ["0000000324444001000", "000000032444400100001", "0000000324444001000a", "０" * 20]:
        with pytest.raises(ValidationError) as exc:
            Oin(bad)
        assert exc.value.reason == "oin_invalid"


def test_kvk_and_vestiging():
    assert KvKNumber("12345678")
    assert Vestigingsnummer("000012345678")
    with pytest.raises(ValidationError, match="8 digits"):
        KvKNumber("1234567")
    with pytest.raises(ValidationError, match="12 digits"):
        Vestigingsnummer("0000123456789")
    with pytest.raises(ValidationError):
        KvKNumber(" 12345678")
    with pytest.raises(ValidationError):
        KvKNumber("１２３４５６７８")  # full-width digits


def test_bsn_rsin_elfproef():
    assert BSN("111222333")
    assert RSIN("002564440")
    with pytest.raises(ValidationError) as exc:
        BSN("111222334")
    assert exc.value.reason == "bsn_invalid"
    with pytest.raises(ValidationError):
        BSN("000000000")
    with pytest.raises(ValidationError):
        RSIN("002564441")
    assert "111222333" not in repr(BSN("111222333"))


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_bsn_matches_elfproef(value):
    assert BSN.is_valid(value) == (elfproef(value, bsn=True))


def test_entity_and_service_ids():
    e = EntityID("urn:etoegang:HM:00000003244440010000:entities:9713")
    assert e.role == "HM" and e.oin == "00000003244440010000" and e.index == 9713 and e.is_test
    assert EntityID.build("DV", "00000003244440010000", 1) == "urn:etoegang:DV:00000003244440010000:entities:1"
    with pytest.raises(ValidationError):
        EntityID("urn:etoegang:XX:00000003244440010000:entities:1")
    s = ServiceID("urn:etoegang:DV:00000003244440010000:services:3")
    assert s.index == 3 and s.oin == "00000003244440010000"
    with pytest.raises(ValidationError):
        ServiceID("urn:etoegang:DV:00000003244440010000:services:0")


def test_pseudonym():
    value = "5039c43b8e350bf6fb24382c9670debd878623680421a7b6f39ec749dfc0b4c7@0ae3c84bce4f060b25e89c0290f040d6"
    assert ActingSubjectPseudonym(value) == value
    assert ActingSubjectPseudonym(value.upper())
    with pytest.raises(ValidationError):
        ActingSubjectPseudonym(value.replace("@", ":"))


def test_urn_aliases():
    assert identifier_type("urn:etoegang:1.9:EntityConcernedID:Pseudo") is IdentifierType.PSEUDO
    assert identifier_type("urn:etoegang:1.13:EntityConcernedID:Pseudo") is IdentifierType.PSEUDO
    assert identifier_type("urn:etoegang:1.9:EntityConcernedID:KvKnr") is IdentifierType.KVK
    assert identifier_type("urn:other") is None
    assert IdentifierType.BSN.requires_loa3 and not IdentifierType.KVK.requires_loa3
    assert is_identifying("urn:etoegang:1.9:EntityConcernedID:KvKnr")
    assert not is_identifying("urn:etoegang:1.9:attribute:FirstName")
