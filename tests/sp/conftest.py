"""The SP tests share the test network, message factory and clock with the SAML tests."""

from support.fixtures import messages, net, t0  # noqa: F401 - pytest fixtures
