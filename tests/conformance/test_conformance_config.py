"""The configuration: TOML or YAML, every wrong field named with its path, CLI-style overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from ehkit.config.errors import ConfigInvalidError
from ehkit.conformance import ConformanceConfig, LoginTarget, load_conformance_config
from ehkit.conformance.config import Attestations
from ehkit.errors import ConfigError

TOML = """
metadata = "metadata.xml"
catalogue = "https://dv.example/catalogue.xml"
profiles = ["kpn"]
only = "REFUSE-*,login-success"
trusted_ca = "roots.pem"
out = "report"

[[logins]]
login_url = "https://dv.example/login/vergunning"
success_url = "https://dv.example/me"
identity_url = "https://dv.example/me"

[simulator]
base_url = "https://127.0.0.1:8801"
tls = true
state = "state"

[attestations]
no_iframe = true
communication = false
"""


def test_toml_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "conformance.toml").write_text(TOML, encoding="utf-8")
    config = load_conformance_config(tmp_path / "conformance.toml")
    assert config.metadata == [str(tmp_path / "metadata.xml")]
    assert config.catalogue == "https://dv.example/catalogue.xml"
    assert config.trusted_ca == [tmp_path / "roots.pem"]
    assert config.out == tmp_path / "report" and config.simulator.state == tmp_path / "state"
    assert config.only == ["REFUSE-*", "LOGIN-SUCCESS"]
    assert config.selected("REFUSE-XSW3") and config.selected("LOGIN-SUCCESS")
    assert not config.selected("META-XSD")
    assert config.attestations.value("MANUAL-NO-IFRAME") is True
    assert config.attestations.value("MANUAL-COMMUNICATION") is False
    assert config.attestations.value("MANUAL-LOGOUT") is None


def test_yaml_is_the_same_model(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "metadata: [a.xml, b.xml]\n"
        "logins:\n  - login_url: http://127.0.0.1:8800/login/x\n    success_text: Ingelogd\n"
        "skip: [DOWN-UNREACHABLE]\n",
        encoding="utf-8",
    )
    config = load_conformance_config(tmp_path / "c.yaml")
    assert [Path(m).name for m in config.metadata] == ["a.xml", "b.xml"]
    assert config.logins[0].success_text == "Ingelogd"
    assert not config.selected("DOWN-UNREACHABLE") and config.selected("DOWN-HTTP-500")


def test_every_wrong_field_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        """
metadata = []
profiles = ["kpnn"]
only = ["NO-SUCH-CHECK"]
timeout = -1
colour = "blue"

[[logins]]
login_url = "ftp://dv.example/login"

[simulator]
base_url = "http://127.0.0.1:8801/broker"
hm_entity_id = "urn:etoegang:DV:00000001234567890000:entities:1"
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigInvalidError) as err:
        load_conformance_config(tmp_path / "bad.toml")
    paths = {p.path for p in err.value.problems}
    assert {
        "metadata",
        "profiles",
        "only",
        "timeout",
        "colour",
        "logins[0].login_url",
        "simulator.base_url",
        "simulator.hm_entity_id",
    } <= paths
    text = err.value.message
    assert "kpnn" in text and "NO-SUCH-CHECK" in text and "ftp://dv.example/login" in text
    assert "docs/conformance.md" in text and "docs/configuration.md" not in text
    assert err.value.reason == "config_invalid"


def test_a_login_needs_a_success_detector() -> None:
    with pytest.raises(ConfigInvalidError) as err:
        ConformanceConfig.from_data({"metadata": ["m.xml"], "logins": [{"login_url": "https://dv.example/login"}]})
    assert "success_url" in err.value.message and "logins[0]" in err.value.message


def test_https_base_url_needs_tls() -> None:
    with pytest.raises(ConfigInvalidError) as err:
        ConformanceConfig.from_data(
            {
                "metadata": ["m.xml"],
                "logins": [LoginTarget(login_url="https://dv.example/l", success_text="ok").model_dump()],
                "simulator": {"base_url": "https://127.0.0.1:8801"},
            }
        )
    assert "tls = true" in err.value.message


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_conformance_config(tmp_path / "nope.toml")
    assert err.value.reason == "config_not_found"
    (tmp_path / "broken.toml").write_text("metadata = [", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_conformance_config(tmp_path / "broken.toml")
    assert err.value.reason == "config_unreadable" and "not valid TOML" in err.value.message
    (tmp_path / "broken.yaml").write_text("metadata: [", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_conformance_config(tmp_path / "broken.yaml")
    assert "not valid YAML" in err.value.message
    (tmp_path / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigInvalidError):
        load_conformance_config(tmp_path / "list.yaml")


def test_overrides_win_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text(TOML, encoding="utf-8")
    config = load_conformance_config(tmp_path / "c.toml", only=None, skip=["REFUSE-XSW3"])
    assert config.skip == ["REFUSE-XSW3"] and not config.selected("REFUSE-XSW3")


def test_attestation_keys_cover_every_manual_check() -> None:
    from ehkit.conformance import CHECKS, Category

    manual = {c.id for c in CHECKS.values() if c.category is Category.MANUAL}
    assert {Attestations().value(cid) for cid in manual} == {None}
    with pytest.raises(KeyError):
        Attestations().value("LOGIN-SUCCESS")
