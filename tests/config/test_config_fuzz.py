"""Fuzz: the configuration loader reports every bad input as a ConfigError.

Found before: an OSError escaped for an unusable path. Inputs: the example
``ehkit.toml`` damaged as text and with values swapped for values of other
types, key-file paths that no file system accepts, and configuration paths of
every odd kind (directories, NUL bytes, names too long, ``~nobody``).
"""

from __future__ import annotations

import re

from hypothesis import event, given
from hypothesis import strategies as st

from ehkit.config import EhkitConfig, load_config
from ehkit.errors import ConfigError
from support.mutations import FUZZ, mutated_bytes

_ODD_VALUES = [
    "1",
    "-1",
    "0",
    "1e400",
    "true",
    '""',
    '" "',
    "[]",
    "{}",
    '["a", 1]',
    "1979-05-27T07:32:00Z",
    "nan",
    '"~nosuchuser/x"',
    '"' + "k" * 5000 + '"',
    '"' + "/".join(["x" * 255] * 20) + '"',
    '"a\\u0000b"',
    '"urn:etoegang:DV:00000001234567890000:entities:99999"',
    '"EH5"',
    '"sqlite://"',
    '"redis://"',
]
_ASSIGNMENT = re.compile(r"^(\s*[A-Za-z_][\w.]*\s*=\s*)(.+)$", re.M)


@st.composite
def damaged_toml(draw, text: str) -> str:
    if draw(st.booleans()):
        return draw(mutated_bytes(text.encode())).decode("utf-8", "replace")
    assignments = list(_ASSIGNMENT.finditer(text))
    for _ in range(draw(st.integers(1, 4))):
        m = assignments[draw(st.integers(0, len(assignments) - 1))]
        text = text.replace(m.group(0), m.group(1) + draw(st.sampled_from(_ODD_VALUES)), 1)
        assignments = list(_ASSIGNMENT.finditer(text))
    return text


@FUZZ
@given(data=st.data())
def test_damaged_configuration_is_a_config_error(config_dir, example_text, data):
    text = data.draw(damaged_toml(example_text))
    try:
        EhkitConfig.from_toml_text(text, config_dir)
    except ConfigError as exc:
        event(exc.reason)
        assert str(exc)
        return
    event("loaded")


@FUZZ
@given(
    path=st.one_of(
        st.text(max_size=60),
        st.sampled_from(["", ".", "/", "~nosuchuser/ehkit.toml", "a\x00b", "x" * 5000, "/".join(["y" * 255] * 20)]),
    )
)
def test_any_configuration_path_is_a_config_error(config_dir, path):
    try:
        load_config(path)
    except ConfigError as exc:
        event(exc.reason)


def test_a_directory_and_a_file_below_a_file_are_config_errors(config_dir):
    for path in (config_dir, config_dir / "keys" / "dv.key" / "ehkit.toml"):
        try:
            load_config(path)
        except ConfigError as exc:
            assert exc.reason in ("config_unreadable", "config_not_found")
            assert str(path)[:40] in str(exc)
        else:  # pragma: no cover - a failure message
            raise AssertionError(f"{path} loaded")
