"""What the portal shows of a ``LoginResult``: labelled facts first, raw URNs in a details list.

A person reading the result page wants "Bakkerij De Korenaar B.V., KvK-nummer
30123456", or "Giulia Rossi, born 1 July 1990", not attribute URNs; a developer
wants the URNs too, so they stay, folded away under "Details".
"""

from __future__ import annotations

from typing import Any

from ehkit.domain.urns import IdentifierType

COMPANY_NAME = "urn:etoegang:1.11:attribute-represented:CompanyName"
#: Attributes with a label of their own, in the order people read them; the values are text keys.
PERSON_ATTRIBUTES = {
    "urn:etoegang:1.9:attribute:FirstName": "first_name",
    "urn:etoegang:1.9:attribute:Initials": "initials",
    "urn:etoegang:1.9:attribute:FamilyNameInfix": "infix",
    "urn:etoegang:1.9:attribute:FamilyName": "family_name",
    "urn:etoegang:1.11:attribute:BirthName": "birth_name",
    "urn:etoegang:1.9:attribute:DateOfBirth": "date_of_birth",
}
#: Text keys of the identifier types a company login carries.
COMPANY_IDENTIFIERS = {IdentifierType.KVK: "kvk", IdentifierType.RSIN: "rsin", IdentifierType.BSN: "bsn"}
IDENTIFIER_KEYS = {
    **COMPANY_IDENTIFIERS,
    IdentifierType.PSEUDO: "pseudonym_id",
    IdentifierType.PSEUDO_ID: "pseudo_id",
    IdentifierType.EIDAS_LEGAL: "eidas_legal",
}


def summary(result: Any) -> dict[str, Any]:
    """The page's view of a typed LoginResult (``ehkit.sp.LoginResult``)."""
    legal = result.legal_subject
    acting = result.acting_subject
    attrs = {k: ", ".join(v) for k, v in result.attributes.items()}
    eidas = legal.type not in COMPANY_IDENTIFIERS
    identifiers = [(IDENTIFIER_KEYS.get(legal.type, "identifier"), str(legal))]
    identifiers += [(IDENTIFIER_KEYS.get(i.type, "identifier"), str(i)) for i in result.additional_identifiers]
    inter = result.intermediary
    details = [("LegalSubjectID", f"{legal.urn} = {legal}"), ("ActingSubjectID", f"{acting.urn} = {acting}")]
    details += [(urn, value) for urn, value in sorted(attrs.items())]
    details += [
        ("ServiceID", result.service_id),
        ("ServiceUUID", result.service_uuid),
        ("HM", result.broker),
        ("AD", result.authenticating_authority or "–"),
        ("MR", result.authorization_registry or "–"),
    ]
    return {
        "eidas": eidas,
        "company_name": attrs.get(COMPANY_NAME),
        "identifiers": identifiers,
        "vestiging": result.vestigingsnummer,
        "person": [(key, attrs[urn]) for urn, key in PERSON_ATTRIBUTES.items() if urn in attrs],
        # An eIDAS login's legal subject is the person: show the pseudonym once.
        "pseudonym": None if eidas and str(acting) == str(legal) else str(acting),
        "loa": result.loa.label,
        "loa_required": result.loa_required.label,
        "intermediary": (f"KvK {inter.kvk}" + (f" ({inter.company_name})" if inter.company_name else ""))
        if inter
        else None,
        "details": details,
    }
