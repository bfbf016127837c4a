"""Identifiers of the eHerkenning network and the Dutch registers.

Each is a ``str`` subclass so it can be used wherever text is expected, but it
can only be constructed through validation, so holding one means its form was
checked. Errors name the identifier and the rule it broke.
"""

from __future__ import annotations

import re
from typing import ClassVar

from ehkit.errors import ValidationError

_ROLES = ("DV", "HM", "AD", "MR", "EB")


class _Identifier(str):
    kind: ClassVar[str] = "identifier"
    reason: ClassVar[str] = "identifier_invalid"

    def __new__(cls, value: object) -> _Identifier:
        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            raise ValidationError(f"{cls.kind} must be text, got {type(value).__name__}", reason=cls.reason)
        cls._check(value)
        return super().__new__(cls, value)

    @classmethod
    def _check(cls, value: str) -> None:  # pragma: no cover - every concrete class overrides it
        raise TypeError(f"{cls.__name__} is abstract: use Oin, KvKNumber, BSN, ...")

    @classmethod
    def is_valid(cls, value: object) -> bool:
        try:
            cls(value)
        except ValidationError:
            return False
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


def _digits(kind: str, value: str, length: int, reason: str) -> None:
    # str.isdigit() accepts full-width and other Unicode digits; identifiers are ASCII.
    if len(value) != length or not value.isascii() or not value.isdigit():
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise ValidationError(f"{kind} must be exactly {length} digits 0-9, got {shown!r}", reason=reason)


def elfproef(value: str, *, bsn: bool) -> bool:
    """The 11-check of BSN and RSIN. For a BSN the last weight is -1."""
    weights = [9, 8, 7, 6, 5, 4, 3, 2, -1 if bsn else 1]
    if len(value) != len(weights):
        return False
    total = sum(int(d) * w for d, w in zip(value, weights, strict=True))
    return total % 11 == 0 and (not bsn or value != "000000000")


class Oin(_Identifier):
    """Organisatie-identificatienummer: 20 digits."""

    kind = "OIN"
    reason = "oin_invalid"

    @classmethod
    def _check(cls, value: str) -> None:
        _digits(cls.kind, value, 20, cls.reason)


class KvKNumber(_Identifier):
    """Chamber of Commerce number: 8 digits."""

    kind = "KvK number"
    reason = "kvk_invalid"

    @classmethod
    def _check(cls, value: str) -> None:
        _digits(cls.kind, value, 8, cls.reason)


class Vestigingsnummer(_Identifier):
    """Branch number in the Handelsregister: 12 digits."""

    kind = "vestigingsnummer"
    reason = "vestigingsnummer_invalid"

    @classmethod
    def _check(cls, value: str) -> None:
        _digits(cls.kind, value, 12, cls.reason)


class RSIN(_Identifier):
    """Rechtspersonen en Samenwerkingsverbanden Informatienummer: 9 digits, 11-check."""

    kind = "RSIN"
    reason = "rsin_invalid"

    @classmethod
    def _check(cls, value: str) -> None:
        _digits(cls.kind, value, 9, cls.reason)
        if not elfproef(value, bsn=False):
            raise ValidationError(f"RSIN {value!r} fails the 11-check (elfproef)", reason=cls.reason)


class BSN(_Identifier):
    """Burgerservicenummer: 9 digits, 11-check with weight -1 on the last digit.

    Its repr hides the digits: a BSN must not end up in logs by accident.
    """

    kind = "BSN"
    reason = "bsn_invalid"

    @classmethod
    def _check(cls, value: str) -> None:
        _digits(cls.kind, value, 9, cls.reason)
        if not elfproef(value, bsn=True):
            raise ValidationError("BSN fails the 11-check (elfproef)", reason=cls.reason)

    def __repr__(self) -> str:
        return "BSN('*********')"


_PSEUDO_RE = re.compile(r"^[0-9a-fA-F]{64}@[0-9a-fA-F]{32}$")


class ActingSubjectPseudonym(_Identifier):
    """The acting person's pseudonym: 64 hex, '@', 32 hex (seen in both cases in real messages)."""

    kind = "acting-subject pseudonym"
    reason = "pseudonym_invalid"

    @classmethod
    def _check(cls, value: str) -> None:
        if not _PSEUDO_RE.match(value):
            raise ValidationError(
                f"{cls.kind} must be 64 hex characters, '@', 32 hex characters; got {value[:100]!r}",
                reason=cls.reason,
            )


_ENTITY_RE = re.compile(r"^urn:etoegang:(DV|HM|AD|MR|EB):(\d{20}):entities:(\d{1,4})$")
_SERVICE_RE = re.compile(r"^urn:etoegang:DV:(\d{20}):services:(\d{1,4})$")


class EntityID(_Identifier):
    """``urn:etoegang:<ROLE>:<OIN>:entities:<index>``; index 9000-9999 is for test systems."""

    kind = "EntityID"
    reason = "entity_id_invalid"

    @classmethod
    def _check(cls, value: str) -> None:
        if not _ENTITY_RE.match(value):
            raise ValidationError(
                f"EntityID must look like urn:etoegang:<ROLE>:<OIN>:entities:<index> with ROLE one of "
                f"{', '.join(_ROLES)}, a 20-digit OIN and an index 0-9999; got {value[:120]!r}",
                reason=cls.reason,
            )

    @property
    def role(self) -> str:
        return _ENTITY_RE.match(self).group(1)  # type: ignore[union-attr]

    @property
    def oin(self) -> Oin:
        return Oin(_ENTITY_RE.match(self).group(2))  # type: ignore[union-attr]

    @property
    def index(self) -> int:  # type: ignore[override]  # shadows str.index: the public name of the URN's index
        return int(_ENTITY_RE.match(self).group(3))  # type: ignore[union-attr]

    @property
    def is_test(self) -> bool:
        return 9000 <= self.index <= 9999

    @classmethod
    def build(cls, role: str, oin: str, index: int) -> EntityID:
        return cls(f"urn:etoegang:{role}:{Oin(oin)}:entities:{index}")


class ServiceID(_Identifier):
    """``urn:etoegang:DV:<OIN>:services:<index>``; the index (>= 1) is the AttributeConsumingServiceIndex."""

    kind = "ServiceID"
    reason = "service_id_invalid"

    @classmethod
    def _check(cls, value: str) -> None:
        m = _SERVICE_RE.match(value)
        if not m or int(m.group(2)) < 1:
            raise ValidationError(
                f"ServiceID must look like urn:etoegang:DV:<20-digit OIN>:services:<index 1-9999>; got {value[:120]!r}",
                reason=cls.reason,
            )

    @property
    def oin(self) -> Oin:
        return Oin(_SERVICE_RE.match(self).group(1))  # type: ignore[union-attr]

    @property
    def index(self) -> int:  # type: ignore[override]  # shadows str.index: the public name of the URN's index
        return int(_SERVICE_RE.match(self).group(2))  # type: ignore[union-attr]

    @classmethod
    def build(cls, oin: str, index: int) -> ServiceID:
        return cls(f"urn:etoegang:DV:{Oin(oin)}:services:{index}")
