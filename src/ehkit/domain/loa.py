"""Levels of assurance (betrouwbaarheidsniveaus).

EH1 is recognised so that an old configuration or message gets a precise
error instead of "unknown value": it was discontinued on 1 July 2021.
"""

from __future__ import annotations

import enum
from functools import total_ordering

from ehkit.errors import ValidationError

_URN_PREFIX = "urn:etoegang:core:assurance-class:"


@total_ordering
class LevelOfAssurance(enum.Enum):
    EH2 = ("loa2", "EH2", "low", 20)
    EH2_PLUS = ("loa2plus", "EH2+", "low", 25)
    EH3 = ("loa3", "EH3", "substantial", 30)
    EH4 = ("loa4", "EH4", "high", 40)

    def __init__(self, code: str, label: str, eidas: str, rank: int) -> None:
        self.code = code
        self.label = label
        self.eidas = eidas
        self.rank = rank

    @property
    def urn(self) -> str:
        return _URN_PREFIX + self.code

    @property
    def eidas_label_nl(self) -> str:
        return {"low": "laag", "substantial": "substantieel", "high": "hoog"}[self.eidas]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, LevelOfAssurance):
            return NotImplemented
        return self.rank < other.rank

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, text: str | LevelOfAssurance) -> LevelOfAssurance:
        """Accept the names people use: "EH3", "eh2+", "loa2plus", the full URN."""
        if isinstance(text, LevelOfAssurance):
            return text
        if not isinstance(text, str):
            raise ValidationError(f"level of assurance must be text, got {type(text).__name__}", reason="loa_invalid")
        raw = text.strip()
        key = raw.lower()
        if key.startswith(_URN_PREFIX):
            key = key[len(_URN_PREFIX) :]
        key = key.replace(" ", "")
        if key in {"loa1", "eh1"}:
            raise ValidationError(
                f"level of assurance {raw!r} (EH1) is no longer allowed: EH1 ended on 1 July 2021; use EH2 or higher",
                reason="loa_eh1_refused",
            )
        for member in cls:
            if key in {member.code, member.label.lower(), member.name.lower()}:
                return member
        raise ValidationError(
            f"unknown level of assurance {raw!r}; use one of EH2, EH2+, EH3, EH4 (or {', '.join(m.urn for m in cls)})",
            reason="loa_invalid",
        )

    @classmethod
    def from_urn(cls, urn: str) -> LevelOfAssurance:
        """Strict: only the exact etoegang URN, as it appears in messages."""
        if isinstance(urn, str) and urn.startswith(_URN_PREFIX):
            return cls.parse(urn)
        raise ValidationError(f"not an eHerkenning level-of-assurance URN: {urn!r}", reason="loa_invalid")
