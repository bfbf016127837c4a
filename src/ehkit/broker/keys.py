"""The simulated network's keys: one test CA, and a key pair per HM, MR and AD.

Each role signs with its own key, as in the real network, so a DV's code that
verifies the Advice assertions against the wrong party's key fails here too.
With a state directory the keys survive restarts, so a DV can pin the
simulator's metadata certificate once; without one they are made fresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ehkit.domain.identifiers import EntityID
from ehkit.pki import KeyPair, TestCA
from ehkit.util.files import atomic_write

CA_NAME = "ehkit Broker Simulator"
#: A second CA whose keys nobody trusts: the "signature by an unknown key" scenario signs with it.
ROGUE_CA_NAME = "ehkit Rogue Test"


@dataclass(frozen=True)
class BrokerKeys:
    ca: TestCA
    hm: KeyPair
    mr: KeyPair
    ads: dict[str, KeyPair]
    rogue: KeyPair

    def ad(self, ad_id: str) -> KeyPair:
        return self.ads[ad_id]


def _pair(ca: TestCA, directory: Path | None, stem: str, oin: str, role: str, organisation: str) -> KeyPair:
    if directory is not None:
        key_file, cert_file, chain_file = (
            directory / f"{stem}.key",
            directory / f"{stem}.crt",
            directory / f"{stem}-chain.pem",
        )
        if key_file.is_file() and cert_file.is_file():
            pair = KeyPair.load(key_file, cert_file, chain_file if chain_file.is_file() else None)
            if pair.oin == oin:
                return pair
    pair = ca.issue(oin, role, organisation=organisation[:64])
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        atomic_write(directory / f"{stem}.key", pair.private_pem(), mode=0o600)
        # The leaf alone: a DV pins this file, and must not end up trusting the CA certificate too.
        atomic_write(directory / f"{stem}.crt", pair.certificate_pem())
        atomic_write(directory / f"{stem}-chain.pem", pair.chain_pem())
    return pair


def load_or_create_keys(
    state_dir: Path | None,
    *,
    hm_entity_id: str,
    mr_entity_id: str,
    ads: dict[str, str],
) -> BrokerKeys:
    """Keys for the HM, the MR and every AD (``ads`` maps AD id -> EntityID).

    Files in ``state_dir`` are reused when their OIN still fits the EntityID,
    so changing the test data's OINs rolls the affected keys only.
    """
    ca_dir = state_dir / "ca" if state_dir is not None else None
    key_dir = state_dir / "keys" if state_dir is not None else None
    if ca_dir is not None and TestCA.exists(ca_dir):
        ca = TestCA.load(ca_dir)
    else:
        ca = TestCA.create(CA_NAME)
        if ca_dir is not None:
            ca.save(ca_dir)
    hm_id, mr_id = EntityID(hm_entity_id), EntityID(mr_entity_id)
    hm = _pair(ca, key_dir, "hm", hm_id.oin, "HM", "ehkit Broker Simulator HM")
    mr = _pair(ca, key_dir, "mr", mr_id.oin, "MR", "ehkit Broker Simulator MR")
    ad_pairs = {
        ad_id: _pair(ca, key_dir, f"ad-{ad_id}", EntityID(entity_id).oin, "AD", f"ehkit Broker Simulator AD {ad_id}")
        for ad_id, entity_id in ads.items()
    }
    rogue = TestCA.create(ROGUE_CA_NAME).issue(hm_id.oin, "HM", organisation="Not the broker")
    return BrokerKeys(ca=ca, hm=hm, mr=mr, ads=ad_pairs, rogue=rogue)
