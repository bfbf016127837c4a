"""Inputs shared by the message builders: the network's parties and keys, the moment, the tampering."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ehkit.broker.keys import BrokerKeys
from ehkit.pki import KeyPair


@dataclass(frozen=True)
class Tamper:
    """Deliberate deviations from a correct message, set by a scenario.

    Every field's default produces the correct message; a scenario changes
    exactly the fields it is about, so its SP reason stays unambiguous.
    """

    #: Moves the HM assertion's validity window (Conditions and SubjectConfirmationData), not its
    #: IssueInstant: the scenario is about the window, not about a stale message.
    validity_shift: timedelta = timedelta(0)
    audience: str | None = None
    recipient: str | None = None
    #: InResponseTo of the SubjectConfirmationData only (the Response keeps the right one).
    confirmation_in_response_to: str | None = None
    destination: str | None = None
    sign_assertion: bool = True
    #: "hm" signs with the broker key, "rogue" with a key that is in no metadata.
    assertion_key: str = "hm"
    sign_response: bool = True
    #: None, "xsw3", "xsw_advice" or "duplicate_id".
    wrapping: str | None = None
    #: A level URN to claim instead of the one used (may be an invalid one such as loa1).
    loa_urn: str | None = None
    service_id: str | None = None
    service_uuid: str | None = None
    #: Change the HM assertion's content after it was signed (its digest no longer matches);
    #: the Response around it is signed over the changed assertion, so only that signature is wrong.
    corrupt_assertion: bool = False
    plaintext_identifiers: bool = False


@dataclass(frozen=True)
class Network:
    """The simulated parties: one HM, one MR, the ADs, and their keys."""

    hm_entity_id: str
    mr_entity_id: str
    keys: BrokerKeys

    def ad_key(self, ad_id: str) -> KeyPair:
        return self.keys.ad(ad_id)


@dataclass(frozen=True)
class BuildContext:
    network: Network
    now: datetime
    assertion_lifetime: timedelta = timedelta(minutes=2)
    tamper: Tamper = field(default_factory=Tamper)
