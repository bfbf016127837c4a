"""Config tests only need the key and certificate files to exist, not to be real keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ehkit.config import EhkitConfig
from ehkit.config.example import example_toml


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    for name in (
        "keys/dv.key",
        "keys/dv.crt",
        "keys/next.key",
        "keys/next.crt",
        "keys/enc.key",
        "keys/enc.crt",
        "broker/metadata-signing.crt",
        "pki/root.crt",
        "pki/tls.crt",
    ):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"placeholder for {name}\n")
    return tmp_path


@pytest.fixture
def example_text() -> str:
    return example_toml(fresh_uuids=False)


@pytest.fixture
def load(config_dir: Path) -> Callable[[str], EhkitConfig]:
    def _load(text: str) -> EhkitConfig:
        return EhkitConfig.from_toml_text(text, config_dir)

    return _load
