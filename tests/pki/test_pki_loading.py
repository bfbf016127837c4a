"""Loading keys and certificates: every form people hand us, and every way it goes wrong."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ehkit.errors import ConfigError
from ehkit.pki import KeyPair, load_certificate, load_certificates, load_private_key

PEM = serialization.Encoding.PEM
DER = serialization.Encoding.DER
PKCS8 = serialization.PrivateFormat.PKCS8
PKCS1 = serialization.PrivateFormat.TraditionalOpenSSL
NOENC = serialization.NoEncryption()


def _same_key(a: rsa.RSAPrivateKey, b: rsa.RSAPrivateKey) -> bool:
    return a.private_numbers() == b.private_numbers()


@pytest.fixture(scope="module")
def small_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


# --- private keys: accepted forms -------------------------------------------------


@pytest.mark.parametrize("encoding,fmt", [(PEM, PKCS8), (PEM, PKCS1), (DER, PKCS8), (DER, PKCS1)])
def test_private_key_pem_and_der_from_bytes(dv_pair: KeyPair, encoding, fmt) -> None:
    data = dv_pair.private_key.private_bytes(encoding, fmt, NOENC)
    key = load_private_key(data)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert _same_key(key, dv_pair.private_key)


def test_private_key_from_path_str_and_pem_text(dv_pair: KeyPair, tmp_path: Path) -> None:
    pem = dv_pair.private_pem()
    der = dv_pair.private_key.private_bytes(DER, PKCS8, NOENC)
    (tmp_path / "k.pem").write_bytes(pem)
    (tmp_path / "k.der").write_bytes(der)
    for source in (tmp_path / "k.pem", str(tmp_path / "k.pem"), tmp_path / "k.der", pem.decode("ascii")):
        assert _same_key(load_private_key(source), dv_pair.private_key), source


def test_encrypted_key_with_right_password(dv_pair: KeyPair) -> None:
    data = dv_pair.private_pem(password=b"s3cret")
    assert b"ENCRYPTED" in data
    assert _same_key(load_private_key(data, b"s3cret"), dv_pair.private_key)


def test_password_for_unencrypted_key_is_ignored(dv_pair: KeyPair) -> None:
    assert _same_key(load_private_key(dv_pair.private_pem(), b"unneeded"), dv_pair.private_key)


def test_key_from_combined_key_and_certificate_file(dv_pair: KeyPair) -> None:
    combined = dv_pair.certificate_pem() + dv_pair.private_pem() + dv_pair.chain_pem()
    assert _same_key(load_private_key(combined), dv_pair.private_key)


# --- private keys: refused ---------------------------------------------------------


def test_wrong_password(dv_pair: KeyPair, tmp_path: Path) -> None:
    path = tmp_path / "enc.pem"
    path.write_bytes(dv_pair.private_pem(password=b"right"))
    with pytest.raises(ConfigError) as info:
        load_private_key(path, b"wrong")
    assert info.value.reason == "key_password_wrong"
    assert str(path) in info.value.message


def test_wrong_password_der(dv_pair: KeyPair) -> None:
    der = dv_pair.private_key.private_bytes(DER, PKCS8, serialization.BestAvailableEncryption(b"right"))
    with pytest.raises(ConfigError) as info:
        load_private_key(der, b"wrong")
    assert info.value.reason == "key_password_wrong"


def test_missing_password(dv_pair: KeyPair) -> None:
    with pytest.raises(ConfigError) as info:
        load_private_key(dv_pair.private_pem(password=b"right"))
    assert info.value.reason == "key_password_required"


@pytest.mark.parametrize(
    "data",
    [
        b"this is not a key",
        b"\x30\x82\x01\x00" + b"\x00" * 40,
        b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
        b"",
    ],
    ids=["text", "bad-der", "bad-pem-body", "empty"],
)
def test_garbage_key(data: bytes) -> None:
    with pytest.raises(ConfigError) as info:
        load_private_key(data)
    assert info.value.reason == "key_unreadable"


def test_garbage_key_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.key"
    path.write_bytes(b"\x00\x01garbage")
    with pytest.raises(ConfigError) as info:
        load_private_key(path)
    assert info.value.reason == "key_unreadable"
    assert str(path) in info.value.message


def test_missing_key_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.key"
    with pytest.raises(ConfigError) as info:
        load_private_key(path)
    assert info.value.reason == "key_unreadable"
    assert str(path) in info.value.message and "does not exist" in info.value.message


def test_certificate_given_as_key_suggests_swap(dv_pair: KeyPair) -> None:
    with pytest.raises(ConfigError) as info:
        load_private_key(dv_pair.certificate_pem())
    assert info.value.reason == "key_unreadable"
    assert "swap" in info.value.message


def test_two_keys_in_one_file(dv_pair: KeyPair) -> None:
    with pytest.raises(ConfigError) as info:
        load_private_key(dv_pair.private_pem() + dv_pair.private_pem())
    assert info.value.reason == "key_unreadable"
    assert "2 private keys" in info.value.message


@pytest.mark.parametrize("curve", [ec.SECP256R1(), ec.SECP384R1()])
def test_ec_key_refused(curve, tmp_path: Path) -> None:
    key = ec.generate_private_key(curve)
    path = tmp_path / "ec.key"
    path.write_bytes(key.private_bytes(PEM, PKCS8, NOENC))
    with pytest.raises(ConfigError) as info:
        load_private_key(path)
    assert info.value.reason == "key_not_rsa"
    assert str(path) in info.value.message and "RSA" in info.value.message


def test_1024_bit_key_refused(small_key: rsa.RSAPrivateKey, tmp_path: Path) -> None:
    pem = small_key.private_bytes(PEM, PKCS8, NOENC)
    path = tmp_path / "small.key"
    path.write_bytes(pem)
    with pytest.raises(ConfigError) as info:
        load_private_key(path)
    err = info.value
    assert err.reason == "key_too_small"
    assert str(path) in err.message and "1024" in err.message and "2048" in err.message
    # No key material in the message: neither PEM body nor any private number.
    body_line = pem.decode().splitlines()[1]
    assert body_line not in err.message
    numbers = small_key.private_numbers()
    for n in (numbers.d, numbers.p, numbers.q, numbers.public_numbers.n):
        assert str(n) not in err.message and format(n, "x") not in err.message


def test_1024_bit_key_refused_der(small_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ConfigError) as info:
        load_private_key(small_key.private_bytes(DER, PKCS1, NOENC))
    assert info.value.reason == "key_too_small"


def test_wrong_password_message_has_no_key_material(dv_pair: KeyPair) -> None:
    data = dv_pair.private_pem(password=b"right")
    with pytest.raises(ConfigError) as info:
        load_private_key(data, b"zebra-hunter2")
    for line in data.decode().splitlines()[1:-1]:
        assert line not in info.value.message
    assert "zebra-hunter2" not in info.value.message  # the password is not echoed either


def test_oversized_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.bin"
    path.write_bytes(b"A" * (1024 * 1024 + 10))
    with pytest.raises(ConfigError) as info:
        load_private_key(path)
    assert info.value.reason == "key_unreadable"
    with pytest.raises(ConfigError) as info:
        load_certificate(path)
    assert info.value.reason == "certificate_unreadable"


# --- certificates ------------------------------------------------------------------


def test_certificate_pem_and_der(dv_pair: KeyPair, tmp_path: Path) -> None:
    der = dv_pair.certificate.public_bytes(DER)
    (tmp_path / "c.der").write_bytes(der)
    (tmp_path / "c.pem").write_bytes(dv_pair.certificate_pem())
    for source in (
        der,
        dv_pair.certificate_pem(),
        tmp_path / "c.der",
        str(tmp_path / "c.pem"),
        dv_pair.certificate_pem().decode(),
    ):
        assert load_certificate(source) == dv_pair.certificate, source


def test_certificate_bundle_keeps_order(test_ca, dv_pair: KeyPair) -> None:
    bundle = dv_pair.certificate_pem() + dv_pair.chain_pem() + test_ca.root.public_bytes(PEM)
    certs = load_certificates(bundle)
    assert certs == [dv_pair.certificate, test_ca.intermediate, test_ca.root]
    assert load_certificate(bundle) == dv_pair.certificate


def test_certificates_skip_private_key_blocks(dv_pair: KeyPair) -> None:
    certs = load_certificates(dv_pair.private_pem() + dv_pair.certificate_pem())
    assert certs == [dv_pair.certificate]


@pytest.mark.parametrize("data", [b"garbage", b"\x30\x03\x02\x01\x01", b""], ids=["text", "bad-der", "empty"])
def test_garbage_certificate(data: bytes) -> None:
    with pytest.raises(ConfigError) as info:
        load_certificate(data)
    assert info.value.reason == "certificate_unreadable"


def test_damaged_pem_certificate(dv_pair: KeyPair) -> None:
    pem = dv_pair.certificate_pem().decode().splitlines()
    body = base64.b64decode("".join(pem[1:-1]))[:-40]  # truncated DER
    damaged = "\n".join([pem[0], base64.b64encode(body).decode(), pem[-1]]).encode()
    with pytest.raises(ConfigError) as info:
        load_certificates(damaged)
    assert info.value.reason == "certificate_unreadable"
    assert "number 1" in info.value.message


def test_key_given_as_certificate_suggests_swap(dv_pair: KeyPair, tmp_path: Path) -> None:
    path = tmp_path / "dv.crt"
    path.write_bytes(dv_pair.private_pem())
    with pytest.raises(ConfigError) as info:
        load_certificate(path)
    assert info.value.reason == "certificate_unreadable"
    assert str(path) in info.value.message and "swap" in info.value.message
    assert dv_pair.private_pem().decode().splitlines()[1] not in info.value.message


def test_missing_certificate_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_certificates(tmp_path / "none.crt")
    assert info.value.reason == "certificate_unreadable"


def test_directory_is_not_a_certificate(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_certificate(tmp_path)
    assert info.value.reason == "certificate_unreadable"
    assert "directory" in info.value.message
