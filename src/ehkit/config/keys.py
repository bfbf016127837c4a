"""Key material and the rollover schedule.

A certificate change has to be timed with the broker network: the catalogue
(read by the authentication services and registers) must carry the new
encryption certificate *before* the switch, the SP metadata (read by the
broker) announces the next certificate beside the current one before the switch
and carries only the new certificate *from* the switch on. Brokers asked for that (django-digid-eherkenning CHANGELOG; open-forms #5136, #5206).
The methods below answer "which certificates do I publish at moment T" so the
catalogue builder, the metadata builder and the SP never decide it differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from ehkit.config.types import ConfigPath


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class KeyFiles:
    """A private key file and its certificate file, labelled by rollover role."""

    label: Literal["current", "next"]
    key: Path
    cert: Path
    activation: datetime | None = None


class NextKeyConfig(_Section):
    """The key pair that takes over at ``activation``."""

    key: ConfigPath
    cert: ConfigPath
    activation: AwareDatetime
    encryption_key: ConfigPath | None = None
    encryption_cert: ConfigPath | None = None


def _aware(at: datetime) -> datetime:
    # A naive moment would compare unpredictably with the configured activation.
    if at.tzinfo is None:
        raise ValueError("pass a timezone-aware datetime, e.g. datetime.now(timezone.utc)")
    return at


class KeysConfig(_Section):
    """DV keys. The encryption pair defaults to the signing pair (one PKIoverheid certificate)."""

    signing_key: ConfigPath
    signing_cert: ConfigPath
    signing_chain: ConfigPath | None = None
    encryption_key: ConfigPath | None = None
    encryption_cert: ConfigPath | None = None
    next: NextKeyConfig | None = None

    # -- the pairs -----------------------------------------------------------

    @property
    def current_signing(self) -> KeyFiles:
        return KeyFiles("current", self.signing_key, self.signing_cert)

    @property
    def current_encryption(self) -> KeyFiles:
        return KeyFiles(
            "current",
            self.encryption_key or self.signing_key,
            self.encryption_cert or self.signing_cert,
        )

    @property
    def next_signing(self) -> KeyFiles | None:
        if self.next is None:
            return None
        return KeyFiles("next", self.next.key, self.next.cert, self.next.activation)

    @property
    def next_encryption(self) -> KeyFiles | None:
        if self.next is None:
            return None
        return KeyFiles(
            "next",
            self.next.encryption_key or self.next.key,
            self.next.encryption_cert or self.next.cert,
            self.next.activation,
        )

    @property
    def activation(self) -> datetime | None:
        return self.next.activation if self.next else None

    # -- what holds at a moment ---------------------------------------------

    def next_active(self, at: datetime) -> bool:
        """True once the configured activation moment has been reached."""
        return self.next is not None and _aware(at) >= self.next.activation

    def signing_pair(self, at: datetime) -> KeyFiles:
        """The pair to sign with (and to use as TLS client certificate) at ``at``."""
        nxt = self.next_signing
        return nxt if nxt is not None and self.next_active(at) else self.current_signing

    def encryption_pair(self, at: datetime) -> KeyFiles:
        nxt = self.next_encryption
        return nxt if nxt is not None and self.next_active(at) else self.current_encryption

    def decryption_pairs(self) -> tuple[KeyFiles, ...]:
        """Every key a message may be encrypted to while a rollover is under way.

        The SP metadata publishes the signing certificate without ``use`` (so
        for encryption too) and the catalogue the encryption certificate, so
        with a separate encryption pair both keys can receive encrypted data.
        """
        candidates = [self.current_encryption, self.current_signing]
        if self.next is not None:
            candidates += [self.next_encryption, self.next_signing]  # type: ignore[list-item]
        pairs: list[KeyFiles] = []
        for pair in candidates:
            if all(pair.key != seen.key for seen in pairs):
                pairs.append(pair)
        return tuple(pairs)

    def metadata_certificates(self, at: datetime) -> tuple[KeyFiles, ...]:
        """SP metadata: before activation the current certificate and the next one (announced, so the
        broker already trusts the next key when ehkit starts signing with it); from activation on
        only the next one."""
        nxt = self.next_signing
        if nxt is None or self.next_active(at):
            return (self.signing_pair(at),)
        return (self.current_signing, nxt)

    def catalogue_certificates(self, at: datetime) -> tuple[KeyFiles, ...]:
        """Catalogue ServiceCertificates: current and next before activation, only the new one after."""
        if self.next is None:
            return (self.current_encryption,)
        if self.next_active(at):
            return (self.next_encryption,)  # type: ignore[return-value]
        return (self.current_encryption, self.next_encryption)  # type: ignore[return-value]


def utcnow() -> datetime:
    return datetime.now(UTC)
