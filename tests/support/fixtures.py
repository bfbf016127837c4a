"""Fixtures shared by the SP and SAML tests: the test network, a message factory, a clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from support.network import Network
from support.reference_messages import ReferenceMessages


@pytest.fixture(scope="session")
def net() -> Network:
    return Network.shared()


@pytest.fixture(scope="session")
def messages(net: Network) -> ReferenceMessages:
    return ReferenceMessages(net)


@pytest.fixture
def t0() -> datetime:
    """A fixed 'now' for a login; messages are issued a few seconds later."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
