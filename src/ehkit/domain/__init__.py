"""Pure values of the eHerkenning domain: levels, identifiers, URNs. No I/O."""

from ehkit.domain.identifiers import (
    BSN,
    RSIN,
    ActingSubjectPseudonym,
    EntityID,
    KvKNumber,
    Oin,
    ServiceID,
    Vestigingsnummer,
)
from ehkit.domain.loa import LevelOfAssurance

__all__ = [
    "BSN",
    "RSIN",
    "ActingSubjectPseudonym",
    "EntityID",
    "KvKNumber",
    "LevelOfAssurance",
    "Oin",
    "ServiceID",
    "Vestigingsnummer",
]
