"""The SAML tests use the same test network and messages as the SP tests."""

from support.fixtures import messages, net, t0  # noqa: F401 - pytest fixtures
