"""Write chosen levels into ``ehkit.toml`` without disturbing the rest of the file.

A TOML library would re-serialise the file and drop the DV's comments, so the
edit is done on the text: only the ``loa = ...`` line of the matching
``[[services]]`` block changes (or is inserted after its ``key`` line). The
result is parsed again and must equal the original with only those ``loa``
values changed; anything else (a layout this editor does not understand) is
refused instead of written.
"""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ehkit.assess.texts import msg
from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import ConfigError
from ehkit.util.files import atomic_write

_SERVICES_HEADER = re.compile(r"^\s*\[\[\s*services\s*\]\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"""^\s*\[\[?\s*[A-Za-z0-9_."' -]+?\s*\]\]?\s*(#.*)?$""")
_LOA_LINE = re.compile(
    r"""^(?P<lead>\s*(?:loa|"loa"|'loa')\s*=\s*)(?P<value>"[^"]*"|'[^']*'|[^\s#]+)(?P<rest>\s*(?:#.*)?)$"""
)
_KEY_LINE = re.compile(r"""^(?P<indent>\s*)(?:key|"key"|'key')\s*=""")


class ApplyError(ConfigError):
    """The levels cannot be written; ``text`` has the message in both languages (``message`` is English)."""

    reason = "assess_apply"

    def __init__(self, key: str, **params: Any) -> None:
        self.text = msg(key, **params)
        super().__init__(self.text.en)


def read_config(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ApplyError("apply_err_read", path=path, error=exc) from exc


def set_levels(text: str, levels: Mapping[str, LevelOfAssurance], *, source: str = "ehkit.toml") -> str:
    """Return ``text`` with each service's ``loa`` set; raise ApplyError when that is not possible."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ApplyError("apply_err_toml", source=source, error=exc) from exc
    services = data.get("services")
    if not isinstance(services, list) or not all(isinstance(s, dict) for s in services):
        raise ApplyError("apply_err_no_services", source=source)
    keys = [s.get("key") for s in services]
    missing = [key for key in levels if key not in keys]
    if missing:
        known = ", ".join(repr(k) for k in keys if isinstance(k, str)) or "none"
        raise ApplyError("apply_err_missing", source=source, keys=", ".join(repr(k) for k in missing), known=known)
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _SERVICES_HEADER.match(_strip_eol(line))]
    if len(starts) != len(services):
        raise ApplyError("apply_err_layout", source=source)
    expected = copy.deepcopy(data)
    # Edit from the bottom up so earlier line numbers stay valid.
    for index in sorted((keys.index(k) for k in levels), reverse=True):
        key = keys[index]
        label = levels[key].label
        expected["services"][index]["loa"] = label
        if services[index].get("loa") != label:
            _edit_block(lines, starts[index], label)
    new_text = "".join(lines)
    _verify(new_text, expected, source)
    return new_text


def _edit_block(lines: list[str], start: int, label: str) -> None:
    end = start + 1
    while end < len(lines) and not _ANY_HEADER.match(_strip_eol(lines[end])):
        end += 1
    for i in range(start + 1, end):
        match = _LOA_LINE.match(_strip_eol(lines[i]))
        if match:
            lines[i] = f'{match["lead"]}"{label}"{match["rest"]}{_eol(lines[i])}'
            return
    anchor, indent = start, ""
    for i in range(start + 1, end):
        key_match = _KEY_LINE.match(lines[i])
        if key_match:
            anchor, indent = i, key_match["indent"]
            break
    newline = _eol(lines[anchor]) or _eol(lines[0]) or "\n"
    if not _eol(lines[anchor]):
        lines[anchor] += newline
    lines.insert(anchor + 1, f'{indent}loa = "{label}"{newline}')


def _verify(new_text: str, expected: dict[str, Any], source: str) -> None:
    try:
        result = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:
        raise ApplyError("apply_err_invalid", source=source, error=exc) from exc
    if result != expected:
        raise ApplyError("apply_err_more", source=source)


def unified_diff(old: str, new: str, path: Path) -> str:
    diff = difflib.unified_diff(
        [_strip_eol(line) + "\n" for line in old.splitlines(keepends=True)],
        [_strip_eol(line) + "\n" for line in new.splitlines(keepends=True)],
        fromfile=f"{path}",
        tofile=f"{path} (new)",
    )
    return "".join(diff)


def write_config(path: Path, expected_old: str, new: str) -> None:
    """Refuse to overwrite a file that changed while the user looked at the diff."""
    if read_config(path) != expected_old:
        raise ApplyError("apply_err_changed", path=path)
    atomic_write(path, new.encode("utf-8"))


def _strip_eol(line: str) -> str:
    return line.rstrip("\r\n")


def _eol(line: str) -> str:
    return line[len(_strip_eol(line)) :]
