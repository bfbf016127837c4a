"""KeyPair: a key and its certificate that are known to belong together."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ehkit.errors import ConfigError
from ehkit.pki import KeyPair, TestCA, key_name_sha1, key_name_sha256, load_certificates, load_private_key

DV_OIN = "00000001234567890000"


def _write(pair: KeyPair, directory: Path) -> tuple[Path, Path, Path]:
    key, cert, chain = directory / "dv.key", directory / "dv.crt", directory / "dv-chain.pem"
    key.write_bytes(pair.private_pem())
    cert.write_bytes(pair.certificate_pem())
    chain.write_bytes(pair.chain_pem())
    return key, cert, chain


def test_properties(dv_pair: KeyPair, test_ca: TestCA) -> None:
    assert dv_pair.key_name == key_name_sha256(dv_pair.certificate)
    assert dv_pair.key_name_sha1 == key_name_sha1(dv_pair.certificate)
    assert dv_pair.key_names == {dv_pair.key_name, dv_pair.key_name_sha1}
    assert dv_pair.public_key.public_numbers() == dv_pair.private_key.public_key().public_numbers()
    assert dv_pair.not_after == dv_pair.certificate.not_valid_after_utc
    assert dv_pair.not_before == dv_pair.certificate.not_valid_before_utc
    assert dv_pair.oin == DV_OIN
    assert dv_pair.chain == (test_ca.intermediate,)


def test_frozen(dv_pair: KeyPair) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        dv_pair.chain = ()  # type: ignore[misc]


def test_repr_has_no_key_material(dv_pair: KeyPair) -> None:
    text = repr(dv_pair)
    assert dv_pair.key_name in text
    numbers = dv_pair.private_key.private_numbers()
    assert format(numbers.d, "x")[:32] not in text and str(numbers.d)[:32] not in text
    assert dv_pair.private_pem().decode().splitlines()[1] not in text


def test_pem_round_trip(dv_pair: KeyPair, test_ca: TestCA) -> None:
    key = load_private_key(dv_pair.private_pem())
    assert key.private_numbers() == dv_pair.private_key.private_numbers()
    assert dv_pair.private_pem().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert load_certificates(dv_pair.certificate_pem()) == [dv_pair.certificate]
    assert load_certificates(dv_pair.chain_pem()) == [test_ca.intermediate]
    encrypted = dv_pair.private_pem(password=b"pw")
    assert encrypted.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert load_private_key(encrypted, b"pw").private_numbers() == dv_pair.private_key.private_numbers()


def test_empty_chain_pem(dv_pair: KeyPair) -> None:
    assert KeyPair(dv_pair.private_key, dv_pair.certificate).chain_pem() == b""


def test_load(dv_pair: KeyPair, test_ca: TestCA, tmp_path: Path) -> None:
    key, cert, chain = _write(dv_pair, tmp_path)
    loaded = KeyPair.load(key, cert, chain)
    assert loaded.certificate == dv_pair.certificate
    assert loaded.chain == (test_ca.intermediate,)
    assert loaded.key_name == dv_pair.key_name
    assert KeyPair.load(str(key), str(cert)).chain == ()


def test_load_full_chain_file(dv_pair: KeyPair, test_ca: TestCA, tmp_path: Path) -> None:
    key, _, _ = _write(dv_pair, tmp_path)
    full = tmp_path / "fullchain.pem"
    full.write_bytes(dv_pair.certificate_pem() + dv_pair.chain_pem())
    loaded = KeyPair.load(key, full)
    assert loaded.certificate == dv_pair.certificate
    assert loaded.chain == (test_ca.intermediate,)


def test_load_encrypted_key(dv_pair: KeyPair, tmp_path: Path) -> None:
    _, cert, _ = _write(dv_pair, tmp_path)
    key = tmp_path / "enc.key"
    key.write_bytes(dv_pair.private_pem(password=b"pw"))
    assert KeyPair.load(key, cert, password=b"pw").key_name == dv_pair.key_name


def test_load_mismatch(dv_pair: KeyPair, test_ca: TestCA, tmp_path: Path) -> None:
    other = test_ca.issue(DV_OIN, "DV")
    key, _, _ = _write(dv_pair, tmp_path)
    other_cert = tmp_path / "other.crt"
    other_cert.write_bytes(other.certificate_pem())
    with pytest.raises(ConfigError) as info:
        KeyPair.load(key, other_cert)
    assert info.value.reason == "key_mismatch"
    assert str(key) in info.value.message and str(other_cert) in info.value.message


def test_constructor_checks_match_and_strength(dv_pair: KeyPair, test_ca: TestCA) -> None:
    with pytest.raises(ConfigError) as info:
        KeyPair(test_ca.intermediate_key, dv_pair.certificate)
    assert info.value.reason == "key_mismatch"
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ConfigError) as info:
        KeyPair(small, dv_pair.certificate)
    assert info.value.reason == "key_too_small"


def test_load_swapped_paths(dv_pair: KeyPair, tmp_path: Path) -> None:
    key, cert, _ = _write(dv_pair, tmp_path)
    with pytest.raises(ConfigError) as info:
        KeyPair.load(cert, key)
    assert info.value.reason == "key_unreadable"
    assert "swap" in info.value.message


def test_private_pem_is_pkcs8_unencrypted_by_default(dv_pair: KeyPair) -> None:
    der = serialization.load_pem_private_key(dv_pair.private_pem(), None).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert load_private_key(der).private_numbers() == dv_pair.private_key.private_numbers()
