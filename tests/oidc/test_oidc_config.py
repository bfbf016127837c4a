"""``[broker.oidc]`` and per-service protocol in ehkit.toml: what validates, and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from oidc_harness import Keys, Variant, write_variant

from ehkit.config import ConfigInvalidError, EhkitConfig
from ehkit.errors import ConfigError


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> tuple[Path, str]:
    directory = tmp_path_factory.mktemp("cfg")
    write_variant(directory, keys, Variant("cfg"), dv_url="https://dv.example", issuer="https://op.example/oidc")
    return directory, (directory / "ehkit.toml").read_text(encoding="utf-8")


def load(base: tuple[Path, str], text: str) -> EhkitConfig:
    return EhkitConfig.from_toml_text(text, base[0])


def problems(base: tuple[Path, str], text: str) -> dict[str, str]:
    with pytest.raises(ConfigInvalidError) as caught:
        load(base, text)
    return {p.path: p.message for p in caught.value.problems}


def test_the_oidc_variant_loads(base: tuple[Path, str]) -> None:
    config = load(base, base[1])
    assert config.uses_oidc and not config.uses_saml
    assert config.broker.oidc is not None and config.broker.oidc.claim_profile.name == "urn-claims"
    assert config.broker.oidc.read_secret().startswith("s3cret")
    assert config.service("vergunning").oidc_client_id == "cfg-vergunning"


def test_oidc_only_needs_no_saml_metadata(base: tuple[Path, str]) -> None:
    text = (
        base[1]
        .replace('metadata_file = "broker/metadata.xml"\n', "")
        .replace('pinned_certs = ["broker/hm-signing.pem"]\n', "")
    )
    config = load(base, text)
    from ehkit.sp import ServiceProvider

    sp = ServiceProvider.from_config(config)
    try:
        with pytest.raises(ConfigError) as caught:
            sp.metadata()
        assert "every service uses OIDC" in caught.value.message
    finally:
        sp.close()
    mixed = text.replace('key = "melding"', 'key = "melding"\nprotocol = "saml"')
    assert "broker.metadata_file" in problems(base, mixed)


@pytest.mark.parametrize(
    ("old", "new", "path", "fragment"),
    [
        ('issuer = "https://op.example/oidc"', 'issuer = "http://op.example/oidc"', "broker.oidc.issuer", "plain http"),
        ('client_secret_file = "client-secret.txt"\n', "", "broker.oidc", "exactly one of client_secret_env"),
        ('auth_method = "client_secret_basic"', 'auth_method = "private_key_jwt"', "broker.oidc", "uses the DV's key"),
        (
            'auth_method = "client_secret_basic"',
            'auth_method = "client_secret_post"',
            "broker.oidc.auth_method",
            "client_secret_basic",
        ),
        ('profile = "urn-claims"', 'profile = "signicat"', "broker.oidc", "no claim profile 'signicat'"),
        (
            'profile = "urn-claims"',
            'profile = { name = "x", title = "x", legal_subject = { claim = "k" } }',
            "broker.oidc",
            "broker.oidc.profile",
        ),
        (
            "userinfo = false",
            'userinfo = false\nauthorize_params = { state = "x" }',
            "broker.oidc.authorize_params",
            "cannot be configured",
        ),
        ("userinfo = false", 'userinfo = false\nscopes = ["two words"]', "broker.oidc.scopes", "not a scope"),
        (
            "userinfo = false",
            'userinfo = false\nclient_secret_env = "1BAD"',
            "broker.oidc.client_secret_env",
            "environment variable",
        ),
        ("userinfo = false", 'userinfo = false\nalgorithms = ["HS256"]', "broker.oidc.algorithms[0]", "RS256"),
        (
            'redirect_uri = "https://dv.example/oidc/callback"',
            'redirect_uri = "https://dv.example/acs"',
            "broker.oidc.redirect_uri",
            "SAML ACS",
        ),
    ],
)
def test_errors_name_the_field(base: tuple[Path, str], old: str, new: str, path: str, fragment: str) -> None:
    assert old in base[1]
    found = problems(base, base[1].replace(old, new))
    assert path in found, found
    assert fragment in found[path], found


def test_protocol_without_broker_oidc_and_oidc_fields_on_saml_services(base: tuple[Path, str]) -> None:
    start = base[1].index("[broker.oidc]")
    end = base[1].index("[state]")
    without = base[1][:start] + base[1][end:]
    assert "broker.protocol" in problems(base, without)
    saml = base[1].replace('protocol = "oidc"', 'protocol = "saml"')
    found = problems(base, saml)
    assert (
        "oidc_client_id" in found["services[1].oidc_client_id"] or "only applies" in found["services[1].oidc_client_id"]
    )


def test_a_missing_secret_names_the_variable(base: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    text = base[1].replace(
        'client_secret_file = "client-secret.txt"', 'client_secret_env = "EHKIT_TEST_NO_SUCH_SECRET"'
    )
    monkeypatch.delenv("EHKIT_TEST_NO_SUCH_SECRET", raising=False)
    config = load(base, text)
    with pytest.raises(ConfigError) as caught:
        config.broker.oidc.read_secret()  # type: ignore[union-attr]
    assert caught.value.reason == "oidc_client_auth" and "EHKIT_TEST_NO_SUCH_SECRET" in caught.value.message
    monkeypatch.setenv("EHKIT_TEST_NO_SUCH_SECRET", "from-env")
    assert config.broker.oidc.read_secret() == "from-env"  # type: ignore[union-attr]


def test_a_user_defined_profile_table_in_ehkit_toml(base: tuple[Path, str]) -> None:
    table = (
        '[broker.oidc.profile]\nname = "gemeente"\ntitle = "Our mappers"\nextends = "keycloak"\n'
        '[broker.oidc.profile.authorize]\nparams = { kc_idp_hint = "eh-gemeente" }\n'
    )
    text = base[1].replace('profile = "urn-claims"\n', "").replace("\n[state]", "\n" + table + "\n[state]", 1)
    config = load(base, text)
    profile = config.broker.oidc.claim_profile  # type: ignore[union-attr]
    assert profile.name == "gemeente" and profile.authorize.params == {"kc_idp_hint": "eh-gemeente"}
    assert profile.level.claim == ("urn:etoegang:core:LevelOfAssurance",)
