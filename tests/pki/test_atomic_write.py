"""ehkit.util.files.atomic_write: whole files, exact permissions, nothing left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ehkit.util import files
from ehkit.util.files import atomic_write


@pytest.fixture
def umask():
    """Set a umask for one test and restore it afterwards."""
    saved = os.umask(0o022)
    os.umask(saved)

    def set_umask(value: int) -> None:
        os.umask(value)

    yield set_umask
    os.umask(saved)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    atomic_write(target, b"one")
    assert target.read_bytes() == b"one"
    atomic_write(str(target), b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077])
def test_explicit_mode_ignores_umask(tmp_path: Path, umask, mask: int) -> None:
    umask(mask)
    atomic_write(tmp_path / "k.key", b"secret", mode=0o600)
    atomic_write(tmp_path / "p.pem", b"public", mode=0o644)
    assert _mode(tmp_path / "k.key") == 0o600
    assert _mode(tmp_path / "p.pem") == 0o644


def test_explicit_mode_narrows_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "k.key"
    target.write_bytes(b"old")
    target.chmod(0o644)
    atomic_write(target, b"new", mode=0o600)
    assert _mode(target) == 0o600


def test_default_mode_follows_umask(tmp_path: Path, umask) -> None:
    umask(0o027)
    atomic_write(tmp_path / "n.txt", b"x")
    assert _mode(tmp_path / "n.txt") == 0o640


def test_default_mode_keeps_existing_permissions(tmp_path: Path) -> None:
    target = tmp_path / "conf"
    target.write_bytes(b"old")
    target.chmod(0o600)
    atomic_write(target, b"new")
    assert _mode(target) == 0o600 and target.read_bytes() == b"new"


def test_failure_keeps_old_content_and_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_fsyncs_file_and_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(files.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    atomic_write(tmp_path / "a", b"x")
    assert len(synced) == 2


def test_refuses_text(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        atomic_write(tmp_path / "a", "text")  # type: ignore[arg-type]
    assert not (tmp_path / "a").exists()
