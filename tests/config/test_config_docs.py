"""docs/configuration.md describes every field of every configuration table."""

from __future__ import annotations

from pathlib import Path

import pytest

from ehkit.config import (
    AttributeRequest,
    BrokerConfig,
    CatalogueConfig,
    ContactConfig,
    DvConfig,
    EhkitConfig,
    KeysConfig,
    MetadataGroupConfig,
    NextKeyConfig,
    OpsConfig,
    ServiceConfig,
    StateConfig,
    TimeoutConfig,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
MODELS = [
    AttributeRequest,
    BrokerConfig,
    CatalogueConfig,
    ContactConfig,
    DvConfig,
    EhkitConfig,
    KeysConfig,
    MetadataGroupConfig,
    NextKeyConfig,
    OpsConfig,
    ServiceConfig,
    StateConfig,
    TimeoutConfig,
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_documented(model):
    text = DOC.read_text(encoding="utf-8")

    def documented(name: str) -> bool:
        # A field is a table row (`name`) or a table heading ([name], [[name]], [section.name]).
        return any(form in text for form in (f"`{name}`", f"[{name}]", f".{name}]"))

    missing = [name for name in model.model_fields if not documented(name)]
    assert missing == []
