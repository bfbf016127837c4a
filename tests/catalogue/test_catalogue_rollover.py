"""The rollover plan: what to publish when, and the files for each moment."""

from __future__ import annotations

import pytest
from lxml import etree

from ehkit.catalogue import plan_rollover, validate_catalogue, validate_sp_metadata, write_rollover
from ehkit.catalogue.ns import ESC, esc
from ehkit.errors import ConfigError
from ehkit.pki import key_name_sha256, load_certificate
from ehkit.xml.ns import DS, MD

NS = {"esc": ESC, "ds": DS, "md": MD}


def _instance_key_names(data: bytes) -> list[str]:
    root = etree.fromstring(data)
    first = root.find("esc:ServiceProvider/esc:ServiceInstance", NS)
    return [k.text for k in first.iterfind("esc:ServiceCertificate//ds:KeyName", NS)]


def _metadata_key_names(data: bytes) -> list[str]:
    return [k.text for k in etree.fromstring(data).iterfind(".//md:KeyDescriptor//ds:KeyName", NS)]


def test_plan(rollover_config, golden_at, tmp_path):
    current = key_name_sha256(load_certificate(rollover_config.keys.signing_cert))
    nxt = key_name_sha256(load_certificate(rollover_config.keys.next.cert))
    steps = plan_rollover(rollover_config, now=golden_at)
    assert [s.moment for s in steps] == ["now", "activation", "after"]
    now, activation, after = steps

    assert set(now.files) == {"1-now/catalogue.xml", "1-now/metadata-eherkenning.xml", "1-now/metadata-eidas.xml"}
    assert _instance_key_names(now.files["1-now/catalogue.xml"]) == [current, nxt]
    assert _metadata_key_names(now.files["1-now/metadata-eherkenning.xml"]) == [current, nxt]

    assert activation.when == rollover_config.keys.activation
    assert set(activation.files) == {"2-activation/metadata-eherkenning.xml", "2-activation/metadata-eidas.xml"}
    assert _metadata_key_names(activation.files["2-activation/metadata-eidas.xml"]) == [nxt]

    catalogue_after = after.files["3-after/catalogue.xml"]
    assert _instance_key_names(catalogue_after) == [nxt]
    assert etree.fromstring(catalogue_after).get(esc("Version")).endswith(":T:2")

    written = write_rollover(steps, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in written.values()) == sorted(
        [*now.files, *activation.files, *after.files]
    )
    for name, path in written.items():
        data = path.read_bytes()
        report = (validate_catalogue if "catalogue" in name else validate_sp_metadata)(data, now=golden_at)
        assert report.ok, report.to_json()
    assert now.as_dict(written)["files"][0].startswith(str(tmp_path))


def test_plan_after_activation_still_describes_before(rollover_config):
    late = rollover_config.keys.activation.replace(year=2027)
    now, _, _ = plan_rollover(rollover_config, now=late)
    assert len(_instance_key_names(now.files["1-now/catalogue.xml"])) == 2


def test_no_rollover_configured(fixed_config, golden_at):
    with pytest.raises(ConfigError) as exc:
        plan_rollover(fixed_config, now=golden_at)
    assert exc.value.reason == "rollover_not_configured"
    assert "[keys.next]" in exc.value.message
