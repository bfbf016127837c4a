"""Configuration errors name the field path, say what is wrong and how to fix it."""

from __future__ import annotations

import re

import pytest

from ehkit.config import ConfigInvalidError

OIN = "00000001234567890000"


def _problems(load, text):
    with pytest.raises(ConfigInvalidError) as exc:
        load(text)
    assert exc.value.reason == "config_invalid"
    return exc.value


# (what to replace, replacement, expected path, expected text in the message)
CASES = [
    ('loa = "EH2+"', 'loa = "loa1"', "services[0].loa", "EH1 is no longer allowed"),
    ('loa = "EH2+"', 'loa = "EH5"', "services[0].loa", "unknown level of assurance"),
    ('name_en = "Municipality of Voorbeeldstad"', 'name_en = "' + "x" * 65 + '"', "dv.name_en", "at most 64"),
    (f'oin = "{OIN}"', "oin = 1234567890000", "dv.oin", "quoted text"),
    (f'oin = "{OIN}"', 'oin = "1234"', "dv.oin", "20 digits"),
    ('name_nl = "Gemeente Voorbeeldstad"\n', "", "dv.name_nl", "required field is missing"),
    ('key = "melding"', 'key = "melding"\nfoo = 1', "services[0].foo", "unknown field"),
    (
        "entity_index = 0",
        'entity_id = "urn:etoegang:DV:00000009999999990000:entities:0"',
        "dv.entity_id",
        "carries OIN",
    ),
    ("entity_index = 0", f'entity_id = "urn:etoegang:HM:{OIN}:entities:0"', "dv.entity_id", "role HM"),
    ('entity_id = "urn:etoegang:HM:', 'entity_id = "urn:etoegang:AD:', "broker.entity_id", "role HM"),
    (
        'metadata_file = "broker/metadata.xml"',
        'metadata_file = "broker/metadata.xml"\nmetadata_url = "https://hm.example/md"',
        "broker.metadata_file",
        "exactly one of metadata_file and metadata_url",
    ),
    ('pinned_certs = ["broker/metadata-signing.crt"]', "", "broker.pinned_certs", "exactly one way to trust"),
    (
        'metadata_file = "broker/metadata.xml"',
        'metadata_url = "http://hm.example/md"',
        "broker.metadata_url",
        "plain http",
    ),
    ("index = 2\n", "index = 1\n", "services[1].index", "already used by services[0]"),
    ('key = "vergunning"', 'key = "melding"', "services[1].key", "already used"),
    ('key = "vergunning"', 'key = "Vergunning!"', "services[1].key", "not a usable key"),
    (
        "0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a02",
        "0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a01",
        "services[1].uuid",
        "already used",
    ),
    ("0b7f6a0e-1c7d-4a36-9a55-3f1d0c2e8a02", "not-a-uuid", "services[1].uuid", "UUID"),
    ('identifier_sets = [["KvKnr"]]', 'identifier_sets = [["KvKnr", "BSN"]]', "services[0].loa", "too low for BSN"),
    (
        'identifier_sets = [["KvKnr"]]',
        'identifier_sets = [["KvKnr", "BSN"]]',
        "services[0].bsnk_structure_version",
        "is required",
    ),
    (
        'identifier_sets = [["KvKnr"]]',
        'identifier_sets = [["KvKnr", "Fiscaalnummer"]]',
        "services[0].identifier_sets[0][1]",
        "unknown identifier type",
    ),
    ('identifier_sets = [["KvKnr"]]', "identifier_sets = [[]]", "services[0].identifier_sets", "is empty"),
    (
        'identifier_sets = [["KvKnr"]]',
        'identifier_sets = [["KvKnr"], ["KvKnr"]]',
        "services[0].identifier_sets",
        "the same",
    ),
    (
        'urn = "urn:etoegang:1.11:attribute-represented:CompanyName"',
        'urn = "urn:etoegang:1.9:EntityConcernedID:KvKnr"',
        "services[1].attributes[0].urn",
        "may never be requested",
    ),
    (
        'urn = "urn:etoegang:1.11:attribute-represented:CompanyName"',
        'urn = "CompanyName"',
        "services[1].attributes[0].urn",
        "not an eHerkenning attribute URN",
    ),
    (
        'purpose_nl = "Om de aanvraag op naam van uw bedrijf te zetten."\n',
        "",
        "services[1].attributes[0].purpose_nl",
        "required field is missing",
    ),
    (
        'privacy_url_nl = "https://www.voorbeeldstad.example/privacy"\n',
        "",
        "services[1].privacy_url_nl",
        "requests attributes",
    ),
    (
        'identifier_sets = [["KvKnr", "RSIN"], ["KvKnr"]]',
        'identifier_sets = [["RSIN"]]',
        "services[1].vestiging_restriction",
        "only exists for KvK numbers",
    ),
    (
        'identifier_sets = [["Pseudo"]]',
        'identifier_sets = [["KvKnr"]]',
        "services[2].identifier_sets",
        "eIDAS service cannot identify",
    ),
    (
        'loa = "EH3"\n# Prefer',
        'loa = "EH4"\nsso_support = true\n# Prefer',
        "services[1].sso_support",
        "never allowed at EH4",
    ),
    (
        'acs_url = "https://eherkenning.voorbeeldstad.example/acs"',
        'acs_url = "http://eherkenning.example/acs"',
        "dv.acs_url",
        "plain http",
    ),
    (
        'acs_url = "https://eherkenning.voorbeeldstad.example/acs"',
        'acs_url = "/acs"',
        "dv.acs_url",
        "not an absolute URL",
    ),
    (
        "exchange_deadline = 10\n",
        "exchange_deadline = 0\n",
        "broker.exchange_deadline",
        "above 0",
    ),
    (
        "exchange_deadline = 10\n",
        "exchange_deadline = 600\n",
        "broker.exchange_deadline",
        "at most 120",
    ),
    ('store = "sqlite:///state.db"', 'store = "postgres://db/ehkit"', "state.store", "unknown scheme"),
    (
        'store = "sqlite:///state.db"',
        'store = "sqlite:///state.db"\npending_ttl = 5',
        "state.pending_ttl",
        "at least 60",
    ),
    (
        'store = "sqlite:///state.db"',
        'store = "sqlite:///state.db"\nrelay_state_secret = "short"',
        "state.relay_state_secret",
        "shorter than 32",
    ),
    (
        '[[metadata_groups]]\nname = "eidas"\nentity_id = "urn:etoegang:DV:00000001234567890000:entities:1"\n',
        "",
        "services[2].metadata_group",
        "needs its own entity_id",
    ),
    (
        'entity_id = "urn:etoegang:DV:00000001234567890000:entities:1"',
        f'entity_id = "urn:etoegang:DV:{OIN}:entities:0"',
        "services[2].metadata_group",
        "already uses",
    ),
    (
        '[[metadata_groups]]\nname = "eidas"',
        '[[metadata_groups]]\nname = "eidass"',
        "metadata_groups[0].name",
        "no service uses group",
    ),
    (
        'signing_cert = "keys/dv.crt"',
        'signing_cert = "keys/dv.crt"\nencryption_key = "keys/enc.key"',
        "keys.encryption_cert",
        "come as a pair",
    ),
    (
        '# [keys.next]\n# key = "keys/dv-2027.key"\n# cert = "keys/dv-2027.crt"\n# activation = 2027-01-15T09:00:00+01:00',
        '[keys.next]\nkey = "keys/next.key"\ncert = "keys/next.crt"\nactivation = 2027-01-15T09:00:00',
        "keys.next.activation",
        "time zone",
    ),
    ('environment = "T"', 'environment = "Q"', "catalogue.environment", "'T' or 'P'"),
    (
        '[dv.contact]\ncompany = "Gemeente Voorbeeldstad"\nemail = "eherkenning@voorbeeldstad.example"',
        '[dv.contact]\ncompany = "Gemeente Voorbeeldstad"\nemail = "nobody"',
        "dv.contact.email",
        "not an e-mail",
    ),
]


@pytest.mark.parametrize("old, new, path, fragment", CASES, ids=[c[2] + ":" + c[3][:20] for c in CASES])
def test_error_names_field(load, example_text, old, new, path, fragment):
    assert old in example_text, old
    error = _problems(load, example_text.replace(old, new, 1))
    matching = [p for p in error.problems if p.path == path]
    assert matching, f"no problem at {path}: {error.message}"
    assert any(fragment in p.message for p in matching), error.message
    # Every line reads "<path>: <what is wrong> (<how to fix>)".
    for line in error.message.splitlines()[1:]:
        assert re.match(r"^  - [\w\[\].]+: .+ \(.+\)$", line), line


def test_every_problem_is_listed_at_once(load, example_text):
    text = (
        example_text.replace('loa = "EH2+"', 'loa = "EH1"')
        .replace('name_en = "Municipality of Voorbeeldstad"', 'name_en = "' + "y" * 70 + '"')
        .replace('key = "eidas"', 'key = "eidas"\ncolour = "blue"')
    )
    error = _problems(load, text)
    assert [p.path for p in error.problems] == ["dv.name_en", "services[0].loa", "services[2].colour"]
    assert error.message.startswith("ehkit.toml has 3 problems:")
    assert "services[0].loa: EH1 is no longer allowed" in error.message


def test_cross_field_problems_are_listed_together(load, example_text):
    text = example_text.replace("index = 2\n", "index = 1\n").replace(
        'identifier_sets = [["Pseudo"]]', 'identifier_sets = [["KvKnr"]]'
    )
    error = _problems(load, text)
    assert {"services[1].index", "services[2].identifier_sets"} <= {p.path for p in error.problems}


def test_localhost_http_is_allowed_for_testing(load, example_text):
    text = example_text.replace(
        'acs_url = "https://eherkenning.voorbeeldstad.example/acs"', 'acs_url = "http://127.0.0.1:8000/acs"'
    )
    assert load(text).dv.acs_url == "http://127.0.0.1:8000/acs"


def test_at_least_one_service(load, example_text):
    head = example_text[: example_text.index("[[services]]")]
    error = _problems(load, head)
    assert [p.path for p in error.problems] == ["services"]


def test_cross_field_problems_reported_next_to_field_errors(load, example_text):
    text = (
        example_text.replace('name_en = "Municipality of Voorbeeldstad"', "name_en = 5")
        .replace("index = 2\n", "index = 1\n")
        .replace('identifier_sets = [["KvKnr"]]', 'identifier_sets = [["KvKnr", "BSN"]]')
    )
    error = _problems(load, text)
    paths = [p.path for p in error.problems]
    assert paths[0] == "dv.name_en"
    assert {"services[1].index", "services[0].loa", "services[0].bsnk_structure_version"} <= set(paths)


def test_oin_as_number_gets_only_the_right_hint(load, example_text):
    """dv.entity_id has a default derived from dv.oin: a wrong oin is one problem, not two."""
    error = _problems(load, example_text.replace(f'oin = "{OIN}"', "oin = 1234567890000", 1))
    dv_problems = [p for p in error.problems if p.path.startswith("dv.")]
    assert [p.path for p in dv_problems] == ["dv.oin"], error.message
    assert "quoted text" in dv_problems[0].message


def test_invalid_broker_entity_id_does_not_report_the_derived_oin_missing(load, example_text):
    """broker.oin defaults to the OIN in broker.entity_id; only the entity_id is wrong."""
    text = example_text.replace('entity_id = "urn:etoegang:HM:', 'entity_id = "urn:etoegang:HM:x', 1)
    error = _problems(load, text)
    broker_problems = [p.path for p in error.problems if p.path.startswith("broker.")]
    assert broker_problems == ["broker.entity_id"], error.message


def test_a_missing_field_with_no_default_is_still_reported(load, example_text):
    text = example_text.replace(f'oin = "{OIN}"', "", 1)
    error = _problems(load, text)
    assert "dv.oin" in [p.path for p in error.problems]
    missing = {p.path for p in error.problems if "required field is missing" in p.message}
    assert "dv.oin" in missing


@pytest.mark.parametrize(
    "path, fragment",
    [
        ("k" * 5000, "unusable path"),
        ("/".join(["x" * 255] * 20), "unusable path"),
        ("~nosuchuser/dv.key", "home directory is unknown"),
    ],
    ids=["name-too-long", "path-too-long", "unknown-home"],
)
def test_unusable_key_path_is_a_problem_of_that_field(load, example_text, path, fragment):
    """These raised OSError / RuntimeError out of the loader before."""
    error = _problems(load, example_text.replace('"keys/dv.key"', f'"{path}"', 1))
    hits = [p for p in error.problems if p.path == "keys.signing_key"]
    assert hits and fragment in hits[0].message, error.message


def test_unusable_configuration_path_is_a_config_error():
    from ehkit.config import load_config
    from ehkit.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        load_config("ehkit\x00.toml")
    assert info.value.reason == "config_unreadable" and "ehkit" in info.value.message
