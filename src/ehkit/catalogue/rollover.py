"""A certificate rollover as three publication moments, with the files for each.

The catalogue (read by authentication services and registers to encrypt to
the DV) must know the next certificate before anyone uses it; the SP metadata
(read by the broker) must switch exactly at the activation moment, because the
DV signs with the next key from then on; the old certificate leaves the
catalogue only after that. Getting the order wrong makes logins fail for as
long as it takes a broker to process an e-mail (open-forms #5136, #5206).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from ehkit.catalogue.build import BuildOptions, build_catalogue, write_output
from ehkit.catalogue.keys import load_published
from ehkit.catalogue.sp_metadata import build_sp_metadata
from ehkit.config import EhkitConfig
from ehkit.errors import ConfigError
from ehkit.pki import key_name_sha256

Moment = Literal["now", "activation", "after"]


@dataclass
class RolloverStep:
    moment: Moment
    when: datetime | None
    title: str
    explanation: str
    certificates: list[str]
    files: dict[str, bytes] = field(default_factory=dict)

    def as_dict(self, written: dict[str, Path] | None = None) -> dict[str, Any]:
        return {
            "moment": self.moment,
            "when": self.when.isoformat() if self.when else None,
            "title": self.title,
            "explanation": self.explanation,
            "certificates": self.certificates,
            "files": [str(written[name]) if written and name in written else name for name in self.files],
        }


def _names(pairs: Any) -> list[str]:
    return [f"{p.label}: {key_name_sha256(load_published(p))}" for p in pairs]


def plan_rollover(config: EhkitConfig, *, now: datetime) -> list[RolloverStep]:
    """The three steps of the configured rollover, with built and signed documents."""
    keys = config.keys
    if keys.next is None:
        raise ConfigError(
            "no rollover is configured (add [keys.next] with key, cert and activation to ehkit.toml)",
            reason="rollover_not_configured",
        )
    activation = keys.next.activation
    # The "now" documents describe the situation before activation even when run late.
    before = min(now, activation - timedelta(seconds=1))
    seq = config.catalogue.sequence
    groups = config.service_groups()

    step_now = RolloverStep(
        "now",
        now,
        "Announce the next certificate",
        "Send this catalogue, which lists the current AND the next encryption certificate, to your broker now, "
        f"well before {activation:%Y-%m-%d %H:%M %Z}, and publish this SP metadata: still signed with the current "
        "key, it announces the next certificate beside the current one, so the broker trusts the next key before "
        "ehkit signs with it.",
        _names(keys.catalogue_certificates(before)),
    )
    step_now.files["1-now/catalogue.xml"] = build_catalogue(config, at=before, options=BuildOptions(sequence=seq))
    for group in groups:
        step_now.files[f"1-now/metadata-{group.name}.xml"] = build_sp_metadata(config, group, before)

    step_activation = RolloverStep(
        "activation",
        activation,
        "Switch the SP metadata",
        f"At {activation:%Y-%m-%d %H:%M %Z} publish this SP metadata: it carries only the next certificate and is "
        "signed with the next key. From this moment ehkit signs requests and decrypts with the next key; "
        "agree the moment with your broker, who publishes the new KeyName with an effective date.",
        _names(keys.metadata_certificates(activation)),
    )
    for group in groups:
        step_activation.files[f"2-activation/metadata-{group.name}.xml"] = build_sp_metadata(config, group, activation)

    step_after = RolloverStep(
        "after",
        None,
        "Retire the old certificate",
        "Once the broker confirms the switch, and before the old certificate expires, send this catalogue with "
        "only the new certificate (sequence raised by one). Then move [keys.next] into [keys] in ehkit.toml.",
        _names(keys.catalogue_certificates(activation)),
    )
    step_after.files["3-after/catalogue.xml"] = build_catalogue(
        config, at=activation, options=BuildOptions(sequence=seq + 1)
    )
    return [step_now, step_activation, step_after]


def write_rollover(steps: list[RolloverStep], out_dir: str | Path) -> dict[str, Path]:
    """Write every step's files under ``out_dir`` (atomically); returns name -> path."""
    root = Path(out_dir)
    written: dict[str, Path] = {}
    for step in steps:
        for name, data in step.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write_output(path, data)
            written[name] = path
    return written
