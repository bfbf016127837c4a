"""Portal pieces without a browser: bounded outcome records, the language hint, the result summary."""

from __future__ import annotations

from types import SimpleNamespace

from ehkit.demo.portal import MAX_OUTCOMES, Outcome, Session, with_lang_hint
from ehkit.demo.result import summary
from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType


def test_outcome_records_are_bounded_per_session() -> None:
    session = Session()
    keys = [session.add_outcome(Outcome("refused", "signature_invalid", "melding")) for _ in range(MAX_OUTCOMES + 5)]
    assert len(session.outcomes) == MAX_OUTCOMES
    assert keys[0] not in session.outcomes and keys[-1] in session.outcomes


def test_language_hint_is_added_beside_the_saml_parameters() -> None:
    assert with_lang_hint("https://hm/sso?SAMLRequest=x&Signature=y", "en").endswith("&Signature=y&lang=en")
    assert with_lang_hint("https://hm/sso", "nl") == "https://hm/sso?lang=nl"


class _Id:
    def __init__(self, kind: IdentifierType, value: str) -> None:
        self.type, self.urn, self.value = kind, kind.urn, value

    def __str__(self) -> str:
        return self.value


def _result(legal: _Id, acting: _Id, attributes: dict[str, tuple[str, ...]], **extra: object) -> SimpleNamespace:
    return SimpleNamespace(
        legal_subject=legal,
        acting_subject=acting,
        attributes=attributes,
        additional_identifiers=extra.get("additional", ()),
        intermediary=None,
        vestigingsnummer=None,
        loa=LevelOfAssurance.EH3,
        loa_required=LevelOfAssurance.EH3,
        service_id="urn:etoegang:DV:1:services:1",
        service_uuid="u",
        broker="hm",
        authenticating_authority="ad",
        authorization_registry=None,
    )


def test_company_summary_labels_identifiers_and_keeps_urns_for_details() -> None:
    result = _result(
        _Id(IdentifierType.KVK, "30123456"),
        _Id(IdentifierType.PSEUDO, "p@q"),
        {"urn:etoegang:1.11:attribute-represented:CompanyName": ("Bakkerij",)},
        additional=(_Id(IdentifierType.RSIN, "843464097"),),
    )
    view = summary(result)
    assert view["eidas"] is False and view["company_name"] == "Bakkerij"
    assert view["identifiers"] == [("kvk", "30123456"), ("rsin", "843464097")]
    assert view["pseudonym"] == "p@q"
    assert ("urn:etoegang:1.11:attribute-represented:CompanyName", "Bakkerij") in view["details"]


def test_eidas_summary_shows_the_person_and_the_pseudonym_once() -> None:
    same = _Id(IdentifierType.PSEUDO, "x@y")
    attrs = {
        "urn:etoegang:1.9:attribute:FirstName": ("Giulia",),
        "urn:etoegang:1.9:attribute:FamilyName": ("Rossi",),
        "urn:etoegang:1.9:attribute:DateOfBirth": ("1990-07-01",),
    }
    view = summary(_result(same, same, attrs))
    assert view["eidas"] is True and view["pseudonym"] is None
    assert view["person"] == [("first_name", "Giulia"), ("family_name", "Rossi"), ("date_of_birth", "1990-07-01")]
