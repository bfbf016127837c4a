"""Build -> validate -> diff, and what diff reports for real changes."""

from __future__ import annotations

import json
from datetime import timedelta

from ehkit.catalogue import PROFILES, build_catalogue, diff_catalogues, validate_catalogue
from ehkit.catalogue.build import BuildOptions
from ehkit.pki import load_certificate


def _changes(diff, service_id_suffix):
    service = next(s for s in diff.services if (s.service_id or "").endswith(service_id_suffix))
    return service, {c.field: c for c in service.changes}


def test_roundtrip_no_changes(fixed_config, golden_at):
    first = build_catalogue(fixed_config, at=golden_at)
    cert = load_certificate(fixed_config.keys.signing_cert)
    assert validate_catalogue(first, profiles=tuple(PROFILES), trusted=[cert], now=golden_at).findings == []
    # A rebuild later (new IssueInstant, new ID, new signature) is still "no changes".
    second = build_catalogue(fixed_config, at=golden_at + timedelta(days=3))
    diff = diff_catalogues(first, second)
    assert not diff.changed and not diff.breaking
    assert [s.status for s in diff.services] == ["unchanged"] * 3
    assert json.loads(diff.to_json())["changed"] is False


def test_version_change_is_reported_not_breaking(fixed_config, golden_at):
    old = build_catalogue(fixed_config, at=golden_at)
    new = build_catalogue(fixed_config, at=golden_at, options=BuildOptions(sequence=2))
    diff = diff_catalogues(old, new)
    assert diff.changed and not diff.breaking
    assert diff.catalogue[0].field == "version"


def test_changes_per_service(make_config, fixed_text, golden_at):
    old = build_catalogue(make_config(fixed_text), at=golden_at)
    text = (
        fixed_text.replace('loa = "EH2+"', 'loa = "EH3"')  # melding raised
        .replace('identifier_sets = [["KvKnr", "RSIN"], ["KvKnr"]]', 'identifier_sets = [["KvKnr"]]')
        .replace('name_nl = "Omgevingsvergunning aanvragen"', 'name_nl = "Vergunning aanvragen"')
        .replace("required = false", "required = true")
        .replace(
            'service_url_en = "https://www.voorbeeldstad.example/en/report"',
            'service_url_en = "https://www.voorbeeldstad.example/en/issue"',
        )
    )
    new = build_catalogue(make_config(text), at=golden_at)
    diff = diff_catalogues(old, new)
    assert diff.breaking

    melding, changes = _changes(diff, ":1")
    assert changes["loa"].old == "EH2+" and changes["loa"].new == "EH3" and changes["loa"].breaking
    assert not changes["service_urls"].breaking
    assert melding.breaking

    vergunning, changes = _changes(diff, ":2")
    assert changes["identifier_sets"].breaking
    assert changes["names"].new["nl"] == "Vergunning aanvragen" and not changes["names"].breaking
    attribute = changes["attribute urn:etoegang:1.11:attribute-represented:CompanyName"]
    assert attribute.old["required"] is False and attribute.new["required"] is True

    eidas, _ = _changes(diff, ":3")
    assert eidas.status == "unchanged"


def test_loa_lowered_is_not_breaking(make_config, fixed_text, golden_at):
    old = build_catalogue(make_config(fixed_text), at=golden_at)
    new = build_catalogue(make_config(fixed_text.replace('loa = "EH2+"', 'loa = "EH2"')), at=golden_at)
    _, changes = _changes(diff_catalogues(old, new), ":1")
    assert changes["loa"].new == "EH2" and not changes["loa"].breaking


def test_uuid_and_index_changes(make_config, fixed_text, golden_at):
    old = build_catalogue(make_config(fixed_text), at=golden_at)
    text = fixed_text.replace("0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a01", "0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8aff")
    text = text.replace("index = 2\n", "index = 12\n")
    diff = diff_catalogues(old, build_catalogue(make_config(text), at=golden_at))
    # melding matched by ServiceID although its ServiceUUID changed.
    _, changes = _changes(diff, ":1")
    assert changes["service_uuid"].breaking and changes["instance_uuid"].breaking
    # vergunning matched by ServiceUUID although its index changed.
    _, changes = _changes(diff, ":12")
    assert changes["service_id"].old.endswith(":2") and changes["service_id"].breaking


def test_added_and_removed_services(make_config, fixed_text, golden_at):
    full = build_catalogue(make_config(fixed_text), at=golden_at)
    start = fixed_text.index('[[services]]\nkey = "melding"')
    end = fixed_text.index('[[services]]\nkey = "vergunning"')
    without_melding = build_catalogue(make_config(fixed_text[:start] + fixed_text[end:]), at=golden_at)
    removed = diff_catalogues(full, without_melding)
    assert [s.status for s in removed.services].count("removed") == 1 and removed.breaking
    added = diff_catalogues(without_melding, full)
    assert [s.status for s in added.services].count("added") == 1 and not added.breaking


def test_certificate_changes(rollover_config, golden_at, make_config, fixed_text):
    before = build_catalogue(rollover_config, at=golden_at)  # current + next
    after = build_catalogue(rollover_config, at=rollover_config.keys.activation)  # next only
    plain = build_catalogue(make_config(fixed_text), at=golden_at)  # current only

    step1 = diff_catalogues(plain, before)
    _, changes = _changes(step1, ":1")
    assert not changes["certificates"].breaking
    step3 = diff_catalogues(before, after)
    _, changes = _changes(step3, ":1")
    assert not changes["certificates"].breaking
    jump = diff_catalogues(plain, after)
    _, changes = _changes(jump, ":1")
    assert changes["certificates"].breaking and "without overlap" in changes["certificates"].note
