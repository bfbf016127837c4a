"""Pseudonyms the way the network forms them: stable per (DV, person, represented party).

A DV keys its accounts on the ActingSubjectID pseudonym, so the simulator must
hand out the same one every time the same person logs in for the same company
at the same DV, and a different one anywhere else. An HMAC over those three,
with a key derived from the broker's EntityID, gives exactly that, across
restarts, without storing anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


class Pseudonyms:
    def __init__(self, hm_entity_id: str) -> None:
        self._key = hashlib.sha256(b"ehkit broker pseudonyms v1|" + hm_entity_id.encode()).digest()

    def _mac(self, *parts: str) -> bytes:
        return hmac.new(self._key, "|".join(parts).encode("utf-8"), hashlib.sha256).digest()

    def acting(self, dv_oin: str, person_id: str, company_id: str) -> str:
        """``64 hex @ 32 hex``, the form of urn:etoegang:1.13:EntityConcernedID:Pseudo."""
        left = self._mac("acting", dv_oin, person_id, company_id).hex()
        right = self._mac("acting-suffix", dv_oin, company_id).hex()[:32]
        return f"{left}@{right}"

    def ad_internal(self, ad_id: str, person_id: str) -> str:
        """The AD's own pseudonym of the person, which it encrypts for the MR."""
        left = self._mac("ad", ad_id, person_id).hex()
        right = self._mac("ad-suffix", ad_id).hex()[:32]
        return f"{left}@{right}"

    def bsnk_identity(self, dv_oin: str, bsn: str) -> str:
        """Stands in for a BSNk encrypted identity (urn:etoegang:1.12:EntityConcernedID:BSN): base64, as
        the real one, but readable: ``ehkit-sim-bsnk-ei|<DV OIN>|<BSN>``. Not a real BSNk structure."""
        return base64.b64encode(f"ehkit-sim-bsnk-ei|{dv_oin}|{bsn}".encode("ascii")).decode("ascii")

    @staticmethod
    def read_bsnk_identity(value: str) -> tuple[str, str]:
        """(DV OIN, BSN) from :meth:`bsnk_identity`'s output; for tests and curious DVs."""
        prefix, dv_oin, bsn = base64.b64decode(value).decode("ascii").split("|")
        if prefix != "ehkit-sim-bsnk-ei":
            raise ValueError("not a simulated BSNk identity")
        return dv_oin, bsn

    def pseudo_id(self, dv_oin: str, seed: str) -> str:
        """Stands in for a BSNk PseudoID (a DV-specific encrypted pseudonym); not a real BSNk structure."""
        return base64.b64encode(b"ehkit-sim-pseudoid:" + self._mac("pseudoid", dv_oin, seed)).decode("ascii")
