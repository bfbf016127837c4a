"""Field types of the configuration, each validating once at load time.

Domain values (OIN, EntityID, level of assurance) are parsed with the domain
classes so a configured value is exactly as strict as one read from a message;
their error texts are rephrased into the ``<what> (<fix>)`` form.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, PlainSerializer, PlainValidator, ValidationInfo

from ehkit.domain.identifiers import EntityID, Oin
from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType, identifier_type
from ehkit.errors import ValidationError

# ---------------------------------------------------------------- helpers


def rephrase(error: ValidationError) -> str:
    """Domain messages end in "...; use X"; config messages end in "(use X)"."""
    text = error.message
    head, sep, tail = text.rpartition("; ")
    if sep and tail.startswith(("use ", "write ", "add ")):
        return f"{head} ({tail})"
    return f"{text} (see docs/configuration.md)"


def _context(info: ValidationInfo | None, key: str, default: Any = None) -> Any:
    if info is None or not isinstance(info.context, dict):
        return default
    return info.context.get(key, default)


# ---------------------------------------------------------------- paths


def _expanded(value: Path, info: ValidationInfo) -> Path:
    """``~`` expanded and relative paths taken from the config file's directory. A ``~user``
    that does not exist is a problem with this field, not an exception from the loader."""
    try:
        path = value.expanduser()
    except RuntimeError:
        raise ValueError(
            f"{str(value)[:120]!r} starts with ~ but that home directory is unknown (write the full path)"
        ) from None
    base = _context(info, "base_dir")
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    return path


def _resolve_path(value: Path, info: ValidationInfo) -> Path:
    path = _expanded(value, info)
    if _context(info, "check_files", False):
        try:
            found = path.is_file()
        except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL byte, ...
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ValueError(f"unusable path {str(path)[:120]!r}: {reason} (check the path)") from None
        if not found:
            raise ValueError(
                f"file not found: {path} (check the path; relative paths are read from "
                "the directory of the configuration file)"
            )
    return path


def _resolve_path_unchecked(value: Path, info: ValidationInfo) -> Path:
    return _expanded(value, info)


ConfigPath = Annotated[Path, AfterValidator(_resolve_path)]
"""A file that must exist (when the loader checks files); relative to the config file."""

LaterPath = Annotated[Path, AfterValidator(_resolve_path_unchecked)]
"""A file that may appear later (fetched or generated), so its existence is not checked."""

# ---------------------------------------------------------------- identifiers


def _to_oin(value: Any) -> Oin:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            "an OIN must be written as quoted text, a number loses its leading zeros "
            '(write oin = "00000001234567890000")'
        )
    try:
        return Oin(value)
    except ValidationError as exc:
        raise ValueError(rephrase(exc)) from None


def _to_entity_id(value: Any) -> EntityID:
    try:
        return EntityID(value)
    except ValidationError as exc:
        raise ValueError(
            f"{exc.message.split('; got')[0]}, got {str(value)[:100]!r} "
            "(write e.g. urn:etoegang:DV:00000001234567890000:entities:0)"
        ) from None


def _to_loa(value: Any) -> LevelOfAssurance:
    if isinstance(value, LevelOfAssurance):
        return value
    try:
        return LevelOfAssurance.parse(value)
    except ValidationError as exc:
        if exc.reason == "loa_eh1_refused":
            raise ValueError(
                'EH1 is no longer allowed: it ended on 1 July 2021 and brokers refuse loa1 (use "EH2" or higher)'
            ) from None
        raise ValueError(rephrase(exc)) from None


OinField = Annotated[Oin, PlainValidator(_to_oin), PlainSerializer(str)]
EntityIdField = Annotated[EntityID, PlainValidator(_to_entity_id), PlainSerializer(str)]
LoaField = Annotated[LevelOfAssurance, PlainValidator(_to_loa), PlainSerializer(lambda v: v.label)]

# ---------------------------------------------------------------- identifier types

_SHORT_NAMES: dict[str, str] = {
    # The catalogue form. For the pseudonym the HM metadata and the published
    # catalogues use the 1.9 URN, while responses carry 1.13; both are aliases
    # of one type in ehkit.domain.urns, so readers accept either.
    "kvknr": "urn:etoegang:1.9:EntityConcernedID:KvKnr",
    "kvk": "urn:etoegang:1.9:EntityConcernedID:KvKnr",
    "rsin": "urn:etoegang:1.9:EntityConcernedID:RSIN",
    "bsn": "urn:etoegang:1.12:EntityConcernedID:BSN",
    "pseudoid": "urn:etoegang:1.12:EntityConcernedID:PseudoID",
    "pseudo": "urn:etoegang:1.9:EntityConcernedID:Pseudo",
    "eidaslegalidentifier": "urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier",
}
SHORT_NAME_OF: dict[IdentifierType, str] = {
    IdentifierType.KVK: "KvKnr",
    IdentifierType.RSIN: "RSIN",
    IdentifierType.BSN: "BSN",
    IdentifierType.PSEUDO_ID: "PseudoID",
    IdentifierType.PSEUDO: "Pseudo",
    IdentifierType.EIDAS_LEGAL: "eIDASLegalIdentifier",
}


def identifier_urn(value: Any) -> str:
    """Short name or full URN -> the URN written into the catalogue."""
    if not isinstance(value, str):
        raise ValueError(f'identifier type must be text, got {value!r} (write e.g. "KvKnr")')
    raw = value.strip()
    urn = _SHORT_NAMES.get(raw.lower())
    if urn is not None:
        return urn
    if identifier_type(raw) is not None:
        return raw
    raise ValueError(
        f"unknown identifier type {raw!r} (use one of KvKnr, RSIN, BSN, PseudoID, Pseudo, "
        "eIDASLegalIdentifier, or a full urn:etoegang:...:EntityConcernedID:... URN)"
    )


IdentifierUrn = Annotated[str, PlainValidator(identifier_urn)]

# ---------------------------------------------------------------- text and URLs

SLUG_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def _slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError(
            f"{value!r} is not a usable key (use lowercase letters, digits, - and _, "
            'starting with a letter, at most 40 characters, e.g. "vergunning")'
        )
    return value


def _clean_text(value: str) -> str:
    if value != value.strip():
        raise ValueError("starts or ends with spaces (remove them)")
    if not value:
        raise ValueError("is empty (fill it in)")
    return value


Slug = Annotated[str, AfterValidator(_slug)]
DisplayName = Annotated[str, Field(max_length=64), AfterValidator(_clean_text)]
"""OrganizationDisplayName and ServiceName: at most 64 characters (catalogue XSD)."""
Description = Annotated[str, Field(max_length=1024), AfterValidator(_clean_text)]
"""ServiceDescription and PurposeStatement: at most 1024 characters (catalogue XSD)."""

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def check_url(value: str, *, max_length: int | None = 512, allow_local_http: bool = True) -> str:
    """https, or plain http only on the loopback interface for local testing."""
    if not isinstance(value, str):
        raise ValueError(f'must be a URL as text, got {value!r} (write "https://...")')
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"is {len(value)} characters long (shorten the URL to at most {max_length})")
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and allow_local_http and parts.hostname in _LOCAL_HOSTS:
        return value
    if parts.scheme == "http" and parts.hostname:
        raise ValueError(
            f"{value!r} uses plain http (use https://; http is only accepted for "
            "127.0.0.1 or localhost while testing locally)"
        )
    raise ValueError(f"{value!r} is not an absolute URL (write https://host/path)")


HttpsUrl = Annotated[str, AfterValidator(check_url)]
