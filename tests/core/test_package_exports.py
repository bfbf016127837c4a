"""The top-level namespace: what ``from ehkit import ...`` offers, loaded lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ehkit


def test_all_lists_every_lazy_export_and_each_resolves() -> None:
    assert sorted(ehkit.__all__) == sorted([*ehkit._LAZY, "__version__"])
    for name, (module, attr) in ehkit._LAZY.items():
        resolved = getattr(ehkit, name)
        assert resolved.__name__ == attr and resolved.__module__ == module


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        ehkit.Nope  # noqa: B018


def test_importing_ehkit_loads_no_web_framework_or_http_client() -> None:
    code = "import sys, ehkit; print(sorted(m for m in ('httpx', 'starlette', 'lxml', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
