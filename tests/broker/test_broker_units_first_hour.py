"""Small pieces of the simulator: Accept-Language, error records, the TLS server certificate's checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ehkit.broker.pages import accept_language
from ehkit.broker.state import ERROR_TTL, MAX_ERRORS, BrokerState, ErrorRecord
from ehkit.broker.tls import MAX_SERVER_DAYS, issue_server_certificate
from ehkit.errors import ValidationError
from ehkit.pki import TestCA


@pytest.mark.parametrize(
    "header, expected",
    [
        (None, None),
        ("", None),
        ("en", "en"),
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("de-DE,en-GB;q=0.9,nl;q=0.5", "en"),
        ("en;q=0.2, nl;q=0.7", "nl"),
        ("fr, de", None),
        ("nl;q=0, en;q=0.1", "en"),
        ("nl;q=abc, en;q=0.5", "en"),
        ("*", None),
    ],
)
def test_accept_language(header: str | None, expected: str | None) -> None:
    assert accept_language(header) == expected


def test_error_records_expire_and_are_bounded() -> None:
    state = BrokerState()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    key = state.add_error(ErrorRecord("no_request", "m", 400, t0))
    assert state.error(key, t0 + timedelta(minutes=1)) is not None
    assert state.error(key, t0 + ERROR_TTL + timedelta(seconds=1)) is None
    assert state.error("unknown", t0) is None
    keys = [state.add_error(ErrorRecord("no_request", "m", 400, t0)) for _ in range(MAX_ERRORS + 3)]
    assert len(state.errors) == MAX_ERRORS and keys[-1] in state.errors and keys[0] not in state.errors


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA.create("ehkit Unit TLS")


@pytest.mark.parametrize("hosts", [[], ["bad host"], ["-.."], ["a" * 64 + ".test"]])
def test_tls_server_certificate_refuses_bad_hosts(ca: TestCA, hosts: list[str]) -> None:
    with pytest.raises(ValidationError) as caught:
        issue_server_certificate(ca, hosts)
    assert caught.value.reason == "tls_host_invalid"


@pytest.mark.parametrize("days", [0, MAX_SERVER_DAYS + 1, True])
def test_tls_server_certificate_refuses_long_or_odd_validity(ca: TestCA, days: int) -> None:
    with pytest.raises(ValidationError) as caught:
        issue_server_certificate(ca, ["127.0.0.1"], days=days)
    assert caught.value.reason == "days_invalid"


def test_tls_server_certificate_has_server_auth_only(ca: TestCA) -> None:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    server = issue_server_certificate(ca, ["::1", "Sim.Test."])
    cert = x509.load_pem_x509_certificate(server.certificate_pem)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["sim.test"]
    assert cert.issuer == ca.intermediate.subject
    assert server.private_pem().startswith(b"-----BEGIN PRIVATE KEY-----")
