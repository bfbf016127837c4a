"""Which certificates to publish and use at a given moment of a rollover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

NEXT = (
    '# [keys.next]\n# key = "keys/dv-2027.key"\n# cert = "keys/dv-2027.crt"\n# activation = 2027-01-15T09:00:00+01:00\n'
)
ACTIVATION = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


@pytest.fixture
def keys(load, example_text):
    text = example_text.replace(
        NEXT, '[keys.next]\nkey = "keys/next.key"\ncert = "keys/next.crt"\nactivation = 2027-01-15T09:00:00+01:00\n'
    )
    return load(text).keys


def test_without_rollover(load, example_text, config_dir):
    keys = load(example_text).keys
    now = datetime.now(UTC)
    assert keys.next is None and keys.activation is None
    assert [p.cert.name for p in keys.metadata_certificates(now)] == ["dv.crt"]
    assert [p.cert.name for p in keys.catalogue_certificates(now)] == ["dv.crt"]
    assert keys.current_encryption.key == config_dir / "keys" / "dv.key"  # defaults to the signing pair
    assert keys.decryption_pairs() == (keys.current_encryption,)


def test_before_activation(keys):
    before = ACTIVATION - timedelta(seconds=1)
    assert keys.activation == ACTIVATION
    assert not keys.next_active(before)
    assert keys.signing_pair(before).label == "current"
    assert [p.label for p in keys.metadata_certificates(before)] == ["current", "next"]
    assert [p.label for p in keys.catalogue_certificates(before)] == ["current", "next"]


def test_from_activation(keys):
    assert keys.next_active(ACTIVATION)
    assert keys.signing_pair(ACTIVATION).cert.name == "next.crt"
    assert keys.encryption_pair(ACTIVATION).key.name == "next.key"
    assert [p.label for p in keys.metadata_certificates(ACTIVATION)] == ["next"]
    assert [p.label for p in keys.catalogue_certificates(ACTIVATION)] == ["next"]
    assert [p.label for p in keys.decryption_pairs()] == ["current", "next"]


def test_naive_moment_refused(keys):
    with pytest.raises(ValueError, match="timezone-aware"):
        keys.next_active(datetime(2027, 1, 1))


def test_separate_encryption_pair(load, example_text):
    text = example_text.replace(
        'signing_cert = "keys/dv.crt"\n',
        'signing_cert = "keys/dv.crt"\nencryption_key = "keys/enc.key"\nencryption_cert = "keys/enc.crt"\n',
    )
    keys = load(text).keys
    now = datetime.now(UTC)
    assert keys.encryption_pair(now).cert.name == "enc.crt"
    assert [p.cert.name for p in keys.catalogue_certificates(now)] == ["enc.crt"]
    assert [p.cert.name for p in keys.metadata_certificates(now)] == ["dv.crt"]


def test_decryption_pairs_cover_every_published_key(load, example_text):
    text = example_text.replace(
        'signing_cert = "keys/dv.crt"\n',
        'signing_cert = "keys/dv.crt"\nencryption_key = "keys/enc.key"\nencryption_cert = "keys/enc.crt"\n',
    )
    keys = load(text).keys
    assert [p.key.name for p in keys.decryption_pairs()] == ["enc.key", "dv.key"]
