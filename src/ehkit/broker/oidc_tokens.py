"""The simulated provider's keys and ID tokens, made with joserfc.

The provider signs with the HM's own RSA key (RS256 or PS256, as the client
is registered) or with an EC P-256 key made at start-up (ES256); its JWKS
publishes exactly those public keys. Faults that joserfc will not produce
(an unsigned token, an HMAC keyed with the public key) are put together
from their parts here, as an attacker would: they exist only to be refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from ehkit.broker.grant import Grant
from ehkit.broker.oidc_scenarios import OidcTamper
from ehkit.domain.urns import IdentifierType
from ehkit.oidc.profiles import ClaimedIdentifier, ClaimedIdentity, ClaimProfile

__all__ = ["ProviderKeys", "grant_identity", "id_token_claims", "sign_id_token"]

#: The abolished level's URN, for the "level too low" fault at an EH2 service.
LOA1_URN = "urn:etoegang:core:assurance-class:loa1"


def _rsa_jwk(key: RSAPrivateKey, kid: str) -> RSAKey:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return RSAKey.import_key(pem, parameters={"kid": kid, "use": "sig"})


def _kid(material: bytes) -> str:
    return hashlib.sha256(material).hexdigest()[:24]


@dataclass(frozen=True)
class ProviderKeys:
    rsa: RSAKey
    ec: ECKey
    rogue: RSAKey

    @classmethod
    def create(cls, hm_key: RSAPrivateKey, rogue_key: RSAPrivateKey) -> ProviderKeys:
        public = hm_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        ec = ECKey.generate_key("P-256", parameters={"use": "sig"})
        ec_kid = _kid(json.dumps(ec.as_dict(private=False), sort_keys=True).encode())
        ec = ECKey.import_key(ec.as_dict(private=True), parameters={"kid": ec_kid, "use": "sig"})
        rogue_public = rogue_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(rsa=_rsa_jwk(hm_key, _kid(public)), ec=ec, rogue=_rsa_jwk(rogue_key, _kid(rogue_public)))

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.rsa.as_dict(private=False), self.ec.as_dict(private=False)]}

    def signing_key(self, alg: str) -> RSAKey | ECKey:
        return self.ec if alg == "ES256" else self.rsa


def grant_identity(grant: Grant, tamper: OidcTamper) -> ClaimedIdentity:
    """What the login decided, in the form a claim profile writes."""
    primary = grant.primary
    loa = tamper.loa or grant.loa_used
    return ClaimedIdentity(
        legal_subject=ClaimedIdentifier(primary.kind, primary.value, primary.kind.urn),
        acting_subject=ClaimedIdentifier(IdentifierType.PSEUDO, grant.acting_pseudonym, IdentifierType.PSEUDO.urn),
        additional_identifiers=tuple(ClaimedIdentifier(i.kind, i.value, i.kind.urn) for i in grant.identifiers[1:]),
        vestigingsnummer=grant.vestiging,
        intermediary_kvk=str(grant.intermediary.kvk) if grant.intermediary else None,
        intermediary_name=grant.intermediary.name if grant.intermediary else None,
        service_uuid=grant.service.uuid,
        authenticating_authority=grant.ad.entity_id,
        loa=loa,
        attributes={urn: (value,) for urn, value in grant.attributes},
    )


def id_token_claims(
    *,
    profile: ClaimProfile,
    grant: Grant,
    tamper: OidcTamper,
    issuer: str,
    client_id: str,
    nonce: str,
    acr_values: str | None,
    now: datetime,
    lifetime: timedelta,
    access_token: str,
) -> dict[str, Any]:
    identity = grant_identity(grant, tamper)
    claims = profile.write(identity)
    if tamper.loa_abolished:
        level_path = profile.level.claim
        node: dict[str, Any] = claims
        for name in level_path[:-1]:
            node = node[name]
        node[level_path[-1]] = LOA1_URN
    if profile.level.claim != ("acr",):
        # The level travels elsewhere; acr then says how the user logged in (the requested acr_values).
        claims["acr"] = acr_values or "urn:etoegang:core:assurance-class:" + identity.loa.code
    if tamper.drop_acr:
        claims.pop("acr", None)
        node = claims
        for name in profile.level.claim[:-1]:
            node = node.get(name, {})
        node.pop(profile.level.claim[-1], None)
    issued = now - timedelta(hours=2) if tamper.expired else now
    expires = now - timedelta(hours=1) if tamper.expired else now + lifetime
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    claims.update(
        {
            "iss": tamper.issuer or issuer,
            "sub": grant.acting_pseudonym,
            "aud": tamper.audience or client_id,
            "iat": int(issued.timestamp()),
            "exp": int(expires.timestamp()),
            "auth_time": int(issued.timestamp()),
            "nonce": tamper.nonce or nonce,
            "jti": secrets.token_hex(16),
            "sid": secrets.token_hex(8),
            "at_hash": base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii"),
        }
    )
    return claims


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_id_token(keys: ProviderKeys, claims: dict[str, Any], *, alg: str, tamper: OidcTamper) -> str:
    if tamper.alg == "none":
        header = {"alg": "none", "typ": "JWT"}
        return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."
    if tamper.alg == "HS256":
        header = {"alg": "HS256", "typ": "JWT", "kid": keys.rsa.kid or ""}
        secret = json.dumps(keys.rsa.as_dict(private=False), sort_keys=True).encode()
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        mac = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(mac)}"
    key: RSAKey | ECKey = keys.signing_key(alg)
    kid = key.kid
    if tamper.key == "unknown_kid":
        key, kid, alg = keys.rogue, keys.rogue.kid, "RS256"
    elif tamper.key == "wrong_key":
        key, kid, alg = keys.rogue, keys.rsa.kid, "RS256"
    header = {"alg": alg, "typ": "JWT", "kid": kid or ""}
    return jwt.encode(header, claims, key, algorithms=[alg])
