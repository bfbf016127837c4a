"""``--apply``: minimal text edits of ehkit.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ehkit.assess.apply import ApplyError, set_levels, unified_diff, write_config
from ehkit.domain.loa import LevelOfAssurance as L

CONFIG = """\
# ehkit configuration for the municipality
[broker]
name = "test-broker"  # which makelaar

[[services]]
key = "melding"   # public space reports
name = "Melding openbare ruimte"
loa = "EH3"  # a first guess

[services.attributes]
loa = "must stay"

[[services]]
# permits
  key = "vergunning"
  name = "Vergunning"

[[services]]
key = "subsidie"
loa = 'EH4'
"""


def test_replaces_only_the_matching_service_and_keeps_comments() -> None:
    new = set_levels(CONFIG, {"melding": L.EH2_PLUS})
    assert 'loa = "EH2+"  # a first guess' in new
    assert "# ehkit configuration for the municipality" in new
    assert 'key = "melding"   # public space reports' in new
    changed = [(a, b) for a, b in zip(CONFIG.splitlines(), new.splitlines(), strict=True) if a != b]
    assert changed == [('loa = "EH3"  # a first guess', 'loa = "EH2+"  # a first guess')]
    data = tomllib.loads(new)
    assert [s.get("loa") for s in data["services"]] == ["EH2+", None, "EH4"]
    assert data["services"][0]["attributes"]["loa"] == "must stay"


def test_inserts_loa_after_the_key_line_with_its_indent() -> None:
    new = set_levels(CONFIG, {"vergunning": L.EH3})
    assert '  key = "vergunning"\n  loa = "EH3"\n  name = "Vergunning"\n' in new
    assert len(new.splitlines()) == len(CONFIG.splitlines()) + 1
    assert tomllib.loads(new)["services"][1]["loa"] == "EH3"


def test_several_services_in_one_edit() -> None:
    new = set_levels(CONFIG, {"melding": L.EH2, "vergunning": L.EH3, "subsidie": L.EH3})
    assert [s["loa"] for s in tomllib.loads(new)["services"]] == ["EH2", "EH3", "EH3"]
    assert 'loa = "EH3"\n' in new.split('key = "subsidie"')[1]


def test_unchanged_level_leaves_text_identical() -> None:
    assert set_levels(CONFIG, {"subsidie": L.EH4}) == CONFIG


def test_unknown_key_is_a_clear_error() -> None:
    with pytest.raises(ApplyError) as exc:
        set_levels(CONFIG, {"parkeren": L.EH2})
    assert "no [[services]] block with key 'parkeren'" in exc.value.message
    assert "'melding', 'vergunning', 'subsidie'" in exc.value.message


def test_file_without_services() -> None:
    with pytest.raises(ApplyError, match=r"no \[\[services\]\] tables"):
        set_levels('[broker]\nname = "x"\n', {"a": L.EH2})


def test_inline_services_array_is_refused_not_mangled() -> None:
    with pytest.raises(ApplyError, match="must be written as"):
        set_levels('services = [{key = "a"}]\n', {"a": L.EH3})


def test_a_layout_the_editor_misreads_is_refused() -> None:
    tricky = '[[services]]\nkey = "a"\nnote = """\nloa = "EH2"\n"""\nloa = "EH2"\n'
    with pytest.raises(ApplyError, match="would change more than the loa values"):
        set_levels(tricky, {"a": L.EH3})


def test_invalid_toml() -> None:
    with pytest.raises(ApplyError, match="not valid TOML"):
        set_levels("[[services]\n", {"a": L.EH3})


def test_crlf_line_endings_are_kept() -> None:
    crlf = CONFIG.replace("\n", "\r\n")
    new = set_levels(crlf, {"vergunning": L.EH3, "melding": L.EH4})
    assert "\n" not in new.replace("\r\n", "")
    assert '  loa = "EH3"\r\n' in new


def test_last_line_without_newline() -> None:
    new = set_levels('[[services]]\nkey = "a"', {"a": L.EH3})
    assert new == '[[services]]\nkey = "a"\nloa = "EH3"\n'


def test_diff_shows_the_change() -> None:
    new = set_levels(CONFIG, {"melding": L.EH2_PLUS})
    diff = unified_diff(CONFIG, new, Path("ehkit.toml"))
    assert '-loa = "EH3"  # a first guess' in diff and '+loa = "EH2+"  # a first guess' in diff
    assert diff.startswith("--- ehkit.toml\n+++ ehkit.toml (new)\n")


def test_write_config_refuses_a_file_changed_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "ehkit.toml"
    path.write_text(CONFIG, encoding="utf-8")
    new = set_levels(CONFIG, {"melding": L.EH2})
    path.write_text(CONFIG + "# edited by someone else\n", encoding="utf-8")
    with pytest.raises(ApplyError, match="changed while waiting"):
        write_config(path, CONFIG, new)
    assert path.read_text(encoding="utf-8").endswith("# edited by someone else\n")


def test_write_config_keeps_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "ehkit.toml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o640)
    write_config(path, CONFIG, set_levels(CONFIG, {"melding": L.EH2}))
    assert path.stat().st_mode & 0o777 == 0o640
    assert 'loa = "EH2"  # a first guess' in path.read_text(encoding="utf-8")
