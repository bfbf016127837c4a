"""The zelfverklaring dienstverlener: a draft per service, filled from the project, and its declarations.

Every broker collects a signed self-declaration per published service
(afsprakenstelsel, "template zelfverklaring dienstverlener"; Signicat asks
for one per service). The draft carries what the workspace knows (the
organisation, KvK, OIN, contact, the service with its identifiers, level and
catalogue status, the chosen broker) and the declarations as a checklist a
project owner confirms one by one. The declaration texts summarise what the
template asks as far as the sources could read it (correct and current
metadata and catalogue data; control of the security risks of the systems and
the link to the broker, with NCSC web-application norms for tested changes,
hardening and patch management); they are not the official wording, which
the broker's own form gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ehkit.workspace.errors import InvalidInput, Problem
from ehkit.workspace.models import DECLARATION_ITEMS, Project, SelfDeclaration, Service, User, utcnow
from ehkit.workspace.schemas import DeclarationIn, parse
from ehkit.workspace.services import step1_group, step2_inventory, step4_broker, step5_connect
from ehkit.workspace.services.audit import Actor, created
from ehkit.workspace.services.common import update

SOURCE = "https://afsprakenstelsel.etoegang.nl/Startpagina/v1/template-zelfverklaring-dienstverlener"
#: The declarations, in Dutch and English (a summary; the broker's form has the binding text).
DECLARATIONS: dict[str, tuple[str, str]] = {
    "data_correct": (
        "De metadata en de gegevens in de dienstencatalogus van deze dienst zijn juist.",
        "The metadata and the service catalogue data of this service are correct.",
    ),
    "data_current": (
        "Wij houden de metadata en catalogusgegevens actueel en melden wijzigingen op tijd aan de makelaar.",
        "We keep the metadata and catalogue data current and report changes to the broker in time.",
    ),
    "security_risks": (
        "Wij beheersen de beveiligingsrisico's van onze systemen en van de koppeling met de makelaar.",
        "We control the security risks of our systems and of the link with the broker.",
    ),
    "tested_changes": (
        "Wijzigingen aan de dienst worden getest voordat ze in productie gaan (NCSC-norm C.08).",
        "Changes to the service are tested before they go into production (NCSC norm C.08).",
    ),
    "hardening": (
        "De systemen zijn gehard volgens een vastgestelde basislijn (NCSC-normen U/PW.07 en U/NW.06).",
        "The systems are hardened to an agreed baseline (NCSC norms U/PW.07 and U/NW.06).",
    ),
    "patch_management": (
        "Beveiligingsupdates worden tijdig geïnstalleerd (patchmanagement).",
        "Security updates are installed in time (patch management).",
    ),
    "key_protection": (
        "De privésleutel van het PKIoverheid-certificaat is beschermd en alleen toegankelijk voor wie hem nodig heeft.",
        "The private key of the PKIoverheid certificate is protected and only accessible to those who need it.",
    ),
    "incident_reporting": (
        "Beveiligingsincidenten die eHerkenning raken melden wij direct aan de makelaar.",
        "We report security incidents that affect eHerkenning to the broker at once.",
    ),
}


@dataclass(frozen=True)
class Declaration:
    item: str
    text_nl: str
    text_en: str
    confirmed: bool
    confirmed_by: str | None
    confirmed_at: datetime | None
    note: str
    version: int | None

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_nl


@dataclass(frozen=True)
class Draft:
    """One service's zelfverklaring, as far as the project can fill it."""

    service: Service
    organisation: str
    trade_name: str
    kvk: str | None
    oin: str
    contact_name: str | None
    contact_email: str | None
    contact_telephone: str | None
    signatory: str | None  # the policy owner of step 1, who signs
    service_id: str  # urn:etoegang:DV:<OIN>:services:<index>
    entity_id: str
    acs_url: str | None
    level: str | None
    broker: str | None
    catalogue_status: str  # ready / missing / problem (from step 5)
    metadata_status: str
    declarations: tuple[Declaration, ...]
    missing: tuple[str, ...]  # draft fields still empty

    @property
    def confirmed(self) -> int:
        return sum(1 for d in self.declarations if d.confirmed)

    @property
    def complete(self) -> bool:
        return not self.missing and self.confirmed == len(self.declarations)


def _rows(session: Session, project: Project) -> dict[tuple[int, str], SelfDeclaration]:
    rows = session.scalars(select(SelfDeclaration).where(SelfDeclaration.project_id == project.id))
    return {(r.service_id, r.item): r for r in rows}


def drafts(session: Session, project: Project, *, statuses: Mapping[str, str] | None = None) -> list[Draft]:
    """A draft per service (eIDAS services included: each is published separately)."""
    if statuses is None:
        artefacts = step5_connect.generate_cached(session, project)
        statuses = {i.item: i.status for i in step5_connect.checklist(session, project, artefacts)}
    s = project.settings
    rows = _rows(session, project)
    users = {u.id: u.display_name for u in session.scalars(select(User))}
    held = step1_group.coverage(session, project)
    signatory = held.get("policy_owner") or []
    chosen = step4_broker.decision(session, project)
    broker_name = None
    if chosen is not None:
        found = step4_broker.brokers(session, project).get(chosen.broker_key)
        broker_name = found.name if found else chosen.broker_key
    out = []
    for svc in step2_inventory.services(session, project):
        index = s.eidas_entity_index if svc.eidas else s.entity_index
        declarations = []
        for item in DECLARATION_ITEMS:
            row = rows.get((svc.id, item))
            nl, en = DECLARATIONS[item]
            declarations.append(
                Declaration(
                    item, nl, en, bool(row and row.confirmed),
                    users.get(row.confirmed_by_id) if row and row.confirmed_by_id else None,
                    row.confirmed_at if row else None, row.note if row else "", row.version if row else None,
                )
            )  # fmt: skip
        draft = Draft(
            svc, project.name, s.contact_company or project.name, project.kvk, project.oin, s.contact_company,
            s.contact_email, s.contact_telephone, signatory[0].name if signatory else None,
            f"urn:etoegang:DV:{project.oin}:services:{svc.index}", f"urn:etoegang:DV:{project.oin}:entities:{index}",
            s.acs_url, svc.loa, broker_name, statuses.get("catalogue", "missing"), statuses.get("metadata", "missing"),
            tuple(declarations), (),
        )  # fmt: skip
        missing = [
            name
            for name, value in (
                ("kvk", draft.kvk), ("contact_email", draft.contact_email), ("signatory", draft.signatory),
                ("acs_url", draft.acs_url), ("level", draft.level), ("broker", draft.broker),
            )
            if not value
        ]  # fmt: skip
        out.append(replace(draft, missing=tuple(missing)))
    return out


def draft(session: Session, project: Project, service_id: int) -> Draft:
    step2_inventory.service(session, project, service_id)  # 404 for another project's service
    return next(d for d in drafts(session, project) if d.service.id == service_id)


def confirm(
    session: Session,
    project: Project,
    service_id: int,
    item: str,
    raw: Mapping[str, Any],
    actor: Actor,
    *,
    version: int | None,
) -> SelfDeclaration:
    """Confirm (or withdraw) one declaration. The web layer lets only project owners do this."""
    target = step2_inventory.service(session, project, service_id)
    if item not in DECLARATION_ITEMS:
        raise InvalidInput([Problem("item", "choice", {"allowed": ", ".join(DECLARATION_ITEMS)})], source="declaration")
    data = parse(DeclarationIn, raw, source="declaration")
    found = _rows(session, project).get((target.id, item))
    stamp = {"confirmed_by_id": actor.user_id, "confirmed_at": utcnow()} if data.confirmed else {
        "confirmed_by_id": None, "confirmed_at": None}  # fmt: skip
    label = f"zelfverklaring {target.key}: {item}"
    if found is None:
        found = SelfDeclaration(
            project_id=project.id, service_id=target.id, item=item, confirmed=data.confirmed, note=data.note, **stamp
        )
        session.add(found)
        created(session, actor, found, project_id=project.id, label=label)
        return found
    values = {"confirmed": data.confirmed, "note": data.note}
    if found.confirmed != data.confirmed:
        values |= stamp
    update(session, actor, found, values, project_id=project.id, label=label, expected_version=version)
    return found


__all__ = ["DECLARATIONS", "SOURCE", "Declaration", "Draft", "confirm", "draft", "drafts"]
