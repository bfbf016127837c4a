"""What changed between two catalogues, per service, and which changes brokers treat as breaking.

Brokers register entitlements against the ServiceUUID and route on the
ServiceID index; the machtigingenregisters hold authorisations per service and
level. Changing those, raising the level, changing the identifier sets or
replacing the encryption certificate without overlap invalidates what users
and brokers already set up, so such a change needs a plan, not just a new file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from ehkit.catalogue.model import CatalogueDocument, ServiceView, read_catalogue
from ehkit.catalogue.rules.common import loa_of

Status = Literal["added", "removed", "changed", "unchanged"]


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any
    breaking: bool = False
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new, "breaking": self.breaking, "note": self.note}


@dataclass
class ServiceDiff:
    key: str
    status: Status
    service_id: str | None
    name: str | None
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        return self.status == "removed" or any(c.breaking for c in self.changes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "status": self.status,
            "service_id": self.service_id,
            "name": self.name,
            "breaking": self.breaking,
            "changes": [c.as_dict() for c in self.changes],
        }


@dataclass
class CatalogueDiff:
    catalogue: list[Change]
    services: list[ServiceDiff]

    @property
    def changed(self) -> bool:
        return bool(self.catalogue) or any(s.status != "unchanged" for s in self.services)

    @property
    def breaking(self) -> bool:
        return any(c.breaking for c in self.catalogue) or any(s.breaking for s in self.services)

    def as_dict(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "breaking": self.breaking,
            "catalogue": [c.as_dict() for c in self.catalogue],
            "services": [s.as_dict() for s in self.services],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)


# ------------------------------------------------------------------ comparison


def _ecta(view: ServiceView) -> list[list[str]]:
    if view.definition is None:
        return []
    return [sorted(s) for s in view.definition.ecta_sets().values()]


def _attributes(view: ServiceView) -> dict[str, dict[str, Any]]:
    if view.definition is None:
        return {}
    return {a.name: {"required": a.required, "purpose": a.purposes.as_dict()} for a in view.definition.attributes}


def _fingerprints(view: ServiceView) -> list[str]:
    return sorted(c.fingerprint or (c.key_name or "?") for c in view.instance.certificates)


def _plain(view: ServiceView) -> dict[str, Any]:
    """Fields compared as values, with no special breaking semantics."""
    d, i = view.definition, view.instance
    return {
        "names": d.names.as_dict() if d else None,
        "descriptions": d.descriptions.as_dict() if d else None,
        "description_urls": d.description_urls.as_dict() if d else None,
        "service_urls": i.service_urls.as_dict(),
        "privacy_urls": i.privacy_urls.as_dict(),
        "restrictions": sorted(d.restrictions) if d else None,
        "acting_subject_types": sorted(d.asta) if d else None,
        "classifiers": sorted(i.classifiers),
        "intermediation": i.intermediation,
        "sso_support": i.sso,
        "is_public": i.is_public,
        "is_portal": d.is_portal if d else None,
        "broker": i.hm_id,
        "bsnk_structure_version": i.bsnk_structure,
        "bsnk_recipient_key_set_version": i.bsnk_key_set,
    }


def _compare(old: ServiceView, new: ServiceView) -> list[Change]:
    changes: list[Change] = []
    old_uuid = old.definition.uuid if old.definition else None
    new_uuid = new.definition.uuid if new.definition else None
    if old_uuid != new_uuid:
        changes.append(
            Change(
                "service_uuid",
                old_uuid,
                new_uuid,
                True,
                "entitlements are registered against the ServiceUUID; users must be re-authorised",
            )
        )
    if old.instance.uuid != new.instance.uuid:
        changes.append(
            Change(
                "instance_uuid",
                old.instance.uuid,
                new.instance.uuid,
                True,
                "the broker knows the instance by this UUID",
            )
        )
    if old.instance.service_id != new.instance.service_id:
        changes.append(
            Change(
                "service_id",
                old.instance.service_id,
                new.instance.service_id,
                True,
                "the AttributeConsumingServiceIndex in requests and metadata must change with it",
            )
        )

    old_loa = loa_of(old.definition.loa if old.definition else None)
    new_loa = loa_of(new.definition.loa if new.definition else None)
    old_raw = old.definition.loa if old.definition else None
    new_raw = new.definition.loa if new.definition else None
    if old_raw != new_raw:
        if old_loa is not None and new_loa is not None and new_loa > old_loa:
            changes.append(
                Change(
                    "loa",
                    old_loa.label,
                    new_loa.label,
                    True,
                    "level raised: users whose means or authorisation is below it can no longer log in",
                )
            )
        elif old_loa is not None and new_loa is not None:
            changes.append(Change("loa", old_loa.label, new_loa.label, False, "level lowered"))
        else:
            changes.append(Change("loa", old_raw, new_raw, True, "level changed"))

    if _ecta(old) != _ecta(new):
        changes.append(
            Change(
                "identifier_sets",
                _ecta(old),
                _ecta(new),
                True,
                "brokers and registers deliver identifiers per set; logins may fail until all adjust",
            )
        )

    old_attrs, new_attrs = _attributes(old), _attributes(new)
    for name in sorted(set(old_attrs) | set(new_attrs)):
        if name not in new_attrs:
            changes.append(Change(f"attribute {name}", old_attrs[name], None, False, "attribute no longer requested"))
        elif name not in old_attrs:
            changes.append(Change(f"attribute {name}", None, new_attrs[name], False, "attribute newly requested"))
        elif old_attrs[name] != new_attrs[name]:
            changes.append(Change(f"attribute {name}", old_attrs[name], new_attrs[name], False))

    old_plain, new_plain = _plain(old), _plain(new)
    for key in old_plain:
        if old_plain[key] != new_plain[key]:
            changes.append(Change(key, old_plain[key], new_plain[key]))

    old_certs, new_certs = _fingerprints(old), _fingerprints(new)
    if old_certs != new_certs:
        overlap = set(old_certs) & set(new_certs)
        if overlap or not old_certs:
            changes.append(
                Change(
                    "certificates", old_certs, new_certs, False, "certificate set changed with overlap (rollover step)"
                )
            )
        else:
            changes.append(
                Change(
                    "certificates",
                    old_certs,
                    new_certs,
                    True,
                    "certificate replaced without overlap: publish the next certificate next to the "
                    "current one first (ehkit catalogue rollover)",
                )
            )
    return changes


def _name(view: ServiceView) -> str | None:
    if view.definition is None:
        return None
    return view.definition.names.get("nl") or view.definition.names.get("en")


def diff_documents(old: CatalogueDocument, new: CatalogueDocument) -> CatalogueDiff:
    catalogue: list[Change] = []
    if old.version != new.version:
        catalogue.append(Change("version", old.version, new.version))
    old_oins = [p.oin for p in old.providers]
    new_oins = [p.oin for p in new.providers]
    if old_oins != new_oins:
        catalogue.append(Change("service_provider_id", old_oins, new_oins, True, "a different DV"))
    old_names = [p.display_names.as_dict() for p in old.providers]
    new_names = [p.display_names.as_dict() for p in new.providers]
    if old_names != new_names:
        catalogue.append(Change("organization_display_name", old_names, new_names))

    old_views, new_views = old.services(), new.services()
    by_uuid = {v.definition.uuid: v for v in new_views if v.definition and v.definition.uuid}
    matched: dict[int, ServiceView] = {}
    used: set[int] = set()
    for i, view in enumerate(old_views):
        uuid = view.definition.uuid if view.definition else None
        candidate = by_uuid.get(uuid) if uuid else None
        if candidate is not None and id(candidate) not in used:
            matched[i] = candidate
            used.add(id(candidate))
    for i, view in enumerate(old_views):
        if i in matched:
            continue
        for candidate in new_views:
            if id(candidate) not in used and candidate.instance.service_id == view.instance.service_id:
                matched[i] = candidate
                used.add(id(candidate))
                break

    services: list[ServiceDiff] = []
    for i, view in enumerate(old_views):
        if i not in matched:
            services.append(
                ServiceDiff(
                    view.key,
                    "removed",
                    view.instance.service_id,
                    _name(view),
                    [
                        Change(
                            "service",
                            view.instance.service_id,
                            None,
                            True,
                            "service removed: its ServiceUUID disappears with its entitlements",
                        )
                    ],
                )
            )
            continue
        new_view = matched[i]
        changes = _compare(view, new_view)
        services.append(
            ServiceDiff(
                new_view.key,
                "changed" if changes else "unchanged",
                new_view.instance.service_id,
                _name(new_view),
                changes,
            )
        )
    for view in new_views:
        if id(view) not in used:
            services.append(ServiceDiff(view.key, "added", view.instance.service_id, _name(view)))
    return CatalogueDiff(catalogue, services)


def diff_catalogues(old: bytes, new: bytes) -> CatalogueDiff:
    """Compare two catalogue documents (bytes as read from files)."""
    return diff_documents(read_catalogue(old), read_catalogue(new))
