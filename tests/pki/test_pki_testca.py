"""The test CA: PKIoverheid Private Services shape, persistence, and chain verification."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ehkit.domain.identifiers import EntityID
from ehkit.errors import ConfigError, ValidationError
from ehkit.pki import CA_FILES, ROLES, KeyPair, TestCA, verify_chain

DV_OIN = "00000001234567890000"
# An hour ahead: the session's leaf certificates (backdated 5 minutes) are issued when a
# fixture first runs, which on a loaded machine can be minutes after this module is imported.
NOW = datetime.now(UTC) + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _fresh_now() -> None:
    """The moment of each test, not of collection: in a long run the fixtures issue their
    certificates (valid from five minutes before issue) more than five minutes after collection."""
    global NOW
    NOW = datetime.now(UTC)


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    return [a.value for a in name.get_attributes_for_oid(oid)]


def _ext(cert: x509.Certificate, cls):
    return cert.extensions.get_extension_for_class(cls)


# --- shape -------------------------------------------------------------------------


def test_ca_names(test_ca: TestCA) -> None:
    root, inter = test_ca.root, test_ca.intermediate
    assert _attr(root.subject, NameOID.COMMON_NAME) == ["ehkit Test PKIoverheid Root CA - Private Services G1"]
    assert _attr(inter.subject, NameOID.COMMON_NAME) == ["ehkit Test PKIoverheid Private Services CA - G1"]
    for cert in (root, inter):
        assert _attr(cert.subject, NameOID.COUNTRY_NAME) == ["NL"]
        assert _attr(cert.subject, NameOID.ORGANIZATION_NAME) == ["ehkit Test PKIoverheid"]
    assert root.issuer == root.subject
    assert inter.issuer == root.subject
    assert test_ca.name == "ehkit Test PKIoverheid"


def test_ca_extensions(test_ca: TestCA) -> None:
    root_bc = _ext(test_ca.root, x509.BasicConstraints)
    inter_bc = _ext(test_ca.intermediate, x509.BasicConstraints)
    assert root_bc.critical and root_bc.value.ca
    assert inter_bc.critical and inter_bc.value.ca and inter_bc.value.path_length == 0
    for cert in (test_ca.root, test_ca.intermediate):
        ku = _ext(cert, x509.KeyUsage).value
        assert ku.key_cert_sign and ku.crl_sign and not ku.digital_signature
    root_ski = _ext(test_ca.root, x509.SubjectKeyIdentifier).value.digest
    assert _ext(test_ca.intermediate, x509.AuthorityKeyIdentifier).value.key_identifier == root_ski
    test_ca.intermediate.verify_directly_issued_by(test_ca.root)


def test_custom_ca_name() -> None:
    ca = TestCA.create(name="Gemeente Test")
    assert _attr(ca.root.subject, NameOID.COMMON_NAME) == ["Gemeente Test Root CA - Private Services G1"]
    assert _attr(ca.intermediate.subject, NameOID.COMMON_NAME) == ["Gemeente Test Private Services CA - G1"]


def test_leaf_shape(dv_pair: KeyPair, test_ca: TestCA) -> None:
    cert = dv_pair.certificate
    assert _attr(cert.subject, NameOID.SERIAL_NUMBER) == [DV_OIN]
    assert _attr(cert.subject, NameOID.COUNTRY_NAME) == ["NL"]
    assert _attr(cert.subject, NameOID.ORGANIZATION_NAME) == ["ehkit Test Organisatie"]
    cn = _attr(cert.subject, NameOID.COMMON_NAME)
    assert cn == [f"dv-{DV_OIN}.ehkit.test"]
    assert cert.issuer == test_ca.intermediate.subject
    cert.verify_directly_issued_by(test_ca.intermediate)

    bc = _ext(cert, x509.BasicConstraints)
    assert bc.critical and not bc.value.ca
    ku = _ext(cert, x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.key_encipherment
    assert not ku.value.key_cert_sign and not ku.value.content_commitment
    eku = _ext(cert, x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    assert _ext(cert, x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName) == cn
    ski = _ext(cert, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(dv_pair.public_key)
    inter_ski = _ext(test_ca.intermediate, x509.SubjectKeyIdentifier).value.digest
    assert _ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier == inter_ski
    assert dv_pair.public_key.key_size == 2048
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)


def test_leaf_validity(test_ca: TestCA) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    pair = test_ca.issue(DV_OIN, "HM", days=10, not_before=start)
    assert pair.not_before == start
    assert pair.not_after == start + timedelta(days=10)
    default = test_ca.issue(DV_OIN, "HM")
    assert default.not_before <= datetime.now(UTC) <= default.not_before + timedelta(minutes=10)
    assert default.not_after - default.not_before == timedelta(days=365)


def test_naive_not_before_is_utc(test_ca: TestCA) -> None:
    pair = test_ca.issue(DV_OIN, "AD", not_before=datetime(2030, 1, 1))
    assert pair.not_before == datetime(2030, 1, 1, tzinfo=UTC)


def test_common_name_and_san(test_ca: TestCA) -> None:
    host = test_ca.issue(DV_OIN, "DV", common_name="login.gemeente.example", organisation="Gemeente Voorbeeld")
    assert _attr(host.certificate.subject, NameOID.COMMON_NAME) == ["login.gemeente.example"]
    assert _attr(host.certificate.subject, NameOID.ORGANIZATION_NAME) == ["Gemeente Voorbeeld"]
    san = _ext(host.certificate, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["login.gemeente.example"]

    for not_host in ("Gemeente Voorbeeld DV", "localhost", "10.0.0.1", "-bad-.example"):
        pair = test_ca.issue(DV_OIN, "DV", common_name=not_host)
        with pytest.raises(x509.ExtensionNotFound):
            _ext(pair.certificate, x509.SubjectAlternativeName)


def test_key_size(test_ca: TestCA) -> None:
    assert test_ca.issue(DV_OIN, "MR", key_size=3072).public_key.key_size == 3072
    with pytest.raises(ValidationError) as info:
        test_ca.issue(DV_OIN, "MR", key_size=1024)
    assert info.value.reason == "key_too_small"
    with pytest.raises(ValidationError) as info:
        TestCA.create(key_size=1024)
    assert info.value.reason == "key_too_small"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_issues(test_ca: TestCA, role: str) -> None:
    pair = test_ca.issue(DV_OIN, role)
    assert pair.oin == DV_OIN
    assert _attr(pair.certificate.subject, NameOID.COMMON_NAME) == [f"{role.lower()}-{DV_OIN}.ehkit.test"]


def test_roles_are_the_entity_id_roles() -> None:
    assert set(ROLES) == {"DV", "HM", "AD", "MR", "EB"}
    for role in ROLES:
        assert EntityID.build(role, DV_OIN, 9000).role == role


@pytest.mark.parametrize("role", ["XX", "dv", "", "DV "])
def test_invalid_role(test_ca: TestCA, role: str) -> None:
    with pytest.raises(ValidationError) as info:
        test_ca.issue(DV_OIN, role)
    assert info.value.reason == "role_invalid"
    assert "DV, HM, AD, MR, EB" in info.value.message


@pytest.mark.parametrize("oin", ["123", "0000000123456789000X", "000000012345678900001", 12345678901234567890])
def test_invalid_oin(test_ca: TestCA, oin) -> None:
    with pytest.raises(ValidationError) as info:
        test_ca.issue(oin, "DV")
    assert info.value.reason == "oin_invalid"


@pytest.mark.parametrize(
    "kwargs,reason",
    [
        ({"days": 0}, "days_invalid"),
        ({"days": True}, "days_invalid"),
        ({"common_name": ""}, "common_name_invalid"),
        ({"common_name": "x" * 65}, "common_name_invalid"),
        ({"organisation": " "}, "organisation_invalid"),
    ],
)
def test_invalid_issue_arguments(test_ca: TestCA, kwargs: dict, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        test_ca.issue(DV_OIN, "DV", **kwargs)
    assert info.value.reason == reason


# --- save / load ---------------------------------------------------------------------


def test_save_and_load(test_ca: TestCA, tmp_path: Path) -> None:
    directory = tmp_path / "ca"
    test_ca.save(directory)
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        ["ca-root.pem", "ca-intermediate.pem", "ca-intermediate.key", "ca-root.key"]
    )
    assert stat.S_IMODE(os.stat(directory / "ca-root.key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(directory / "ca-intermediate.key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert TestCA.exists(directory)

    loaded = TestCA.load(directory)
    assert loaded.root == test_ca.root and loaded.intermediate == test_ca.intermediate
    assert loaded.name == test_ca.name
    # The reloaded CA issues leaves the original root trusts.
    pair = loaded.issue(DV_OIN, "DV")
    verify_chain(pair.certificate, pair.chain, test_ca.roots, NOW)


def test_load_incomplete(test_ca: TestCA, tmp_path: Path) -> None:
    test_ca.save(tmp_path)
    (tmp_path / CA_FILES["root_key"]).unlink()
    assert not TestCA.exists(tmp_path)
    with pytest.raises(ConfigError) as info:
        TestCA.load(tmp_path)
    assert info.value.reason == "ca_incomplete"
    assert "ca-root.key" in info.value.message


def test_load_mixed_ca(test_ca: TestCA, other_ca: TestCA, tmp_path: Path) -> None:
    test_ca.save(tmp_path)
    other_ca.save(tmp_path / "other")
    (tmp_path / CA_FILES["intermediate_key"]).write_bytes(
        (tmp_path / "other" / CA_FILES["intermediate_key"]).read_bytes()
    )
    with pytest.raises(ConfigError) as info:
        TestCA.load(tmp_path)
    assert info.value.reason == "key_mismatch"


def test_load_intermediate_from_other_root(test_ca: TestCA, other_ca: TestCA, tmp_path: Path) -> None:
    test_ca.save(tmp_path)
    other_ca.save(tmp_path / "other")
    for name in (CA_FILES["intermediate_key"], CA_FILES["intermediate_cert"]):
        (tmp_path / name).write_bytes((tmp_path / "other" / name).read_bytes())
    with pytest.raises(ConfigError) as info:
        TestCA.load(tmp_path)
    assert info.value.reason == "certificate_untrusted"


# --- verify_chain ----------------------------------------------------------------------


def test_chain_verifies(test_ca: TestCA, dv_pair: KeyPair) -> None:
    verify_chain(dv_pair.certificate, [test_ca.intermediate], [test_ca.root], NOW)
    verify_chain(dv_pair.certificate, dv_pair.chain, test_ca.roots, datetime.now())  # noqa: DTZ005 - naive is read as UTC
    test_ca.verify(dv_pair.certificate)
    # Trusting the intermediate itself as anchor is allowed.
    verify_chain(dv_pair.certificate, [], [test_ca.intermediate], NOW)


def test_chain_order_and_extra_certificates_do_not_matter(test_ca: TestCA, other_ca: TestCA, dv_pair: KeyPair) -> None:
    verify_chain(
        dv_pair.certificate,
        [other_ca.intermediate, test_ca.root, test_ca.intermediate],
        [other_ca.root, test_ca.root],
        NOW,
    )


def test_wrong_issuer_same_names(test_ca: TestCA, other_ca: TestCA, dv_pair: KeyPair) -> None:
    """Another CA with identical names: only the signatures differ, and they must be checked."""
    assert other_ca.intermediate.subject == test_ca.intermediate.subject
    for intermediates, roots in (
        ([other_ca.intermediate], [other_ca.root]),
        ([test_ca.intermediate], [other_ca.root]),
        ([other_ca.intermediate], [test_ca.root]),
    ):
        with pytest.raises(ConfigError) as info:
            verify_chain(dv_pair.certificate, intermediates, roots, NOW)
        assert info.value.reason == "certificate_untrusted"


def test_wrong_issuer_other_names(test_ca: TestCA, dv_pair: KeyPair) -> None:
    foreign = TestCA.create(name="Andere Test CA")
    with pytest.raises(ConfigError) as info:
        verify_chain(dv_pair.certificate, foreign.chain, foreign.roots, NOW)
    assert info.value.reason == "certificate_untrusted"
    assert "dv-00000001234567890000.ehkit.test" in info.value.message


def test_missing_intermediate(test_ca: TestCA, dv_pair: KeyPair) -> None:
    with pytest.raises(ConfigError) as info:
        verify_chain(dv_pair.certificate, [], test_ca.roots, NOW)
    assert info.value.reason == "certificate_untrusted"


def test_no_roots(dv_pair: KeyPair) -> None:
    with pytest.raises(ConfigError) as info:
        verify_chain(dv_pair.certificate, dv_pair.chain, [], NOW)
    assert info.value.reason == "certificate_untrusted"


def test_self_signed_not_trusted(test_ca: TestCA, other_ca: TestCA) -> None:
    with pytest.raises(ConfigError) as info:
        verify_chain(other_ca.root, [], [test_ca.root], NOW)
    assert info.value.reason == "certificate_untrusted"
    assert "self-signed" in info.value.message
    verify_chain(test_ca.root, [], [test_ca.root], NOW)


def test_expired_leaf(test_ca: TestCA) -> None:
    old = test_ca.issue(DV_OIN, "DV", not_before=NOW - timedelta(days=400), days=30)
    with pytest.raises(ConfigError) as info:
        verify_chain(old.certificate, old.chain, test_ca.roots, NOW)
    assert info.value.reason == "certificate_expired"
    assert "expired" in info.value.message
    # The same certificate was fine while it was valid.
    verify_chain(old.certificate, old.chain, test_ca.roots, NOW - timedelta(days=385))


def test_expired_at_future_moment(test_ca: TestCA, dv_pair: KeyPair) -> None:
    with pytest.raises(ConfigError) as info:
        verify_chain(dv_pair.certificate, dv_pair.chain, test_ca.roots, dv_pair.not_after + timedelta(seconds=1))
    assert info.value.reason == "certificate_expired"
    verify_chain(dv_pair.certificate, dv_pair.chain, test_ca.roots, dv_pair.not_after)


def test_not_yet_valid(test_ca: TestCA) -> None:
    future = test_ca.issue(DV_OIN, "DV", not_before=NOW + timedelta(days=10))
    with pytest.raises(ConfigError) as info:
        verify_chain(future.certificate, future.chain, test_ca.roots, NOW)
    assert info.value.reason == "certificate_not_yet_valid"


def test_expired_ca_certificate(test_ca: TestCA, dv_pair: KeyPair) -> None:
    """A leaf is only as good as its issuers: an expired intermediate fails the chain."""
    start = NOW - timedelta(days=100)
    expired_inter = (
        x509.CertificateBuilder()
        .subject_name(test_ca.intermediate.subject)
        .issuer_name(test_ca.root.subject)
        .public_key(test_ca.intermediate_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=10))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(test_ca.root_key, hashes.SHA256())
    )
    with pytest.raises(ConfigError) as info:
        verify_chain(dv_pair.certificate, [expired_inter], test_ca.roots, NOW)
    assert info.value.reason == "certificate_expired"
    assert "CA certificate" in info.value.message
    # With the valid twin (same name and key) also present, the valid one is chosen.
    verify_chain(dv_pair.certificate, [expired_inter, test_ca.intermediate], test_ca.roots, NOW)


def _signed_by_leaf(issuer_pair: KeyPair, subject_key_pair: KeyPair) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sub")]))
        .issuer_name(issuer_pair.certificate.subject)
        .public_key(subject_key_pair.public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(issuer_pair.private_key, hashes.SHA256())
    )


def test_leaf_cannot_act_as_ca(test_ca: TestCA, dv_pair: KeyPair) -> None:
    other = test_ca.issue(DV_OIN, "HM")
    sub = _signed_by_leaf(dv_pair, other)
    with pytest.raises(ConfigError) as info:
        verify_chain(sub, [dv_pair.certificate, test_ca.intermediate], test_ca.roots, NOW)
    assert info.value.reason == "certificate_untrusted"
    assert "not a CA" in info.value.message


def test_path_length_enforced(test_ca: TestCA, dv_pair: KeyPair) -> None:
    """The intermediate has pathLen 0: a sub-CA under it may not issue."""
    sub_ca = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rogue sub CA")]))
        .issuer_name(test_ca.intermediate.subject)
        .public_key(dv_pair.public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(test_ca.intermediate_key, hashes.SHA256())
    )
    other = test_ca.issue(DV_OIN, "HM")
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")]))
        .issuer_name(sub_ca.subject)
        .public_key(other.public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(dv_pair.private_key, hashes.SHA256())
    )
    with pytest.raises(ConfigError) as info:
        verify_chain(leaf, [sub_ca, test_ca.intermediate], test_ca.roots, NOW)
    assert info.value.reason == "certificate_untrusted"
    assert "allows 0" in info.value.message
    # The sub-CA itself is fine directly under the intermediate.
    verify_chain(sub_ca, [test_ca.intermediate], test_ca.roots, NOW)
