"""Fixtures for the pki tests: one test CA per session, since RSA key generation is the slow part."""

from __future__ import annotations

import pytest

from ehkit.pki import KeyPair, TestCA

DV_OIN = "00000001234567890000"
HM_OIN = "00000003520354760000"


@pytest.fixture(scope="session")
def test_ca() -> TestCA:
    return TestCA.create()


@pytest.fixture(scope="session")
def other_ca() -> TestCA:
    """A second CA with the *same names* but other keys: only signatures tell them apart."""
    return TestCA.create()


@pytest.fixture(scope="session")
def dv_pair(test_ca: TestCA) -> KeyPair:
    return test_ca.issue(DV_OIN, "DV")
