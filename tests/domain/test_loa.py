import pytest

from ehkit.domain.loa import LevelOfAssurance as L
from ehkit.errors import ValidationError


def test_order():
    assert L.EH2 < L.EH2_PLUS < L.EH3 < L.EH4
    assert max([L.EH3, L.EH2, L.EH4, L.EH2_PLUS]) is L.EH4
    assert not (L.EH3 < L.EH3)


@pytest.mark.parametrize(
    "member,urn,eidas",
    [
        (L.EH2, "urn:etoegang:core:assurance-class:loa2", "low"),
        (L.EH2_PLUS, "urn:etoegang:core:assurance-class:loa2plus", "low"),
        (L.EH3, "urn:etoegang:core:assurance-class:loa3", "substantial"),
        (L.EH4, "urn:etoegang:core:assurance-class:loa4", "high"),
    ],
)
def test_urns_and_eidas(member, urn, eidas):
    assert member.urn == urn
    assert member.eidas == eidas
    assert L.from_urn(urn) is member
    assert L.parse(member.label) is member
    assert L.parse(member.code.upper()) is member


@pytest.mark.parametrize("text", ["loa1", "EH1", "urn:etoegang:core:assurance-class:loa1"])
def test_eh1_refused_with_reason(text):
    with pytest.raises(ValidationError) as exc:
        L.parse(text)
    assert exc.value.reason == "loa_eh1_refused"
    assert "1 July 2021" in str(exc.value)


@pytest.mark.parametrize("text", ["", "EH5", "loa3x", "urn:etoegang:core:assurance-class:"])
def test_unknown(text):
    with pytest.raises(ValidationError) as exc:
        L.parse(text)
    assert exc.value.reason == "loa_invalid"


def test_from_urn_is_strict():
    with pytest.raises(ValidationError):
        L.from_urn("EH3")
