"""Key material for the ops tests: reissued DV certificates and a configured [keys.next]."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

_ISSUED: dict[int, Any] = {}


def reissue(doctor_env: Any, session_keys: Any, *, days: int) -> Any:
    """Replace the DV's certificate by one from the same CA that expires in ``days`` days."""
    from broker_harness import DV_OIN

    if days not in _ISSUED:
        start = datetime.now(UTC) - timedelta(days=300)
        _ISSUED[days] = session_keys.ca.issue(DV_OIN, "DV", days=300 + days, not_before=start)
    pair = _ISSUED[days]
    keys = doctor_env.dir / "keys"
    keys.joinpath("dv.key").write_bytes(pair.private_pem())
    keys.joinpath("dv.crt").write_bytes(pair.certificate_pem())
    return pair


def add_next_key(doctor_env: Any, session_keys: Any, activation: datetime) -> Any:
    from broker_harness import DV_OIN

    pair = _ISSUED.setdefault(-1, session_keys.ca.issue(DV_OIN, "DV"))
    keys = doctor_env.dir / "keys"
    keys.joinpath("next.key").write_bytes(pair.private_pem())
    keys.joinpath("next.crt").write_bytes(pair.certificate_pem())
    doctor_env.edit(
        'signing_cert = "keys/dv.crt"\n',
        f'signing_cert = "keys/dv.crt"\n\n[keys.next]\nkey = "keys/next.key"\ncert = "keys/next.crt"\n'
        f'activation = "{activation.isoformat()}"\n',
    )
    return pair


def republish(doctor_env: Any) -> None:
    """Write the published catalogue and SP metadata as ehkit.toml gives them now (no drift)."""
    from ehkit.catalogue.build import build_catalogue
    from ehkit.catalogue.sp_metadata import build_all_sp_metadata
    from ehkit.config import load_config

    config = load_config(doctor_env.toml)
    now = datetime.now(UTC)
    published = doctor_env.dir / "published"
    (published / "catalogue.xml").write_bytes(build_catalogue(config, at=now))
    for group, xml in build_all_sp_metadata(config, now).items():
        (published / f"metadata-{group}.xml").write_bytes(xml)
