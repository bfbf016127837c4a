"""Fixtures for catalogue and SP metadata tests.

Two kinds of key material: the fixed keys in ``data/`` (reproducible builds,
golden files) and one test CA per session for tests that need fresh
certificates, since creating a CA costs two RSA key generations.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ehkit.config import EhkitConfig
from ehkit.config.example import example_toml
from ehkit.pki import TestCA

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"

#: The moment golden documents are built at.
GOLDEN_AT = datetime(2026, 1, 15, 10, 0, 0, tzinfo=UTC)
NEXT_ACTIVATION = "2026-09-01T09:00:00+02:00"


@pytest.fixture(scope="session")
def golden_at() -> datetime:
    return GOLDEN_AT


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    return GOLDEN


@pytest.fixture(scope="session")
def test_ca() -> TestCA:
    return TestCA.create()


def write_fixed_setup(directory: Path, text: str) -> EhkitConfig:
    """Put the fixed keys where the example config expects them and load ``text``."""
    (directory / "keys").mkdir(parents=True, exist_ok=True)
    (directory / "broker").mkdir(parents=True, exist_ok=True)
    for name in ("dv.key", "dv.crt", "dv-next.key", "dv-next.crt"):
        shutil.copy(DATA / name, directory / "keys" / name)
    shutil.copy(DATA / "hm.crt", directory / "broker" / "metadata-signing.crt")
    (directory / "ehkit.toml").write_text(text, encoding="utf-8")
    return EhkitConfig.from_toml_text(text, directory, source=directory / "ehkit.toml")


def with_rollover(text: str, activation: str = NEXT_ACTIVATION) -> str:
    return text.replace(
        '# [keys.next]\n# key = "keys/dv-2027.key"\n# cert = "keys/dv-2027.crt"\n'
        "# activation = 2027-01-15T09:00:00+01:00\n",
        f'[keys.next]\nkey = "keys/dv-next.key"\ncert = "keys/dv-next.crt"\nactivation = {activation}\n',
    )


@pytest.fixture
def make_config(tmp_path_factory: pytest.TempPathFactory):
    """Build a config from TOML text in a fresh directory holding the fixed keys."""

    def make(text: str) -> EhkitConfig:
        return write_fixed_setup(tmp_path_factory.mktemp("cfg"), text)

    return make


@pytest.fixture
def with_next_key():
    return with_rollover


@pytest.fixture
def fixed_text() -> str:
    return example_toml(fresh_uuids=False)


@pytest.fixture
def fixed_config(tmp_path: Path, fixed_text: str) -> EhkitConfig:
    """The example configuration with fixed UUIDs and the fixed keys."""
    return write_fixed_setup(tmp_path, fixed_text)


@pytest.fixture
def rollover_config(tmp_path: Path, fixed_text: str) -> EhkitConfig:
    return write_fixed_setup(tmp_path, with_rollover(fixed_text))


@pytest.fixture
def fresh_config(tmp_path: Path, test_ca: TestCA) -> EhkitConfig:
    """The example exactly as a new user gets it: fresh UUIDs, keys from a test CA valid now."""
    from cryptography.hazmat.primitives import serialization

    (tmp_path / "keys").mkdir()
    (tmp_path / "broker").mkdir()
    dv = test_ca.issue("00000001234567890000", "DV")
    hm = test_ca.issue("00000009876543210000", "HM")
    pem = serialization.Encoding.PEM
    (tmp_path / "keys" / "dv.key").write_bytes(
        dv.private_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tmp_path / "keys" / "dv.crt").write_bytes(dv.certificate.public_bytes(pem))
    (tmp_path / "broker" / "metadata-signing.crt").write_bytes(hm.certificate.public_bytes(pem))
    text = example_toml()
    (tmp_path / "ehkit.toml").write_text(text, encoding="utf-8")
    return EhkitConfig.from_toml_text(text, tmp_path)
