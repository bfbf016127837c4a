"""The OpenID Connect clients the simulator serves, and how they are registered.

A client is one registration at the broker's OIDC front: its ``client_id``,
the redirect URIs it may use, how it authenticates at the token endpoint, the
claim profile its tokens follow, and the DV and services it logs users in
for (the DV must also be known to the simulator, so the personas'
authorisations and the services' levels apply exactly as over SAML).

Two ways to register, both documented in docs/oidc.md:

* from the DV's own ``ehkit.toml`` (``--config``): ``[broker.oidc]`` gives the
  client id, redirect URI, auth method and profile; the client secret is read
  the way the DV reads it (environment variable or file); the DV's signing
  certificates serve ``private_key_jwt`` and ``tls_client_auth``;
* from a small client file (``--oidc-client clients.toml``) with
  ``[[clients]]`` tables, for a DV that is not built with ehkit.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from ehkit.errors import ConfigError
from ehkit.oidc.profiles import ClaimProfile, load_profile, profile_from_table
from ehkit.pki.loading import load_certificates

__all__ = ["OidcClient", "OidcClientRegistry", "clients_from_config", "load_client_file"]

AUTH_METHODS = ("client_secret_basic", "private_key_jwt", "tls_client_auth")
ALGORITHMS = ("RS256", "PS256", "ES256")


@dataclass(frozen=True)
class OidcClient:
    client_id: str
    dv_entity_id: str
    services: tuple[int, ...]
    redirect_uris: tuple[str, ...]
    auth_method: str
    profile: ClaimProfile
    secret_sha256: str | None = field(default=None, repr=False)
    certificates: tuple[x509.Certificate, ...] = ()
    id_token_alg: str = "RS256"  # noqa: S105 - an algorithm name, not a secret
    source: str = ""
    #: Services in other metadata groups (another DV EntityID, e.g. eIDAS): (EntityID, index).
    more_services: tuple[tuple[str, int], ...] = ()

    def bindings(self) -> tuple[tuple[str, int | None], ...]:
        """(DV EntityID, service index) pairs; index None means every service of that DV."""
        own: tuple[tuple[str, int | None], ...] = tuple((self.dv_entity_id, i) for i in self.services) or (
            (self.dv_entity_id, None),
        )
        return own + self.more_services

    def __post_init__(self) -> None:
        if self.auth_method not in AUTH_METHODS:
            raise ConfigError(
                f"OIDC client {self.client_id}: auth_method {self.auth_method!r} (use one of {', '.join(AUTH_METHODS)})",
                reason="oidc_client_invalid",
            )
        if self.auth_method == "client_secret_basic" and not self.secret_sha256:
            raise ConfigError(
                f"OIDC client {self.client_id}: client_secret_basic needs a secret", reason="oidc_client_invalid"
            )
        if self.auth_method != "client_secret_basic" and not self.certificates:
            raise ConfigError(
                f"OIDC client {self.client_id}: {self.auth_method} needs the DV's certificates",
                reason="oidc_client_invalid",
            )
        if self.id_token_alg not in ALGORITHMS:
            raise ConfigError(
                f"OIDC client {self.client_id}: id_token_alg {self.id_token_alg!r} (use RS256, PS256 or ES256)",
                reason="oidc_client_invalid",
            )
        if not self.redirect_uris:
            raise ConfigError(f"OIDC client {self.client_id}: no redirect URI", reason="oidc_client_invalid")

    def secret_matches(self, secret: str) -> bool:
        if self.secret_sha256 is None:
            return False
        digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()
        return hmac.compare_digest(digest, self.secret_sha256)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class OidcClientRegistry:
    def __init__(self, clients: Iterable[OidcClient] = ()) -> None:
        self._clients: dict[str, OidcClient] = {}
        for client in clients:
            self.add(client)

    def add(self, client: OidcClient) -> None:
        self._clients[client.client_id] = client

    def get(self, client_id: str | None) -> OidcClient | None:
        return self._clients.get(client_id or "")

    def all(self) -> list[OidcClient]:
        return sorted(self._clients.values(), key=lambda c: c.client_id)

    def __len__(self) -> int:
        return len(self._clients)


def _profile(value: Any, where: str) -> ClaimProfile:
    if isinstance(value, ClaimProfile):
        return value
    if isinstance(value, str):
        return load_profile(value)
    if isinstance(value, Mapping):
        return profile_from_table(value, where=where)
    raise ConfigError(f"{where}: profile is a preset name or a table", reason="oidc_client_invalid")


def clients_from_config(config: Any) -> list[OidcClient]:
    """The OIDC clients of one ``ehkit.toml`` (none when no service uses OIDC)."""
    oidc = config.broker.oidc
    if oidc is None or not config.uses_oidc:
        return []
    label = str(config.source or "ehkit.toml")
    groups = {s.key: g.entity_id for g in config.service_groups() for s in g.services}
    by_client: dict[str, list[tuple[str, int]]] = {}
    for service in config.services:
        if config.protocol_of(service) != "oidc":
            continue
        by_client.setdefault(service.oidc_client_id or oidc.client_id, []).append(
            (str(groups[service.key]), service.index)
        )
    secret = _digest(oidc.read_secret()) if oidc.auth_method == "client_secret_basic" else None
    certs: list[x509.Certificate] = list(load_certificates(config.keys.signing_cert))
    if config.keys.next is not None:
        certs.extend(load_certificates(config.keys.next.cert))
    clients = []
    for client_id, bound in by_client.items():
        entity_id = bound[0][0]
        clients.append(
            OidcClient(
                client_id=client_id,
                dv_entity_id=entity_id,
                services=tuple(i for e, i in bound if e == entity_id),
                more_services=tuple((e, i) for e, i in bound if e != entity_id),
                redirect_uris=(oidc.redirect_uri,),
                auth_method=oidc.auth_method,
                profile=oidc.claim_profile,
                secret_sha256=secret,
                certificates=tuple(certs),
                source=label,
            )
        )
    return clients


def load_client_file(path: str | Path) -> list[OidcClient]:
    """``[[clients]]`` tables from a TOML file; relative certificate paths are read from its directory."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"OIDC client file not found: {file}", reason="oidc_client_invalid") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the OIDC client file {file}: {exc}", reason="oidc_client_invalid") from None
    tables = data.get("clients")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{file}: expected one or more [[clients]] tables", reason="oidc_client_invalid")
    known = {
        "client_id",
        "dv",
        "services",
        "redirect_uris",
        "auth_method",
        "client_secret",
        "profile",
        "certificates",
        "id_token_alg",
    }
    out = []
    for i, table in enumerate(tables):
        where = f"{file} clients[{i}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: not a table", reason="oidc_client_invalid")
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {', '.join(unknown)}", reason="oidc_client_invalid")
        for required in ("client_id", "dv", "redirect_uris", "profile"):
            if required not in table:
                raise ConfigError(f"{where}.{required}: required field is missing", reason="oidc_client_invalid")
        services = table.get("services", [])
        if not isinstance(services, list) or not all(isinstance(s, int) for s in services):
            raise ConfigError(f"{where}.services: a list of service indexes, e.g. [1, 2]", reason="oidc_client_invalid")
        uris = table["redirect_uris"]
        if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
            raise ConfigError(f"{where}.redirect_uris: a list of URLs", reason="oidc_client_invalid")
        certs: list[x509.Certificate] = []
        for cert_path in table.get("certificates", []):
            certs.extend(load_certificates(file.parent / cert_path))
        secret = table.get("client_secret")
        out.append(
            OidcClient(
                client_id=str(table["client_id"]),
                dv_entity_id=str(table["dv"]),
                services=tuple(services),
                redirect_uris=tuple(uris),
                auth_method=str(table.get("auth_method", "client_secret_basic")),
                profile=_profile(table["profile"], f"{where}.profile"),
                secret_sha256=_digest(secret) if isinstance(secret, str) and secret else None,
                certificates=tuple(certs),
                id_token_alg=str(table.get("id_token_alg", "RS256")),
                source=str(file),
            )
        )
    return out
