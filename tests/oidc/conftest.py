"""Fixtures for the OpenID Connect tests: one simulator on a loopback port per module, keys per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from oidc_harness import Keys, OidcWorld, Variant, make_world

VARIANTS = [
    Variant("saml", protocol="saml"),
    Variant("urn"),
    Variant("idp", profile="idp-selector"),
    Variant("kc", profile="keycloak"),
    Variant("pkjwt", auth_method="private_key_jwt"),
    Variant("info", userinfo=True),
]


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys.create()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Iterator[OidcWorld]:
    w = make_world(tmp_path_factory.mktemp("oidc"), keys, VARIANTS)
    try:
        yield w
    finally:
        w.close()
