"""``EhkitConfig``: the one model of ``ehkit.toml``, and its loader.

Field-level rules live on the fields; rules that relate fields (unique indexes,
BSN needs EH3, the DV's OIN inside every EntityID) are checked here, after the
fields, and reported under the path of the field a DV has to change.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

from ehkit.config.errors import (
    ConfigInvalidError,
    ConfigProblem,
    CrossFieldProblems,
    format_loc,
    problems_from_pydantic,
)
from ehkit.config.keys import KeysConfig
from ehkit.config.sections import (
    DERIVED_FIELDS,
    BrokerConfig,
    CatalogueConfig,
    DvConfig,
    MetadataGroupConfig,
    StateConfig,
)
from ehkit.config.service import EIDAS_IDENTIFIERS, ServiceConfig
from ehkit.config.types import SHORT_NAME_OF
from ehkit.domain.identifiers import EntityID, ServiceID
from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType
from ehkit.errors import ConfigError


@dataclass(frozen=True)
class ServiceGroup:
    """Services published together in one SP metadata EntityDescriptor."""

    name: str
    entity_id: EntityID
    services: tuple[ServiceConfig, ...]

    @property
    def default_service(self) -> ServiceConfig:
        """The service marked ``isDefault``: the lowest index, so it never changes by reordering."""
        return min(self.services, key=lambda s: s.index)


class EhkitConfig(BaseModel):
    """Everything ehkit knows about one DV. Build with :func:`load_config` or :meth:`from_toml_text`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dv: DvConfig
    keys: KeysConfig
    broker: BrokerConfig
    services: list[ServiceConfig] = Field(min_length=1)
    metadata_groups: list[MetadataGroupConfig] = Field(default_factory=list)
    state: StateConfig = Field(default_factory=StateConfig)
    catalogue: CatalogueConfig = Field(default_factory=CatalogueConfig)

    _base_dir: Path | None = PrivateAttr(default=None)
    _source: Path | None = PrivateAttr(default=None)

    # -- loading ------------------------------------------------------------

    @classmethod
    def from_toml_text(
        cls,
        text: str,
        base_dir: str | Path,
        *,
        check_files: bool = True,
        source: str | Path | None = None,
    ) -> EhkitConfig:
        """Parse TOML text; relative file paths are taken from ``base_dir``.

        ``check_files=False`` skips the existence check of key and certificate
        files, for tools that only read the service definitions.
        """
        label = str(source) if source is not None else "ehkit.toml"
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigInvalidError(
                [ConfigProblem("", f"not valid TOML: {exc} (fix the syntax at that line)")], source=label
            ) from None
        return cls.from_dict(data, base_dir, check_files=check_files, source=source)

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        base_dir: str | Path,
        *,
        check_files: bool = True,
        source: str | Path | None = None,
    ) -> EhkitConfig:
        """For configurations assembled in code (simulator, tests): the same checks and errors as TOML."""
        label = str(source) if source is not None else "ehkit.toml"
        base = Path(base_dir).resolve()
        context = {"base_dir": base, "check_files": check_files}
        try:
            config = cls.model_validate(data, context=context)
        except pydantic.ValidationError as exc:
            errors = _without_underived_defaults(exc.errors())
            problems = problems_from_pydantic(errors)
            if not any(isinstance((e.get("ctx") or {}).get("error"), CrossFieldProblems) for e in errors):
                known = {p.path for p in problems}
                problems += [p for p in partial_problems(data, context) if p.path not in known]
            raise ConfigInvalidError(problems, source=label) from None
        config._base_dir = base
        config._source = Path(source) if source is not None else None
        return config

    # -- cross-field rules ----------------------------------------------------

    @model_validator(mode="before")
    @classmethod
    def _service_defaults(cls, data: Any) -> Any:
        """A service is public when its DV is, unless it says otherwise."""
        if not isinstance(data, dict):
            return data
        dv = data.get("dv")
        services = data.get("services")
        if isinstance(dv, dict) and isinstance(dv.get("is_public"), bool) and isinstance(services, list):
            data = dict(data)
            data["services"] = [
                {"is_public": dv["is_public"], **s} if isinstance(s, dict) and "is_public" not in s else s
                for s in services
            ]
        return data

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> EhkitConfig:
        problems = list(_check(self))
        if problems:
            raise CrossFieldProblems(problems)
        for service in self.services:
            service._service_id = ServiceID.build(self.dv.oin, service.index)
        return self

    # -- lookups --------------------------------------------------------------

    @property
    def base_dir(self) -> Path | None:
        return self._base_dir

    @property
    def source(self) -> Path | None:
        return self._source

    def service(self, key: str) -> ServiceConfig:
        """The service with this ``key``; a typo gets the list of known keys."""
        for service in self.services:
            if service.key == key:
                return service
        known = ", ".join(s.key for s in self.services)
        raise ConfigError(
            f"no service with key {key!r} in the configuration (known: {known})", reason="unknown_service"
        )

    def service_by_index(self, index: int) -> ServiceConfig:
        for service in self.services:
            if service.index == index:
                return service
        raise ConfigError(f"no service with index {index}", reason="unknown_service")

    def service_groups(self) -> tuple[ServiceGroup, ...]:
        """Groups in order of first use; the first one is published under ``dv.entity_id``."""
        explicit = {g.name: g.entity_id for g in self.metadata_groups}
        order: list[str] = []
        for service in self.services:
            if service.metadata_group not in order:
                order.append(service.metadata_group)
        groups = []
        for position, name in enumerate(order):
            entity_id = explicit.get(name) or (self.dv.entity_id if position == 0 else None)
            if entity_id is None:  # validation refuses this; a model built without it may not
                raise ConfigError(f"metadata group {name!r} has no entity_id (add it under [[metadata_groups]])")
            members = tuple(s for s in self.services if s.metadata_group == name)
            groups.append(ServiceGroup(name, entity_id, members))
        return tuple(groups)

    def service_group(self, name: str) -> ServiceGroup:
        for group in self.service_groups():
            if group.name == name:
                return group
        known = ", ".join(g.name for g in self.service_groups())
        raise ConfigError(f"no metadata group {name!r} (known: {known})", reason="unknown_group")

    def protocol_of(self, service: ServiceConfig) -> str:
        """``saml`` or ``oidc``: the service's own choice, else the broker's."""
        return service.protocol or self.broker.protocol

    @property
    def uses_saml(self) -> bool:
        return any(self.protocol_of(s) == "saml" for s in self.services)

    @property
    def uses_oidc(self) -> bool:
        return any(self.protocol_of(s) == "oidc" for s in self.services)

    def relay_state_key(self) -> bytes:
        """Key for protecting RelayState; derived from the signing key when none is configured.

        Derivation keeps a DV from having to manage one more secret while still
        giving every deployment its own key; changing the key changes it too.
        """
        secret = self.state.relay_state_secret
        if secret is not None:
            material = secret.get_secret_value().encode()
        else:
            material = self.keys.signing_key.read_bytes()
        return hmac.new(b"ehkit relay-state v1", material, hashlib.sha256).digest()


def _without_underived_defaults(errors: list[Any]) -> list[Any]:
    """Drop "missing" for a field whose default could not be derived because its source field
    has its own problem (``dv.entity_id`` from a wrong ``dv.oin``): that problem says it all."""
    paths = {format_loc(e.get("loc", ())) for e in errors}
    return [
        e
        for e in errors
        if not (e.get("type") == "missing" and DERIVED_FIELDS.get(format_loc(e.get("loc", ()))) in paths)
    ]


def load_config(path: str | Path, *, check_files: bool = True) -> EhkitConfig:
    """Read and validate ``ehkit.toml``. Raises ConfigError (reason ``config_not_found`` or ``config_invalid``)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
        base = file.resolve().parent
    except FileNotFoundError:
        raise ConfigError(
            f"configuration file not found: {file} (pass the right path with -c, or create one from "
            "ehkit.config.example)",
            reason="config_not_found",
        ) from None
    except (OSError, UnicodeDecodeError, ValueError, RuntimeError) as exc:
        # ValueError: a NUL byte in the path; RuntimeError: a symlink loop in resolve().
        shown = str(file)[:200]
        raise ConfigError(f"cannot read configuration file {shown!r}: {exc}", reason="config_unreadable") from None
    return EhkitConfig.from_toml_text(text, base, check_files=check_files, source=file)


# ------------------------------------------------------------------ the rules


def _names(types: set[IdentifierType]) -> str:
    return ", ".join(sorted(SHORT_NAME_OF[t] for t in types))


def _check(config: EhkitConfig) -> Iterator[ConfigProblem]:
    yield from _check_dv(config)
    yield from _check_keys(config)
    yield from _check_broker(config)
    yield from _check_unique(list(enumerate(config.services)))
    for i, service in enumerate(config.services):
        yield from _check_service(f"services[{i}]", service)
    yield from _check_groups(config)


def _check_dv(config: EhkitConfig) -> Iterator[ConfigProblem]:
    dv = config.dv
    if dv.entity_id.role != "DV":
        yield ConfigProblem(
            "dv.entity_id",
            f"{dv.entity_id} has role {dv.entity_id.role} (a DV EntityID reads urn:etoegang:DV:<oin>:entities:<n>)",
        )
    elif dv.entity_id.oin != dv.oin:
        yield ConfigProblem(
            "dv.entity_id",
            f"carries OIN {dv.entity_id.oin} but dv.oin is {dv.oin} (use urn:etoegang:DV:{dv.oin}:entities:"
            f"{dv.entity_id.index}, or leave entity_id out to derive it)",
        )


def _check_keys(config: EhkitConfig) -> Iterator[ConfigProblem]:
    keys = config.keys
    if (keys.encryption_key is None) != (keys.encryption_cert is None):
        missing = "encryption_cert" if keys.encryption_cert is None else "encryption_key"
        yield ConfigProblem(
            f"keys.{missing}",
            "the encryption key and certificate come as a pair (set both, or neither to use the signing pair)",
        )
    nxt = keys.next
    if nxt is not None and (nxt.encryption_key is None) != (nxt.encryption_cert is None):
        missing = "encryption_cert" if nxt.encryption_cert is None else "encryption_key"
        yield ConfigProblem(
            f"keys.next.{missing}",
            "the next encryption key and certificate come as a pair (set both, or neither)",
        )
    if nxt is not None and nxt.cert == keys.signing_cert:
        yield ConfigProblem("keys.next.cert", "is the same file as keys.signing_cert (point it at the new certificate)")


def _check_broker(config: EhkitConfig) -> Iterator[ConfigProblem]:
    broker = config.broker
    yield from _check_oidc(config)
    saml_parts = (broker.metadata_file, broker.metadata_url, broker.pinned_certs, broker.ca_certs)
    if not config.uses_saml and not any(saml_parts):
        return  # every service logs in over OIDC: the SAML metadata and its trust are not needed
    if (broker.metadata_file is None) == (broker.metadata_url is None):
        yield ConfigProblem(
            "broker.metadata_file",
            "give exactly one of metadata_file and metadata_url (a local copy of the broker's metadata, or "
            "the URL it is published at)",
        )
    if bool(broker.pinned_certs) == bool(broker.ca_certs):
        yield ConfigProblem(
            "broker.pinned_certs",
            "give exactly one way to trust the broker's metadata: pinned_certs (the broker's metadata "
            "signing certificates) or ca_certs (PKIoverheid CA certificates, checked with expected_oin)",
        )
    if broker.expected_oin is not None and not broker.ca_certs:
        yield ConfigProblem("broker.expected_oin", "only applies with ca_certs (remove it, or set ca_certs)")
    if broker.entity_id.oin != broker.oin:
        yield ConfigProblem(
            "broker.oin",
            f"{broker.oin} differs from the OIN in broker.entity_id ({broker.entity_id.oin}) "
            "(leave oin out to derive it, unless the broker told you otherwise)",
        )


def _check_oidc(config: EhkitConfig) -> Iterator[ConfigProblem]:
    broker = config.broker
    oidc_services = [(i, s) for i, s in enumerate(config.services) if config.protocol_of(s) == "oidc"]
    if oidc_services and broker.oidc is None:
        where = "broker.protocol" if broker.protocol == "oidc" else f"services[{oidc_services[0][0]}].protocol"
        yield ConfigProblem(
            where,
            "OIDC needs a [broker.oidc] section (issuer, client_id, redirect_uri, profile, and the client "
            'secret or auth_method = "private_key_jwt"; see docs/oidc.md)',
        )
    for i, service in enumerate(config.services):
        if config.protocol_of(service) != "oidc" and (service.oidc_client_id or service.oidc_authorize_params):
            field = "oidc_client_id" if service.oidc_client_id else "oidc_authorize_params"
            yield ConfigProblem(
                f"services[{i}].{field}",
                'only applies to a service that logs in over OIDC (set protocol = "oidc", or remove it)',
            )
    sso = [i for i, s in enumerate(config.services) if s.sso_support]
    if sso and config.dv.slo_url is None:
        yield ConfigProblem(
            f"services[{sso[0]}].sso_support",
            "a service with single sign-on needs single logout: set dv.slo_url to the SingleLogoutService "
            "address of this DV (e.g. https://.../eherkenning/slo/; see docs/logout.md)",
        )
    if broker.oidc is not None and broker.oidc.redirect_uri in (config.dv.acs_url, config.dv.post_acs_url):
        yield ConfigProblem(
            "broker.oidc.redirect_uri",
            "is the SAML ACS URL; the OIDC callback needs its own path (e.g. .../oidc/callback)",
        )


def _check_unique(services: list[tuple[int, ServiceConfig]]) -> Iterator[ConfigProblem]:
    """Duplicates among (position, service) pairs; positions keep paths right when some services are invalid."""
    for field in ("key", "index"):
        first: dict[Any, int] = {}
        for i, service in services:
            value = getattr(service, field)
            if value in first:
                yield ConfigProblem(
                    f"services[{i}].{field}",
                    f"{value!r} is already used by services[{first[value]}] (every service needs its own {field})",
                )
            else:
                first[value] = i
    seen_uuid: dict[str, str] = {}
    for i, service in services:
        for field in ("uuid", "instance_uuid"):
            value = str(getattr(service, field))
            path = f"services[{i}].{field}"
            if value in seen_uuid:
                yield ConfigProblem(
                    path,
                    f"{value} is already used by {seen_uuid[value]} (every ServiceDefinition and ServiceInstance "
                    "needs its own UUID; make one with python -c 'import uuid; print(uuid.uuid4())')",
                )
            else:
                seen_uuid[value] = path


def partial_problems(data: dict[str, Any], context: dict[str, Any]) -> list[ConfigProblem]:
    """Cross-field problems among the services that are valid on their own.

    Used when other fields failed, so one run still reports a duplicate index
    or a too-low level next to, say, a misspelt field elsewhere.
    """
    raw_services = data.get("services")
    if not isinstance(raw_services, list):
        return []
    dv = data.get("dv") if isinstance(data.get("dv"), dict) else {}
    valid: list[tuple[int, ServiceConfig]] = []
    for i, raw in enumerate(raw_services):
        if not isinstance(raw, dict):
            continue
        if "is_public" not in raw and isinstance(dv.get("is_public"), bool):  # type: ignore[union-attr]
            raw = {**raw, "is_public": dv["is_public"]}  # type: ignore[index]
        try:
            valid.append((i, ServiceConfig.model_validate(raw, context=context)))
        except pydantic.ValidationError:
            continue
    problems = list(_check_unique(valid))
    for i, service in valid:
        problems.extend(_check_service(f"services[{i}]", service))
    return problems


def _check_service(path: str, service: ServiceConfig) -> Iterator[ConfigProblem]:
    types = service.identifier_types
    bsnk = {t for t in types if t.requires_loa3}
    if bsnk and service.loa < LevelOfAssurance.EH3:
        yield ConfigProblem(
            f"{path}.loa",
            f"{service.loa} is too low for {_names(bsnk)} in identifier_sets: services that use BSN or PseudoID "
            'need at least EH3 (set loa = "EH3" or higher, or remove those identifiers)',
        )
    if bsnk:
        for field in ("bsnk_structure_version", "bsnk_recipient_key_set_version"):
            if getattr(service, field) is None:
                yield ConfigProblem(
                    f"{path}.{field}",
                    f"is required because the service uses {_names(bsnk)} (ask your broker for the BSNk version "
                    "numbers, e.g. 1)",
                )
    if service.vestiging_restriction and IdentifierType.KVK not in types:
        yield ConfigProblem(
            f"{path}.vestiging_restriction",
            'the branch (vestiging) restriction only exists for KvK numbers (add "KvKnr" to an identifier '
            "set, or set vestiging_restriction = false)",
        )
    if service.eidas:
        foreign = {t for t in types if t not in EIDAS_IDENTIFIERS}
        if foreign:
            yield ConfigProblem(
                f"{path}.identifier_sets",
                f"an eIDAS service cannot identify foreign users by {_names(foreign)} (use Pseudo, PseudoID or "
                "eIDASLegalIdentifier; keep Dutch identifiers in a separate eHerkenning service)",
            )
    if service.attributes and not service.privacy_url_nl:
        yield ConfigProblem(
            f"{path}.privacy_url_nl",
            "is required because the service requests attributes (link to your privacy statement)",
        )
    if service.sso_support and service.loa >= LevelOfAssurance.EH4:
        yield ConfigProblem(
            f"{path}.sso_support",
            "single sign-on is never allowed at EH4 (set sso_support = false)",
        )
    seen: set[str] = set()
    for j, attribute in enumerate(service.attributes):
        if attribute.urn in seen:
            yield ConfigProblem(f"{path}.attributes[{j}].urn", f"{attribute.urn} is requested twice (remove one)")
        seen.add(attribute.urn)
    if service.bsnk_structure_version is not None and not bsnk:
        yield ConfigProblem(
            f"{path}.bsnk_structure_version",
            "only applies to services using BSN or PseudoID (remove it)",
        )


def _check_groups(config: EhkitConfig) -> Iterator[ConfigProblem]:
    dv = config.dv
    names = Counter(g.name for g in config.metadata_groups)
    for i, group in enumerate(config.metadata_groups):
        if names[group.name] > 1:
            yield ConfigProblem(f"metadata_groups[{i}].name", f"{group.name!r} is declared twice (merge them)")
        if group.entity_id is not None and (group.entity_id.role != "DV" or group.entity_id.oin != dv.oin):
            yield ConfigProblem(
                f"metadata_groups[{i}].entity_id",
                f"{group.entity_id} is not an EntityID of this DV (write urn:etoegang:DV:{dv.oin}:entities:<n>)",
            )
    explicit = {g.name: g.entity_id for g in config.metadata_groups}
    order: list[str] = []
    first_service: dict[str, int] = {}
    for i, service in enumerate(config.services):
        if service.metadata_group not in order:
            order.append(service.metadata_group)
            first_service[service.metadata_group] = i
    used: dict[str, str] = {}
    for position, name in enumerate(order):
        entity_id = explicit.get(name) or (dv.entity_id if position == 0 else None)
        if entity_id is None:
            yield ConfigProblem(
                f"services[{first_service[name]}].metadata_group",
                f"group {name!r} needs its own entity_id because it is published as separate metadata (add "
                f'[[metadata_groups]] name = "{name}" entity_id = "urn:etoegang:DV:{dv.oin}:entities:<n>")',
            )
            continue
        if str(entity_id) in used:
            yield ConfigProblem(
                f"services[{first_service[name]}].metadata_group",
                f"group {name!r} would be published under {entity_id}, which group {used[str(entity_id)]!r} "
                "already uses (give each group its own entity_id in [[metadata_groups]])",
            )
        used[str(entity_id)] = name
    for i, group in enumerate(config.metadata_groups):
        if group.name not in order:
            yield ConfigProblem(
                f"metadata_groups[{i}].name",
                f'no service uses group {group.name!r} (set metadata_group = "{group.name}" on a service, '
                "or remove the group)",
            )
