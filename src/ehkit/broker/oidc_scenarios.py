"""What the simulated OpenID provider does wrong on purpose, and the reason an ehkit RP gives.

The OIDC counterpart of :mod:`ehkit.broker.scenarios`, one catalogue for the
test-options panel of an OIDC login, the JSON API, docs/oidc.md and the tests.
Each fault changes one thing, so the relying party's reason is unambiguous;
``expected_reason`` is the code of :class:`ehkit.errors.LoginRejected` an
ehkit DV gives (None: a correct DV accepts the login).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ehkit.broker.grant import Grant
from ehkit.domain.loa import LevelOfAssurance

__all__ = ["OIDC_SCENARIOS", "OidcScenario", "OidcTamper", "get_oidc_scenario", "oidc_catalogue"]

OTHER_ISSUER = "https://elders.example/oidc"
OTHER_CLIENT = "another-client"


@dataclass(frozen=True)
class OidcTamper:
    """Deliberate deviations; every default gives the correct token and callback."""

    issuer: str | None = None
    audience: str | None = None
    #: Issue the token two hours ago, expiring one hour ago.
    expired: bool = False
    #: "none" (unsigned) or "HS256" (HMAC with the provider's public key as the secret).
    alg: str | None = None
    #: "unknown_kid": a key the JWKS does not hold; "wrong_key": that key under the real kid.
    key: str | None = None
    nonce: str | None = None
    drop_acr: bool = False
    #: A level URN to claim instead of the one used.
    loa: LevelOfAssurance | None = None
    loa_abolished: bool = False
    userinfo_sub: str | None = None
    #: The ``iss`` parameter of the callback (RFC 9207), e.g. another provider's (a mix-up).
    iss_parameter: str | None = None


@dataclass(frozen=True)
class OidcScenario:
    id: str
    title_nl: str
    title_en: str
    description: str
    expected_reason: str | None
    category: Literal["control", "token", "signature", "binding", "content", "replay"]
    tamper: Callable[[Grant], OidcTamper] = field(default=lambda grant: OidcTamper(), repr=False)
    #: "twice": the browser may bring the same callback back a second time.
    delivery: Literal["once", "twice"] = "once"
    #: The fault only shows when the DV fetches userinfo.
    needs_userinfo: bool = False

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_nl

    def summary(self) -> dict[str, object]:
        return {
            "id": self.id,
            "protocol": "oidc",
            "title_nl": self.title_nl,
            "title_en": self.title_en,
            "description": self.description,
            "expected_reason": self.expected_reason,
            "category": self.category,
            "delivery": self.delivery,
            "needs_userinfo": self.needs_userinfo,
        }


def _lower(grant: Grant) -> OidcTamper:
    lower = [level for level in LevelOfAssurance if level < grant.service.loa]
    if lower:
        return OidcTamper(loa=lower[-1])
    return OidcTamper(loa_abolished=True)


OIDC_SCENARIOS: tuple[OidcScenario, ...] = (
    OidcScenario("oidc_none", "Normale inlog", "Normal login", "A correct ID token and callback.", None, "control"),
    OidcScenario(
        "oidc_wrong_issuer",
        "Verkeerde issuer",
        "Wrong issuer",
        "The ID token's iss names another provider.",
        "oidc_issuer_mismatch",
        "token",
        tamper=lambda g: OidcTamper(issuer=OTHER_ISSUER),
    ),
    OidcScenario(
        "oidc_wrong_audience",
        "Verkeerde audience",
        "Wrong audience",
        "The ID token's aud is another client.",
        "oidc_audience_mismatch",
        "token",
        tamper=lambda g: OidcTamper(audience=OTHER_CLIENT),
    ),
    OidcScenario(
        "oidc_expired",
        "Verlopen ID token",
        "Expired ID token",
        "The ID token was issued two hours ago and expired an hour ago.",
        "oidc_token_expired",
        "token",
        tamper=lambda g: OidcTamper(expired=True),
    ),
    OidcScenario(
        "oidc_alg_none",
        "Ongetekend ID token (alg none)",
        "Unsigned ID token (alg none)",
        'The ID token has alg "none" and no signature.',
        "oidc_alg_not_allowed",
        "signature",
        tamper=lambda g: OidcTamper(alg="none"),
    ),
    OidcScenario(
        "oidc_alg_hs256",
        "HS256 met de publieke sleutel",
        "HS256 with the public key",
        "The ID token is an HMAC (HS256) whose secret is the provider's public key: proves nothing.",
        "oidc_alg_not_allowed",
        "signature",
        tamper=lambda g: OidcTamper(alg="HS256"),
    ),
    OidcScenario(
        "oidc_unknown_key",
        "Sleutel niet in de JWKS",
        "Key not in the JWKS",
        "The ID token is signed with a key (and kid) the provider's JWKS does not publish, also after a refetch.",
        "oidc_key_unknown",
        "signature",
        tamper=lambda g: OidcTamper(key="unknown_kid"),
    ),
    OidcScenario(
        "oidc_wrong_key",
        "Handtekening met een andere sleutel",
        "Signature by another key",
        "The ID token names the provider's kid but is signed with another key.",
        "oidc_signature_invalid",
        "signature",
        tamper=lambda g: OidcTamper(key="wrong_key"),
    ),
    OidcScenario(
        "oidc_wrong_nonce",
        "Verkeerde nonce",
        "Wrong nonce",
        "The ID token carries another login's nonce.",
        "oidc_nonce_mismatch",
        "binding",
        tamper=lambda g: OidcTamper(nonce="n-" + "0" * 40),
    ),
    OidcScenario(
        "oidc_missing_acr",
        "Geen acr",
        "Missing acr",
        "The ID token has no acr claim (and no level claim), which the NL GOV profile requires.",
        "oidc_acr_missing",
        "content",
        tamper=lambda g: OidcTamper(drop_acr=True),
    ),
    OidcScenario(
        "oidc_loa_too_low",
        "Te laag betrouwbaarheidsniveau",
        "Level of assurance too low",
        "The level claim is one below the service's level (for an EH2 service the abolished loa1, which the "
        "ehkit SP refuses as loa_eh1_refused).",
        "loa_too_low",
        "content",
        tamper=_lower,
    ),
    OidcScenario(
        "oidc_wrong_iss_parameter",
        "Callback van een andere provider",
        "Callback from another provider",
        "The callback's iss parameter (RFC 9207) names another provider: an authorization server mix-up.",
        "oidc_issuer_mismatch",
        "binding",
        tamper=lambda g: OidcTamper(iss_parameter=OTHER_ISSUER),
    ),
    OidcScenario(
        "oidc_userinfo_other_sub",
        "Userinfo over iemand anders",
        "Userinfo about someone else",
        "The userinfo answer's sub differs from the ID token's (only visible to a DV that fetches userinfo).",
        "oidc_userinfo_sub_mismatch",
        "content",
        tamper=lambda g: OidcTamper(userinfo_sub="someone-else"),
        needs_userinfo=True,
    ),
    OidcScenario(
        "oidc_replayed_callback",
        "Callback opnieuw aangeboden",
        "Replayed callback",
        "The browser brings the same callback (code and state) to the DV a second time.",
        "oidc_state_unknown",
        "replay",
        delivery="twice",
    ),
)

_BY_ID = {s.id: s for s in OIDC_SCENARIOS}
DEFAULT = _BY_ID["oidc_none"]


def get_oidc_scenario(scenario_id: str | None) -> OidcScenario:
    """The scenario with this id; None, "" or the SAML control "none" is the normal login."""
    if not scenario_id or scenario_id == "none":
        return DEFAULT
    try:
        return _BY_ID[scenario_id]
    except KeyError:
        raise KeyError(f"unknown OIDC scenario {scenario_id!r} (known: {', '.join(_BY_ID)})") from None


def oidc_catalogue() -> list[dict[str, object]]:
    return [s.summary() for s in OIDC_SCENARIOS]
