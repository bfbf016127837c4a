"""Claim profiles: where a broker's OpenID Connect front puts the eHerkenning facts.

There is no common eHerkenning claim set: one broker names claims after the
SAML URNs, another uses its own names and puts the login method in
``acr_values``, a Keycloak bridge maps whatever its administrator chose. A
profile says, as data, where the legal subject and its type, the acting
subject's pseudonym, the vestiging, the intermediary and the level are found,
and how the broker's level values map to EH2-EH4. Presets ship as TOML files
in ``ehkit/oidc/presets/``; a DV can define its own in ``ehkit.toml``
(``[broker.oidc.profile]``, optionally ``extends`` a preset).

A claim path is a claim name (``"urn:etoegang:core:LegalSubjectID"``, taken
whole: SAML URNs contain dots) or a list of names for nested claims
(``["aanvrager", "kvk"]``).

The same profile is used in both directions: :meth:`ClaimProfile.read`
(relying party: claims to a :class:`ClaimedIdentity`, values not yet
validated) and :meth:`ClaimProfile.write` (the simulator: a login to claims),
so a profile the simulator can speak is one the relying party can read.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator, model_validator

from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import IdentifierType, identifier_type
from ehkit.errors import ConfigError, LoginRejected, ValidationError
from ehkit.oidc.authorize import PROTECTED_PARAMETERS
from ehkit.oidc.errors import OidcRejected

__all__ = [
    "ClaimPath",
    "ClaimProfile",
    "ClaimedIdentifier",
    "ClaimedIdentity",
    "available_profiles",
    "load_profile",
    "profile_from_table",
]

_PRESET_PACKAGE = "ehkit.oidc.presets"
#: Any claim value ehkit reads as an identifier or restriction is at most this long.
_MAX_VALUE = 1024


# ------------------------------------------------------------------ claim paths


def _path(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        parts: list[Any] = [value]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        raise ValueError(f'a claim path is a claim name or a list of names, got {value!r} (write "acr" or ["a", "b"])')
    if not parts or len(parts) > 8 or not all(isinstance(p, str) and p and len(p) <= 256 for p in parts):
        raise ValueError(f"{value!r} is not a usable claim path (1 to 8 non-empty names)")
    return tuple(parts)


ClaimPath = Annotated[tuple[str, ...], PlainValidator(_path)]


def _get(claims: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = claims
    for name in path:
        if not isinstance(node, Mapping) or name not in node:
            return None
        node = node[name]
    return node


def _set(claims: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = claims
    for name in path[:-1]:
        node = node.setdefault(name, {})
    node[path[-1]] = value


def _shown(path: tuple[str, ...]) -> str:
    return ".".join(path) if len(path) > 1 else path[0]


def _type(value: Any) -> IdentifierType:
    from ehkit.config.types import identifier_urn

    if isinstance(value, IdentifierType):
        return value
    kind = identifier_type(identifier_urn(value))
    if kind is None:  # pragma: no cover - identifier_urn only returns known URNs
        raise ValueError(f"unknown identifier type {value!r}")
    return kind


IdentifierTypeField = Annotated[IdentifierType, PlainValidator(_type)]


# ------------------------------------------------------------------ the model


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdentifierClaim(_Table):
    """An identifier claim: its type is fixed (``type``) or named by another claim (``type_claim``)."""

    claim: ClaimPath
    type: IdentifierTypeField | None = None
    type_claim: ClaimPath | None = None
    default_type: IdentifierTypeField | None = None

    @model_validator(mode="after")
    def _one_type(self) -> IdentifierClaim:
        if (self.type is None) == (self.type_claim is None):
            raise ValueError("give exactly one of type (a fixed identifier type) and type_claim (the claim naming it)")
        if self.default_type is not None and self.type_claim is None:
            raise ValueError("default_type only applies with type_claim")
        return self


def _alternatives(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


class LevelClaim(_Table):
    """Where the level is, and what the broker's values mean.

    ``values`` maps a broker value to EH2, EH2+, EH3 or EH4 (or EH1, which is
    then refused as abolished). With ``accept_urns`` the etoegang URNs
    (``urn:etoegang:core:assurance-class:loa3``) are understood without a
    mapping entry.
    """

    claim: ClaimPath = ("acr",)
    values: dict[str, str] = Field(default_factory=dict)
    accept_urns: bool = True

    @field_validator("values")
    @classmethod
    def _levels(cls, value: dict[str, str]) -> dict[str, str]:
        for broker_value, level in value.items():
            if not broker_value or len(broker_value) > 256:
                raise ValueError(f"{broker_value!r} is not a usable level value")
            try:
                LevelOfAssurance.parse(level)
            except ValidationError as exc:
                if exc.reason != "loa_eh1_refused":
                    raise ValueError(f"{broker_value!r} maps to {level!r}: use EH1, EH2, EH2+, EH3 or EH4") from None
        return value

    def level(self, value: str) -> LevelOfAssurance:
        """The level for a broker value; EH1 raises ``loa_eh1_refused``, an unknown value ``oidc_acr_unknown``."""
        target = self.values.get(value)
        if target is None and self.accept_urns and value.startswith("urn:etoegang:core:assurance-class:"):
            target = value
        if target is None:
            raise OidcRejected(
                f"the level value {value[:100]!r} is not in the claim profile", reason="oidc_acr_unknown"
            )
        try:
            return LevelOfAssurance.parse(target)
        except ValidationError as exc:
            raise LoginRejected(exc.message, reason=exc.reason) from None

    def value_for(self, level: LevelOfAssurance) -> str:
        """What this broker sends for ``level`` (the first mapping entry, else the URN)."""
        for broker_value, target in self.values.items():
            try:
                if LevelOfAssurance.parse(target) is level:
                    return broker_value
            except ValidationError:
                continue
        return level.urn


class AuthorizeParameters(_Table):
    """What the profile adds to the authorization request."""

    scopes: list[str] = Field(default_factory=lambda: ["openid"])
    #: Sent as acr_values: a level URN for some fronts, the login method (``idp:eherkenning``) for others.
    acr_values: str | None = None
    #: ``login`` asks the provider to authenticate again, as SAML's ForceAuthn does.
    prompt: str | None = "login"
    params: dict[str, str] = Field(default_factory=dict)
    #: An authorize parameter that carries the service's ServiceUUID, for brokers that select the service so.
    service_param: str | None = None

    @field_validator("scopes")
    @classmethod
    def _openid(cls, value: list[str]) -> list[str]:
        if "openid" not in value:
            raise ValueError('the scopes must include "openid"')
        if any(not s or " " in s for s in value):
            raise ValueError("a scope is empty or contains a space")
        return value

    @field_validator("params")
    @classmethod
    def _params(cls, value: dict[str, str]) -> dict[str, str]:
        clash = sorted(set(value) & (PROTECTED_PARAMETERS | {"acr_values", "prompt"}))
        if clash:
            raise ValueError(
                f"{', '.join(clash)} cannot be set here (ehkit sets them; acr_values and prompt have their own fields)"
            )
        return value


class ClaimProfile(_Table):
    """One broker front's claims. See the module docstring and docs/oidc.md."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    source: str = ""
    extends: str | None = None
    authorize: AuthorizeParameters = Field(default_factory=AuthorizeParameters)
    legal_subject: Annotated[list[IdentifierClaim], pydantic.BeforeValidator(_alternatives)] = Field(min_length=1)
    acting_subject: Annotated[list[IdentifierClaim], pydantic.BeforeValidator(_alternatives)] = Field(min_length=1)
    additional_identifiers: list[IdentifierClaim] = Field(default_factory=list)
    vestiging: ClaimPath | None = None
    intermediary: ClaimPath | None = None
    intermediary_name: ClaimPath | None = None
    service_uuid: ClaimPath | None = None
    authenticating_authority: ClaimPath | None = None
    level: LevelClaim = Field(default_factory=LevelClaim)
    #: The NL GOV profile makes ``acr`` mandatory in the ID token, also when the level comes from elsewhere.
    require_acr: bool = True
    attributes: dict[str, ClaimPath] = Field(default_factory=dict)
    #: Other claims named ``urn:etoegang:...`` become attributes under that name, as in SAML.
    pass_urn_attributes: bool = False

    @field_validator("attributes")
    @classmethod
    def _attribute_names(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for urn in value:
            if not urn.startswith("urn:etoegang:"):
                raise ValueError(f"{urn!r} is not an eHerkenning attribute URN (write urn:etoegang:...)")
        return value

    # -- reading (relying party)

    def _identity_paths(self) -> set[tuple[str, ...]]:
        paths: set[tuple[str, ...]] = set()
        for c in (*self.legal_subject, *self.acting_subject, *self.additional_identifiers):
            paths.add(c.claim)
            if c.type_claim:
                paths.add(c.type_claim)
        for p in (self.vestiging, self.intermediary, self.intermediary_name, self.service_uuid):
            if p:
                paths.add(p)
        paths.add(self.level.claim)
        return paths

    def read(self, claims: Mapping[str, Any]) -> ClaimedIdentity:
        """The eHerkenning facts in ``claims`` (ID token merged with userinfo), not yet validated.

        Raises with ``legal_subject_missing``, ``acting_subject_missing``,
        ``oidc_acr_missing``, ``oidc_acr_unknown``, ``loa_eh1_refused``,
        ``identifier_type_unknown`` or ``oidc_claim_invalid``.
        """
        if self.require_acr and claims.get("acr") is None:
            raise OidcRejected("the ID token has no acr (the NL GOV profile requires it)", reason="oidc_acr_missing")
        legal = _first(claims, self.legal_subject, "the legal subject", "legal_subject_missing")
        acting = _first(claims, self.acting_subject, "the acting subject", "acting_subject_missing")
        additional = tuple(
            found
            for c in self.additional_identifiers
            if (found := _identifier(claims, c)) is not None and found != legal
        )
        raw_level = _get(claims, self.level.claim)
        if raw_level is None:
            raise OidcRejected(
                f"the claims carry no level of assurance ({_shown(self.level.claim)})", reason="oidc_acr_missing"
            )
        if isinstance(raw_level, bool) or not isinstance(raw_level, (str, int)):
            raise OidcRejected("the level claim is not a string", reason="oidc_claim_invalid")
        level = self.level.level(str(raw_level))
        attributes: dict[str, tuple[str, ...]] = {}
        for urn, path in self.attributes.items():
            values = _text_values(_get(claims, path), urn)
            if values is not None:
                attributes[urn] = values
        if self.pass_urn_attributes:
            used = {p[0] for p in self._identity_paths() if len(p) == 1}
            for name, value in claims.items():
                if name.startswith("urn:etoegang:") and name not in used and name not in attributes:
                    values = _text_values(value, name)
                    if values is not None:
                        attributes[name] = values
        return ClaimedIdentity(
            legal_subject=legal,
            acting_subject=acting,
            additional_identifiers=additional,
            vestigingsnummer=_optional_text(claims, self.vestiging, "vestiging"),
            intermediary_kvk=_optional_text(claims, self.intermediary, "intermediary"),
            intermediary_name=_optional_text(claims, self.intermediary_name, "intermediary name"),
            service_uuid=_optional_text(claims, self.service_uuid, "ServiceUUID"),
            authenticating_authority=_optional_text(claims, self.authenticating_authority, "authenticating authority"),
            loa=level,
            loa_value=str(raw_level),
            attributes=attributes,
        )

    # -- writing (simulator)

    def write(self, identity: ClaimedIdentity) -> dict[str, Any]:
        """Claims as this broker front would send them (without the standard JWT claims)."""
        claims: dict[str, Any] = {}
        _put_identifier(claims, self.legal_subject, identity.legal_subject, "legal subject")
        _put_identifier(claims, self.acting_subject, identity.acting_subject, "acting subject")
        for extra in identity.additional_identifiers:
            fitting = [c for c in self.additional_identifiers if c.type in (None, extra.type)]
            if fitting:
                _put_identifier(claims, fitting, extra, "additional identifier")
        for path, value in (
            (self.vestiging, identity.vestigingsnummer),
            (self.intermediary, identity.intermediary_kvk),
            (self.intermediary_name, identity.intermediary_name),
            (self.service_uuid, identity.service_uuid),
            (self.authenticating_authority, identity.authenticating_authority),
        ):
            if path is not None and value is not None:
                _set(claims, path, value)
        _set(claims, self.level.claim, identity.loa_value or self.level.value_for(identity.loa))
        for urn, values in identity.attributes.items():
            path = self.attributes.get(urn)
            if path is None and self.pass_urn_attributes:
                path = (urn,)
            if path is not None:
                _set(claims, path, values[0] if len(values) == 1 else list(values))
        return claims


@dataclass(frozen=True)
class ClaimedIdentifier:
    type: IdentifierType
    value: str
    #: The type as the broker named it (a URN from a type claim), else the type's URN.
    urn: str


@dataclass(frozen=True)
class ClaimedIdentity:
    """What the claims say, before the SP validates the identifiers with the same rules as for SAML."""

    legal_subject: ClaimedIdentifier
    acting_subject: ClaimedIdentifier
    loa: LevelOfAssurance
    additional_identifiers: tuple[ClaimedIdentifier, ...] = ()
    vestigingsnummer: str | None = None
    intermediary_kvk: str | None = None
    intermediary_name: str | None = None
    service_uuid: str | None = None
    authenticating_authority: str | None = None
    loa_value: str | None = None
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        # A KvK number as a JSON number has lost its leading zero: refuse rather than guess.
        raise OidcRejected(f"{what} is not a string claim", reason="oidc_claim_invalid")
    if not value or len(value) > _MAX_VALUE:
        raise OidcRejected(f"{what} is empty or too long", reason="oidc_claim_invalid")
    return value


def _optional_text(claims: Mapping[str, Any], path: tuple[str, ...] | None, what: str) -> str | None:
    if path is None:
        return None
    value = _get(claims, path)
    return None if value is None else _text(value, what)


def _text_values(value: Any, what: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, list):
        if len(value) > 32:
            raise OidcRejected(f"{what} has too many values", reason="oidc_claim_invalid")
        return tuple(_text(v, what) for v in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (str(value),)
    if isinstance(value, bool):
        return ("true" if value else "false",)
    return (_text(value, what),)


def _identifier(claims: Mapping[str, Any], spec: IdentifierClaim) -> ClaimedIdentifier | None:
    raw = _get(claims, spec.claim)
    if raw is None:
        return None
    value = _text(raw, _shown(spec.claim))
    if spec.type is not None:
        return ClaimedIdentifier(spec.type, value, spec.type.urn)
    type_claim = spec.type_claim or ()
    named = _get(claims, type_claim)
    if named is None:
        if spec.default_type is None:
            raise OidcRejected(
                f"the claims do not say what type {_shown(spec.claim)} is ({_shown(type_claim)} missing)",
                reason="identifier_type_unknown",
            )
        return ClaimedIdentifier(spec.default_type, value, spec.default_type.urn)
    named = _text(named, _shown(type_claim))
    kind = identifier_type(named)
    if kind is not None:
        return ClaimedIdentifier(kind, value, named)
    try:
        kind = _type(named)
    except ValueError:
        raise OidcRejected(f"unknown identifier type {named[:100]!r}", reason="identifier_type_unknown") from None
    return ClaimedIdentifier(kind, value, kind.urn)


def _first(claims: Mapping[str, Any], specs: list[IdentifierClaim], what: str, reason: str) -> ClaimedIdentifier:
    for spec in specs:
        found = _identifier(claims, spec)
        if found is not None:
            return found
    names = ", ".join(_shown(s.claim) for s in specs)
    raise OidcRejected(f"the claims name no {what} ({names})", reason=reason)


def _put_identifier(claims: dict[str, Any], specs: list[IdentifierClaim], ident: ClaimedIdentifier, what: str) -> None:
    for spec in specs:
        if spec.type is ident.type:
            _set(claims, spec.claim, ident.value)
            return
        if spec.type_claim is not None:
            _set(claims, spec.claim, ident.value)
            _set(claims, spec.type_claim, ident.urn)
            return
    raise ValueError(f"this profile has no claim for a {what} of type {ident.type.name}")


# ------------------------------------------------------------------ loading


def _preset_files() -> Iterator[tuple[str, str]]:
    for entry in resources.files(_PRESET_PACKAGE).iterdir():
        if entry.name.endswith(".toml"):
            yield entry.name[: -len(".toml")], entry.read_text(encoding="utf-8")


def available_profiles() -> tuple[str, ...]:
    return tuple(sorted(name for name, _ in _preset_files()))


def _raw_preset(name: str) -> dict[str, Any]:
    for preset, text in _preset_files():
        if preset == name:
            try:
                return tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(
                    f"the packaged claim profile {name} is not TOML: {exc}", reason="oidc_profile_invalid"
                ) from None
    raise ConfigError(
        f"no claim profile {name!r} (presets: {', '.join(available_profiles())}; or define [broker.oidc.profile])",
        reason="oidc_profile_unknown",
    )


def _merged(table: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    base_name = table.get("extends")
    if base_name is None:
        return dict(table)
    if depth > 4 or not isinstance(base_name, str):
        raise ConfigError("claim profiles extend each other too deeply", reason="oidc_profile_invalid")
    base = _merged(_raw_preset(base_name), depth + 1)
    out = dict(base)
    for key, value in table.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict) and key in ("authorize", "level", "attributes"):
            out[key] = {**base[key], **value}
        else:
            out[key] = value
    out["extends"] = base_name
    return out


def profile_from_table(table: Mapping[str, Any], *, where: str = "claim profile") -> ClaimProfile:
    """Validate a profile given as a table (a preset file or ``[broker.oidc.profile]``)."""
    try:
        return ClaimProfile.model_validate(_merged(dict(table)))
    except pydantic.ValidationError as exc:
        from ehkit.config.errors import format_loc

        problems = "; ".join(f"{format_loc(e['loc']) or '(profile)'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{where} is not valid: {problems}", reason="oidc_profile_invalid") from None


_CACHE: dict[str, ClaimProfile] = {}


def load_profile(name: str) -> ClaimProfile:
    """A packaged preset by name, validated (and cached: presets do not change at run time)."""
    profile = _CACHE.get(name)
    if profile is None:
        profile = profile_from_table(_raw_preset(name), where=f"the packaged claim profile {name}")
        _CACHE[name] = profile
    return profile
