"""Loading ehkit.toml: defaults, derived values, paths, lookups."""

from __future__ import annotations

import uuid
from pathlib import Path

import pydantic
import pytest

from ehkit.config import ConfigInvalidError, EhkitConfig, derived_instance_uuid, load_config
from ehkit.config.example import FIXED_UUIDS, example_toml
from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import ConfigError

OIN = "00000001234567890000"


def test_example_loads(load, example_text, config_dir):
    config = load(example_text)
    assert config.dv.oin == OIN
    assert config.dv.entity_id == f"urn:etoegang:DV:{OIN}:entities:0"
    assert config.dv.display_names == {"nl": "Gemeente Voorbeeldstad", "en": "Municipality of Voorbeeldstad"}
    assert config.broker.oin == "00000009876543210000"  # derived from broker.entity_id
    assert config.broker.trust_mode == "pinned"
    assert config.broker.pinned_certs == [config_dir / "broker" / "metadata-signing.crt"]
    assert config.broker.metadata_file == config_dir / "broker" / "metadata.xml"
    assert config.broker.artifact_resolution_timeout.connect == 5
    assert config.broker.metadata_refresh == 86400
    assert config.keys.signing_key == config_dir / "keys" / "dv.key"
    assert config.state.kind == "sqlite" and config.state.sqlite_path == config_dir / "state.db"
    assert config.state.pending_ttl == 900 and config.state.clock_skew == 120
    assert config.catalogue.version_urn() == "urn:etoegang:1.13:service-catalogue:T:1"
    assert [s.key for s in config.services] == ["melding", "vergunning", "eidas"]


def test_service_defaults_and_derived_values(load, example_text):
    config = load(example_text)
    melding = config.service("melding")
    assert melding.loa is LevelOfAssurance.EH2_PLUS
    assert melding.service_id == f"urn:etoegang:DV:{OIN}:services:1"
    assert melding.uuid == uuid.UUID(FIXED_UUIDS["melding"])
    assert melding.instance_uuid == derived_instance_uuid(melding.uuid)
    assert melding.is_public is True  # from dv.is_public
    assert melding.metadata_group == "eherkenning"
    assert melding.intermediation == "noIntermediation" and melding.sso_support is False
    assert melding.identifier_sets == [["urn:etoegang:1.9:EntityConcernedID:KvKnr"]]
    eidas = config.service("eidas")
    assert eidas.metadata_group == "eidas"
    assert eidas.identifier_sets == [["urn:etoegang:1.9:EntityConcernedID:Pseudo"]]
    assert config.service_by_index(2).key == "vergunning"
    assert config.service("vergunning").uses_bsnk is False


def test_instance_uuid_is_stable_across_loads(load, example_text):
    assert (
        load(example_text).service("vergunning").instance_uuid == load(example_text).service("vergunning").instance_uuid
    )


def test_service_groups(load, example_text):
    groups = load(example_text).service_groups()
    assert [(g.name, g.entity_id, [s.key for s in g.services]) for g in groups] == [
        ("eherkenning", f"urn:etoegang:DV:{OIN}:entities:0", ["melding", "vergunning"]),
        ("eidas", f"urn:etoegang:DV:{OIN}:entities:1", ["eidas"]),
    ]
    assert groups[0].default_service.key == "melding"


def test_unknown_service_lists_known(load, example_text):
    with pytest.raises(ConfigError) as exc:
        load(example_text).service("vergunnig")
    assert exc.value.reason == "unknown_service"
    assert "melding, vergunning, eidas" in exc.value.message


def test_identifier_names(load, example_text):
    text = example_text.replace(
        'identifier_sets = [["KvKnr", "RSIN"], ["KvKnr"]]',
        'identifier_sets = [["kvknr", "urn:etoegang:1.9:EntityConcernedID:RSIN"], ["KvKnr"]]',
    ).replace(
        'identifier_sets = [["Pseudo"]]',
        'identifier_sets = [["urn:etoegang:1.13:EntityConcernedID:Pseudo"], ["eIDASLegalIdentifier"]]',
    )
    config = load(text)
    assert config.service("vergunning").identifier_sets[0] == [
        "urn:etoegang:1.9:EntityConcernedID:KvKnr",
        "urn:etoegang:1.9:EntityConcernedID:RSIN",
    ]
    assert config.service("eidas").identifier_sets == [
        ["urn:etoegang:1.13:EntityConcernedID:Pseudo"],
        ["urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier"],
    ]


def test_explicit_values_win(load, example_text):
    text = example_text.replace("entity_index = 0", f'entity_id = "urn:etoegang:DV:{OIN}:entities:9001"')
    text = text.replace("artifact_resolution_timeout = { connect = 5, read = 10 }", "artifact_resolution_timeout = 3")
    text = text.replace(
        'key = "melding"', 'key = "melding"\nis_public = false\ninstance_uuid = "2c6f5a0e-1c7d-4a36-9a55-3f1d0c2e8a99"'
    )
    config = load(text)
    assert config.dv.entity_id.index == 9001
    assert config.broker.artifact_resolution_timeout.read == 3
    assert config.service("melding").is_public is False
    assert str(config.service("melding").instance_uuid) == "2c6f5a0e-1c7d-4a36-9a55-3f1d0c2e8a99"


def test_ca_trust_mode(load, example_text):
    text = example_text.replace('pinned_certs = ["broker/metadata-signing.crt"]', 'ca_certs = ["pki/root.crt"]')
    config = load(text)
    assert config.broker.trust_mode == "ca"
    assert config.broker.effective_expected_oin == "00000009876543210000"


def test_absolute_paths_are_kept(load, example_text, config_dir):
    absolute = config_dir / "keys" / "dv.key"
    config = load(example_text.replace('signing_key = "keys/dv.key"', f'signing_key = "{absolute}"'))
    assert config.keys.signing_key == absolute


def test_load_config_from_file(config_dir, example_text):
    path = config_dir / "ehkit.toml"
    path.write_text(example_text)
    config = load_config(path)
    assert config.source == path and config.base_dir == config_dir.resolve()


def test_load_config_missing_file(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "nope.toml")
    assert exc.value.reason == "config_not_found"
    assert "nope.toml" in exc.value.message


def test_toml_syntax_error(config_dir):
    with pytest.raises(ConfigInvalidError) as exc:
        EhkitConfig.from_toml_text("[dv]\noin = \n", config_dir)
    assert exc.value.reason == "config_invalid"
    assert "not valid TOML" in exc.value.message and "line 2" in exc.value.message


def test_missing_key_file_named(tmp_path, example_text):
    with pytest.raises(ConfigInvalidError) as exc:
        EhkitConfig.from_toml_text(example_text, tmp_path)
    paths = {p.path for p in exc.value.problems}
    assert {"keys.signing_key", "keys.signing_cert", "broker.pinned_certs[0]"} <= paths
    assert "file not found" in exc.value.message
    # Tools that only read service definitions can skip the check.
    assert EhkitConfig.from_toml_text(example_text, tmp_path, check_files=False).dv.oin == OIN


def test_relay_state_key(load, example_text, config_dir):
    derived = load(example_text).relay_state_key()
    assert len(derived) == 32 and derived == load(example_text).relay_state_key()
    (config_dir / "keys" / "dv.key").write_text("another key\n")
    assert load(example_text).relay_state_key() != derived
    text = example_text.replace(
        'store = "sqlite:///state.db"', 'store = "memory://"\nrelay_state_secret = "' + "s" * 40 + '"'
    )
    configured = load(text)
    assert configured.relay_state_key() != derived
    assert "s" * 40 not in repr(configured)


def test_example_has_fresh_uuids_by_default():
    first, second = example_toml(), example_toml()
    assert first != second
    assert FIXED_UUIDS["melding"] not in first


def test_write_example_produces_a_loadable_setup(tmp_path, capsys):
    from ehkit.broker.app import build_broker
    from ehkit.broker.settings import BrokerSettings
    from ehkit.config.errors import ConfigInvalidError
    from ehkit.config.example import write_example

    path = write_example(tmp_path / "demo")
    printed = capsys.readouterr().out
    assert str(path.as_posix()) in printed and "ehkit broker serve --config" in printed
    # It pins the certificate the simulator writes into its state folder on its first start ...
    with pytest.raises(ConfigInvalidError, match=r"broker-state/keys/hm\.crt"):
        load_config(path)
    build_broker(BrokerSettings(state_dir=tmp_path / "demo" / "broker-state"))
    config = load_config(path)
    assert config.broker.pinned_certs == [tmp_path / "demo" / "broker-state" / "keys" / "hm.crt"]
    assert config.broker.metadata_url == "http://127.0.0.1:8801/broker/metadata/1.13"
    assert config.dv.acs_url == "http://127.0.0.1:8000/eherkenning/acs/"
    assert config.keys.signing_key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert (tmp_path / "demo" / "keys" / "dv.key").stat().st_mode & 0o777 == 0o600
    write_example(tmp_path / "quiet", quiet=True)
    assert capsys.readouterr().out == ""


def test_models_are_frozen(load, example_text):
    config = load(example_text)
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        config.dv.name_nl = "x"  # type: ignore[misc]


def test_state_store_kinds(load, example_text, config_dir):
    for store, kind in (
        ("memory://", "memory"),
        ("redis://cache:6379/0", "redis"),
        ("sqlite:////var/ehkit.db", "sqlite"),
    ):
        config = load(example_text.replace('store = "sqlite:///state.db"', f'store = "{store}"'))
        assert config.state.kind == kind
    config = load(example_text.replace('store = "sqlite:///state.db"', 'store = "sqlite:////var/ehkit.db"'))
    assert config.state.sqlite_path == Path("/var/ehkit.db")
