"""Step 5, connect and test: ``ehkit.toml``, the catalogue and the SP metadata, built from the inventory.

The configuration is assembled as data and validated by ``ehkit.config``
(the one model every other tool reads); the documents come from
``ehkit.catalogue``'s builders and are checked by its validator with the
broker profiles. Nothing here knows a catalogue rule itself. Problems that
stop the build are reported in workspace terms first (no level yet, no ACS
URL, no keys), each pointing at the page where it is fixed.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ehkit.catalogue import (
    PROFILES,
    Report,
    build_all_sp_metadata,
    build_catalogue,
    validate_catalogue,
    validate_sp_metadata,
)
from ehkit.config import ConfigInvalidError, EhkitConfig
from ehkit.errors import EhkitError
from ehkit.workspace.errors import InvalidInput, Problem
from ehkit.workspace.models import CHECKLIST_ITEMS, ChecklistMark, Project, ProjectSettings, Service, TestRun
from ehkit.workspace.schemas import SettingsIn, parse
from ehkit.workspace.services.audit import Actor, created
from ehkit.workspace.services.common import check_version, update
from ehkit.workspace.services.site import Site
from ehkit.workspace.services.step2_inventory import services
from ehkit.workspace.services.toml_text import to_toml

CHECKLIST = CHECKLIST_ITEMS
SIMULATOR_HM = "urn:etoegang:HM:00000009876543210000:entities:9001"


# ------------------------------------------------------------------ settings


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def check_settings(project: Project, data: SettingsIn, site: Site) -> list[Problem]:
    """Validate the key and broker paths on save: inside the project's key folder, readable, matching, right OIN."""
    from ehkit.pki import KeyPair, certificate_oin, load_certificates

    problems: list[Problem] = []
    folder = site.key_dir(project.slug)
    paths = {
        "signing_key_path": data.signing_key_path, "signing_cert_path": data.signing_cert_path,
        "encryption_key_path": data.encryption_key_path, "encryption_cert_path": data.encryption_cert_path,
        "broker_metadata_file": data.broker_metadata_file,
    } | {f"broker_pinned_certs[{i}]": p for i, p in enumerate(data.broker_pinned_certs)}  # fmt: skip
    usable: dict[str, Path] = {}
    for name, raw in paths.items():
        if raw is None:
            continue
        path = Path(raw)
        if not path.is_absolute():
            problems.append(Problem(name, "path_absolute", {"folder": str(folder)}))
        elif not _inside(path, folder):
            problems.append(Problem(name, "path_outside", {"folder": str(folder)}))
        elif not path.is_file():
            problems.append(Problem(name, "path_missing", {"path": str(path)}))
        else:
            usable[name] = path
    for key_field, cert_field in (
        ("signing_key_path", "signing_cert_path"),
        ("encryption_key_path", "encryption_cert_path"),
    ):
        key_raw, cert_raw = getattr(data, key_field), getattr(data, cert_field)
        if (key_raw is None) != (cert_raw is None):
            problems.append(Problem(cert_field if cert_raw is None else key_field, "pair_incomplete"))
            continue
        if key_field in usable and cert_field in usable:
            try:
                pair = KeyPair.load(usable[key_field], usable[cert_field])
            except EhkitError as exc:
                problems.append(Problem(key_field, "key_unusable", {"detail": exc.message}))
                continue
            oin = certificate_oin(pair.certificate)
            if oin is None or str(oin) != project.oin:
                problems.append(Problem(cert_field, "cert_oin", {"found": str(oin or "-"), "oin": project.oin}))
            if pair.certificate.not_valid_after_utc <= datetime.now(UTC):
                problems.append(
                    Problem(
                        cert_field, "cert_expired", {"date": pair.certificate.not_valid_after_utc.date().isoformat()}
                    )
                )
    for name, path in usable.items():
        if name.startswith("broker_pinned_certs"):
            try:
                load_certificates(path)
            except EhkitError as exc:
                problems.append(Problem(name, "cert_unreadable", {"detail": exc.message}))
    if data.broker_entity_id is not None:
        if (data.broker_metadata_file is None) == (data.broker_metadata_url is None):
            problems.append(Problem("broker_metadata_file", "broker_metadata_one"))
        if not data.broker_pinned_certs:
            problems.append(Problem("broker_pinned_certs", "broker_pinned_needed"))
    return problems


def save_settings(
    session: Session, project: Project, raw: Mapping[str, Any], actor: Actor, site: Site, *, version: int | None
) -> ProjectSettings:
    settings = project.settings
    check_version(settings, version, f"{project.name} settings")
    data = parse(SettingsIn, raw, source="settings")
    problems = check_settings(project, data, site)
    if problems:
        raise InvalidInput(problems, source="settings")
    update(
        session,
        actor,
        settings,
        data.model_dump(),
        project_id=project.id,
        label=f"{project.name} settings",
        expected_version=version,
    )
    return settings


def settings_form(settings: ProjectSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in SettingsIn.model_fields}


def create_test_keys(session: Session, project: Project, actor: Actor, site: Site) -> ProjectSettings:
    """PKIoverheid look-alike keys from the workspace's test CA, for the simulator; no real broker trusts them."""
    from ehkit.pki import TestCA
    from ehkit.util.files import atomic_write

    ca = TestCA.load(site.test_ca_dir) if TestCA.exists(site.test_ca_dir) else TestCA.create("ehkit Workspace Test PKI")
    if not TestCA.exists(site.test_ca_dir):
        site.test_ca_dir.mkdir(parents=True, exist_ok=True)
        ca.save(site.test_ca_dir)
    pair = ca.issue(project.oin, "DV", organisation=project.name[:64])
    folder = site.key_dir(project.slug)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "test-dv.key", pair.private_pem(), mode=0o600)
    atomic_write(folder / "test-dv.crt", pair.certificate_pem())
    values = {"signing_key_path": str(folder / "test-dv.key"), "signing_cert_path": str(folder / "test-dv.crt")}
    update(
        session,
        actor,
        project.settings,
        values,
        project_id=project.id,
        label=f"{project.name} settings",
        expected_version=None,
    )
    return project.settings


def use_simulator_broker(session: Session, project: Project, actor: Actor, site: Site) -> ProjectSettings:
    """Point the configuration at the local broker simulator (its metadata and signing certificate)."""
    from cryptography.hazmat.primitives import serialization

    from ehkit.util.files import atomic_write
    from ehkit.workspace.services.simulator import simulator_keys, simulator_metadata

    keys = simulator_keys(site)
    folder = site.key_dir(project.slug)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "simulator-metadata.xml", simulator_metadata(keys))
    atomic_write(folder / "simulator-signing.crt", keys.hm.certificate.public_bytes(serialization.Encoding.PEM))
    values = {
        "broker_entity_id": SIMULATOR_HM,
        "broker_metadata_file": str(folder / "simulator-metadata.xml"),
        "broker_metadata_url": None,
        "broker_pinned_certs": [str(folder / "simulator-signing.crt")],
    }
    update(
        session,
        actor,
        project.settings,
        values,
        project_id=project.id,
        label=f"{project.name} settings",
        expected_version=None,
    )
    return project.settings


# ------------------------------------------------------------------ the configuration


@dataclass(frozen=True)
class Blocker:
    """Why the configuration cannot be built yet, and where to fix it (``where`` is a page: settings, service)."""

    key: str
    where: str
    service_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)


def _service_entry(found: Service, is_public: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key": found.key, "index": found.index, "uuid": found.uuid, "name_nl": found.name_nl,
        "name_en": found.name_en, "description_nl": found.description_nl, "description_en": found.description_en,
        "description_url": found.description_url, "loa": found.loa,
        "identifier_sets": [list(s) for s in found.identifier_sets],
    }  # fmt: skip
    if found.vestiging_allowed:
        entry["vestiging_restriction"] = True
    if found.intermediation != "noIntermediation":
        entry["intermediation"] = found.intermediation
    if found.eidas:
        entry["eidas"] = True
    for name in ("service_url_nl", "service_url_en", "privacy_url_nl", "privacy_url_en"):
        entry[name] = getattr(found, name)
    if found.bsnk_structure_version is not None:
        entry["bsnk_structure_version"] = found.bsnk_structure_version
    if found.bsnk_recipient_key_set_version is not None:
        entry["bsnk_recipient_key_set_version"] = found.bsnk_recipient_key_set_version
    if found.attributes:
        entry["attributes"] = [dict(a) for a in found.attributes]
    return {k: v for k, v in entry.items() if v is not None}


def config_data(session: Session, project: Project) -> tuple[dict[str, Any], list[Blocker]]:
    """The ``ehkit.toml`` content as data, and what stops it from being complete."""
    s = project.settings
    blockers: list[Blocker] = []
    all_services = services(session, project)
    if not all_services:
        blockers.append(Blocker("no_services", "step2"))
    for found in all_services:
        if found.loa is None:
            blockers.append(Blocker("no_level", "assess", found.id, {"service": found.key}))
    if not s.acs_url:
        blockers.append(Blocker("no_acs_url", "settings"))
    if not s.signing_key_path:
        blockers.append(Blocker("no_keys", "settings"))
    if not s.broker_entity_id:
        blockers.append(Blocker("no_broker", "settings"))
    dv: dict[str, Any] = {
        "oin": project.oin, "entity_index": s.entity_index, "name_nl": project.name,
        "name_en": s.name_en or project.name, "is_public": s.is_public, "acs_url": s.acs_url,
        "organization_url": s.organization_url,
    }  # fmt: skip
    if s.contact_email:
        dv["contact"] = {
            "company": s.contact_company or project.name,
            "email": s.contact_email,
            "telephone": s.contact_telephone,
        }
    keys: dict[str, Any] = {"signing_key": s.signing_key_path, "signing_cert": s.signing_cert_path}
    if s.encryption_key_path:
        keys |= {"encryption_key": s.encryption_key_path, "encryption_cert": s.encryption_cert_path}
    broker = {
        "entity_id": s.broker_entity_id, "metadata_file": s.broker_metadata_file,
        "metadata_url": s.broker_metadata_url, "pinned_certs": list(s.broker_pinned_certs),
    }  # fmt: skip
    data: dict[str, Any] = {
        "dv": dv,
        "keys": keys,
        "broker": broker,
        "state": {"store": "sqlite:///state.db"},
        "catalogue": {"environment": s.catalogue_environment, "sequence": s.catalogue_sequence},
        "services": [_service_entry(f, s.is_public) for f in all_services if f.loa is not None],
    }
    if any(f.eidas for f in all_services):
        data["metadata_groups"] = [
            {"name": "eidas", "entity_id": f"urn:etoegang:DV:{project.oin}:entities:{s.eidas_entity_index}"}
        ]
    return _strip(data), blockers


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@dataclass
class Artefacts:
    toml: str | None = None
    config: EhkitConfig | None = None
    blockers: list[Blocker] = field(default_factory=list)
    config_problems: list[tuple[str, str]] = field(default_factory=list)
    catalogue: bytes | None = None
    metadata: dict[str, bytes] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)
    build_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.config is not None and not self.build_error and all(r.ok for r in self.reports)


def load_generated(data: dict[str, Any], source: str = "ehkit.toml (workspace)") -> EhkitConfig:
    return EhkitConfig.from_dict(data, base_dir=Path("/"), check_files=True, source=source)


def generate(
    session: Session, project: Project, *, at: datetime | None = None, profiles: Sequence[str] | None = None
) -> Artefacts:
    """Build and validate everything step 5 hands to the broker."""
    data, blockers = config_data(session, project)
    result = Artefacts(blockers=blockers)
    try:
        result.toml = to_toml(data, slug=project.slug)
    except (TypeError, ValueError) as exc:  # pragma: no cover - the writer refuses what it cannot express
        result.build_error = str(exc)
        return result
    if blockers:
        return result
    try:
        config = load_generated(data)
    except ConfigInvalidError as exc:
        result.config_problems = [(p.path, p.message) for p in exc.problems]
        return result
    result.config = config
    moment = at or datetime.now(UTC)
    chosen = tuple(profiles) if profiles is not None else tuple(PROFILES)
    try:
        from ehkit.pki import load_certificate

        trusted = [load_certificate(config.keys.signing_pair(moment).cert)]
        result.catalogue = build_catalogue(config, at=moment)
        result.metadata = build_all_sp_metadata(config, moment)
    except EhkitError as exc:
        result.build_error = exc.message
        return result
    result.reports.append(
        validate_catalogue(result.catalogue, profiles=chosen, trusted=trusted, now=moment, source="catalogue.xml")
    )
    for group, document in result.metadata.items():
        result.reports.append(
            validate_sp_metadata(
                document, profiles=chosen, trusted=trusted, catalogue=result.catalogue, now=moment,
                source=f"metadata-{group}.xml",
            )
        )  # fmt: skip
    return result


_CACHE: dict[str, tuple[float, Artefacts]] = {}
_CACHE_LOCK = threading.Lock()
CACHE_SECONDS = 300.0
_CACHE_SIZE = 512


def _fingerprint(data: dict[str, Any], blockers: list[Blocker], profiles: Sequence[str] | None) -> str:
    """Everything the build reads: the configuration data and the files it names (size and mtime)."""
    files = []
    for value in (
        *data.get("keys", {}).values(),
        data.get("broker", {}).get("metadata_file"),
        *data.get("broker", {}).get("pinned_certs", []),
    ):
        if isinstance(value, str):
            try:
                stat = Path(value).stat()
                files.append((value, stat.st_size, stat.st_mtime_ns))
            except OSError:
                files.append((value, -1, -1))
    raw = json.dumps(
        [data, [b.key for b in blockers], files, list(profiles) if profiles is not None else None],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def generate_cached(session: Session, project: Project, *, profiles: Sequence[str] | None = None) -> Artefacts:
    """The dashboard's view of step 5: the same result as :func:`generate`, reused while nothing it reads changed.

    Building and validating signs two documents and runs every rule; a
    portfolio over many projects would otherwise do that for each on every view.
    """
    data, blockers = config_data(session, project)
    key = _fingerprint(data, blockers, profiles)
    now = time.monotonic()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    result = generate(session, project, profiles=profiles)
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = (now, result)
    return result


# ------------------------------------------------------------------ what the broker needs


@dataclass(frozen=True)
class ChecklistItem:
    item: str
    status: str  # ready, missing, problem
    detail_key: str
    params: dict[str, Any]
    delivered: bool
    note: str
    version: int | None


def _cert_status(project: Project) -> tuple[str, str, dict[str, Any]]:
    from ehkit.pki import certificate_oin, describe_name, load_certificate

    path = project.settings.signing_cert_path
    if not path:
        return "missing", "cl_cert_missing", {}
    try:
        cert = load_certificate(path)
    except (EhkitError, OSError):
        return "problem", "cl_cert_unreadable", {"path": path}
    oin = certificate_oin(cert)
    if oin is None or str(oin) != project.oin:
        return "problem", "cl_cert_oin", {"found": str(oin or "-"), "oin": project.oin}
    expires = cert.not_valid_after_utc
    if expires <= datetime.now(UTC):
        return "problem", "cl_cert_expired", {"date": expires.date().isoformat()}
    issuer = describe_name(cert.issuer)
    if "ehkit" in issuer.lower():
        return "problem", "cl_cert_test", {"issuer": issuer}
    if expires <= datetime.now(UTC) + timedelta(days=60):
        return "ready", "cl_cert_expiring", {"date": expires.date().isoformat()}
    return "ready", "cl_cert_ok", {"date": expires.date().isoformat()}


def checklist_marks(session: Session, project: Project) -> list[ChecklistMark]:
    found = session.scalars(select(ChecklistMark).where(ChecklistMark.project_id == project.id))
    return sorted(found, key=lambda m: CHECKLIST.index(m.item))


def checklist(session: Session, project: Project, artefacts: Artefacts) -> list[ChecklistItem]:
    marks = {m.item: m for m in checklist_marks(session, project)}
    all_services = services(session, project)
    statuses: dict[str, tuple[str, str, dict[str, Any]]] = {"oin": ("ready", "cl_oin_ok", {"oin": project.oin})}
    statuses["certificate"] = _cert_status(project)
    reports = {r.source: r for r in artefacts.reports}
    cat = reports.get("catalogue.xml")
    if cat is None:
        statuses["catalogue"] = ("missing", "cl_not_built", {})
    else:
        statuses["catalogue"] = (
            ("ready", "cl_valid", {}) if cat.ok else ("problem", "cl_errors", {"count": len(cat.errors)})
        )
    meta = [r for name, r in reports.items() if name.startswith("metadata-")]
    if not meta:
        statuses["metadata"] = ("missing", "cl_not_built", {})
    else:
        errors = sum(len(r.errors) for r in meta)
        statuses["metadata"] = ("ready", "cl_valid", {}) if not errors else ("problem", "cl_errors", {"count": errors})
    no_privacy = [f.key for f in all_services if not f.privacy_url_nl]
    statuses["privacy_url"] = (
        ("ready", "cl_privacy_ok", {}) if all_services and not no_privacy
        else ("missing", "cl_privacy_missing", {"services": ", ".join(no_privacy) or "-"})
    )  # fmt: skip
    with_attrs = [f for f in all_services if f.attributes]
    incomplete = [
        f.key for f in with_attrs if any(not a.get("purpose_nl") or not a.get("purpose_en") for a in f.attributes)
    ]
    if not with_attrs:
        statuses["purpose_statements"] = ("ready", "cl_purpose_none", {})
    elif incomplete:
        statuses["purpose_statements"] = ("missing", "cl_purpose_missing", {"services": ", ".join(incomplete)})
    else:
        statuses["purpose_statements"] = (
            "ready",
            "cl_purpose_ok",
            {"count": sum(len(f.attributes) for f in with_attrs)},
        )
    items = []
    for name in CHECKLIST:
        status, key, params = statuses[name]
        mark = marks.get(name)
        items.append(
            ChecklistItem(
                name,
                status,
                key,
                params,
                bool(mark and mark.delivered),
                mark.note if mark else "",
                mark.version if mark else None,
            )
        )
    return items


def mark_delivered(
    session: Session, project: Project, item: str, delivered: bool, note: str, actor: Actor, *, version: int | None
) -> ChecklistMark:
    if item not in CHECKLIST:
        raise InvalidInput([Problem("item", "choice", {"allowed": ", ".join(CHECKLIST)})], source="checklist")
    if len(note) > 2000:
        raise InvalidInput([Problem("note", "too_long", {"length": len(note), "max": 2000})], source="checklist")
    mark = session.scalar(
        select(ChecklistMark).where(ChecklistMark.project_id == project.id, ChecklistMark.item == item)
    )
    if mark is None:
        mark = ChecklistMark(project_id=project.id, item=item, delivered=delivered, note=note.strip())
        session.add(mark)
        created(session, actor, mark, project_id=project.id, label=f"checklist {item}")
        return mark
    update(
        session, actor, mark, {"delivered": delivered, "note": note.strip()}, project_id=project.id,
        label=f"checklist {item}", expected_version=version,
    )  # fmt: skip
    return mark


def last_run(session: Session, project: Project, kind: str = "simulator") -> TestRun | None:
    return session.scalar(
        select(TestRun)
        .where(TestRun.project_id == project.id, TestRun.kind == kind)
        .order_by(TestRun.id.desc())
        .limit(1)
    )


def runs(session: Session, project: Project, kind: str = "simulator", limit: int = 10) -> list[TestRun]:
    return list(
        session.scalars(
            select(TestRun)
            .where(TestRun.project_id == project.id, TestRun.kind == kind)
            .order_by(TestRun.id.desc())
            .limit(limit)
        )
    )
