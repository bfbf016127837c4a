"""Claim profiles: each preset's mapping both ways, user-defined profiles, and their validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType
from ehkit.errors import ConfigError, LoginRejected
from ehkit.oidc.profiles import ClaimedIdentifier, ClaimedIdentity, available_profiles, load_profile, profile_from_table

KVK = IdentifierType.KVK
PSEUDO = "a" * 64 + "@" + "b" * 32


def identity(**changes) -> ClaimedIdentity:  # type: ignore[no-untyped-def]
    values = {
        "legal_subject": ClaimedIdentifier(KVK, "30123456", KVK.urn),
        "acting_subject": ClaimedIdentifier(IdentifierType.PSEUDO, PSEUDO, IdentifierType.PSEUDO.urn),
        "additional_identifiers": (ClaimedIdentifier(IdentifierType.RSIN, "843464097", IdentifierType.RSIN.urn),),
        "vestigingsnummer": "000012345602",
        "intermediary_kvk": "30111111",
        "intermediary_name": "Telling B.V.",
        "service_uuid": "5d3c8a52-3f0e-4f6b-9a61-7f0c2b9e4d10",
        "loa": LevelOfAssurance.EH3,
        "attributes": {"urn:etoegang:1.11:attribute-represented:CompanyName": ("Korenaar B.V.",)},
    }
    values.update(changes)
    return ClaimedIdentity(**values)


def test_the_presets() -> None:
    assert set(available_profiles()) >= {"urn-claims", "idp-selector", "keycloak"}


@pytest.mark.parametrize("name", ["urn-claims", "idp-selector", "keycloak"])
def test_each_preset_reads_what_it_writes(name: str) -> None:
    profile = load_profile(name)
    claims = profile.write(identity())
    claims.setdefault("acr", "x")
    read = profile.read(claims)
    assert read.legal_subject == identity().legal_subject
    assert read.acting_subject.value == PSEUDO and read.loa is LevelOfAssurance.EH3
    assert read.additional_identifiers == identity().additional_identifiers
    assert (read.vestigingsnummer, read.intermediary_kvk, read.service_uuid) == (
        "000012345602",
        "30111111",
        "5d3c8a52-3f0e-4f6b-9a61-7f0c2b9e4d10",
    )
    assert read.attributes == identity().attributes


def test_urn_claims_names_and_values() -> None:
    claims = load_profile("urn-claims").write(identity())
    assert claims["urn:etoegang:core:LegalSubjectID"] == "30123456"
    assert claims["namequalifier"] == "urn:etoegang:1.9:EntityConcernedID:KvKnr"
    assert claims["urn:etoegang:core:ActingSubjectID"] == PSEUDO
    assert claims["urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"] == "000012345602"
    assert claims["acr"] == "urn:etoegang:core:assurance-class:loa3"
    # Without namequalifier the type defaults to KvK, as Open Forms documents.
    profile = load_profile("urn-claims")
    del claims["namequalifier"]
    assert profile.read(claims).legal_subject.type is KVK
    claims["namequalifier"] = "RSIN"
    assert profile.read(claims).legal_subject.type is IdentifierType.RSIN
    claims["namequalifier"] = "urn:etoegang:1.9:EntityConcernedID:Nope"
    with pytest.raises(LoginRejected) as caught:
        profile.read(claims)
    assert caught.value.reason == "identifier_type_unknown"


def test_idp_selector_sends_the_login_method_and_reads_the_level_elsewhere() -> None:
    profile = load_profile("idp-selector")
    assert profile.authorize.acr_values == "idp:eherkenning" and "eherkenning-extra" in profile.authorize.scopes
    claims = profile.write(identity())
    assert claims["chamberOfCommerce"] == "30123456" and claims["eherkenningLoa"] == "loa3"
    claims["acr"] = "idp:eherkenning"
    assert profile.read(claims).loa is LevelOfAssurance.EH3
    rsin_only = {k: v for k, v in claims.items() if k != "chamberOfCommerce"}
    assert profile.read(rsin_only).legal_subject.type is IdentifierType.RSIN  # the second alternative


def test_keycloak_sends_the_idp_hint_and_ignores_keycloaks_own_acr() -> None:
    profile = load_profile("keycloak")
    assert profile.authorize.params == {"kc_idp_hint": "eherkenning"}
    claims = profile.write(identity())
    claims["acr"] = "1"  # Keycloak's own level: not an eHerkenning level
    assert profile.read(claims).loa is LevelOfAssurance.EH3


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"acr": None}, "oidc_acr_missing"),
        ({"acr": "urn:etoegang:core:assurance-class:loa1"}, "loa_eh1_refused"),
        ({"acr": "high"}, "oidc_acr_unknown"),
        ({"acr": ["urn:etoegang:core:assurance-class:loa3"]}, "oidc_claim_invalid"),
        ({"urn:etoegang:core:LegalSubjectID": None}, "legal_subject_missing"),
        ({"urn:etoegang:core:LegalSubjectID": 30123456}, "oidc_claim_invalid"),
        ({"urn:etoegang:core:ActingSubjectID": None}, "acting_subject_missing"),
        ({"urn:etoegang:1.9:ServiceRestriction:Vestigingsnr": 12345602}, "oidc_claim_invalid"),
    ],
)
def test_what_the_profile_refuses(change: dict, reason: str) -> None:
    profile = load_profile("urn-claims")
    claims = profile.write(identity())
    for key, value in change.items():
        if value is None:
            claims.pop(key, None)
        else:
            claims[key] = value
    with pytest.raises(LoginRejected) as caught:
        profile.read(claims)
    assert caught.value.reason == reason


def test_a_user_defined_profile_with_nested_claims_and_an_eh1_mapping() -> None:
    profile = profile_from_table(
        {
            "name": "gemeente",
            "title": "Our Keycloak mappers",
            "extends": "keycloak",
            "legal_subject": {"claim": ["aanvrager", "kvk"], "type": "KvKnr"},
            "acting_subject": {"claim": ["gemachtigde", "pseudo"], "type": "Pseudo"},
            "vestiging": ["aanvrager", "vestiging"],
            "level": {"claim": "eh_level", "values": {"2": "EH2", "3": "EH3", "1": "EH1"}, "accept_urns": False},
            "authorize": {"params": {"kc_idp_hint": "eherkenning-gemeente"}},
        }
    )
    assert profile.authorize.params == {"kc_idp_hint": "eherkenning-gemeente"} and profile.authorize.prompt == "login"
    claims = {
        "acr": "1",
        "aanvrager": {"kvk": "30123456", "vestiging": "000012345602"},
        "gemachtigde": {"pseudo": PSEUDO},
    }
    read = profile.read({**claims, "eh_level": "3"})
    assert read.legal_subject.value == "30123456" and read.vestigingsnummer == "000012345602"
    assert read.loa is LevelOfAssurance.EH3
    with pytest.raises(LoginRejected) as eh1:
        profile.read({**claims, "eh_level": "1"})
    assert eh1.value.reason == "loa_eh1_refused"
    with pytest.raises(LoginRejected) as urn:
        profile.read({**claims, "eh_level": "urn:etoegang:core:assurance-class:loa3"})
    assert urn.value.reason == "oidc_acr_unknown"  # accept_urns is off
    assert profile.write(read)["aanvrager"] == {"kvk": "30123456", "vestiging": "000012345602"}


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"legal_subject": {"claim": "x", "type": "KvKnr", "type_claim": "t"}}, "exactly one of type"),
        ({"legal_subject": {"claim": "x"}}, "exactly one of type"),
        ({"legal_subject": {"claim": 42, "type": "KvKnr"}}, "claim path"),
        ({"legal_subject": {"claim": [], "type": "KvKnr"}}, "claim path"),
        ({"legal_subject": {"claim": "x", "type": "Passport"}}, "unknown identifier type"),
        ({"level": {"values": {"3": "EH5"}}}, "maps to"),
        ({"authorize": {"params": {"state": "x"}}}, "cannot be set here"),
        ({"authorize": {"scopes": ["profile"]}}, "openid"),
        ({"attributes": {"CompanyName": "organisationName"}}, "attribute URN"),
        ({"surprise": 1}, "surprise"),
        ({"name": "Bad Name"}, "name"),
    ],
)
def test_profile_errors_name_the_field(table: dict, fragment: str) -> None:
    base = {
        "name": "mine",
        "title": "Mine",
        "legal_subject": {"claim": "kvk", "type": "KvKnr"},
        "acting_subject": {"claim": "sub", "type": "Pseudo"},
    }
    with pytest.raises(ConfigError) as caught:
        profile_from_table({**base, **table})
    assert caught.value.reason == "oidc_profile_invalid" and fragment in caught.value.message


def test_unknown_presets_and_extends() -> None:
    with pytest.raises(ConfigError) as caught:
        load_profile("signicat-but-misspelt")
    assert caught.value.reason == "oidc_profile_unknown" and "urn-claims" in caught.value.message
    with pytest.raises(ConfigError):
        profile_from_table({"name": "x", "title": "x", "extends": "nope"})


def test_every_preset_file_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "oidc.md").read_text(encoding="utf-8")
    for name in available_profiles():
        assert f"`{name}`" in doc, name
