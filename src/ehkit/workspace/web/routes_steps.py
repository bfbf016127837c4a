"""The step pages: 1 project group, 2 inventory, 3 level of assurance, 5 connect and test."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ehkit.catalogue import PROFILES
from ehkit.domain.urns import ATTRIBUTES
from ehkit.workspace.errors import InvalidInput
from ehkit.workspace.models import (
    AUDIENCES,
    CHANGE_STATUSES,
    CHANNELS,
    CONNECTION_ROLES,
    INTERMEDIATION,
    QUESTION_STATUSES,
    RACI_LETTERS,
    STEPS,
    GroupMember,
)
from ehkit.workspace.schemas import IDENTIFIER_TYPES
from ehkit.workspace.services import (
    conformance_runs,
    simulator,
    step1_group,
    step2_inventory,
    step3_assurance,
    step5_connect,
)
from ehkit.workspace.web.context import Ctx, error_page, path_int, view

# ------------------------------------------------------------------ step 1

MEMBER_FIELDS = ("name", "email", "organisation", "notes")


def _member_values(ctx: Ctx) -> dict[str, Any]:
    values: dict[str, Any] = {f: ctx.value(f) for f in MEMBER_FIELDS}
    values["roles"] = ctx.values("roles")
    values["raci"] = {step: ctx.value(f"raci_{step}") for step in STEPS}
    return values


def _step1(ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    p = ctx.p
    extra.setdefault("values", {"roles": [], "raci": {}})
    extra.setdefault("errors", {})
    extra.setdefault("summary", [])
    return ctx.render(
        "step1.html", status=status, members=step1_group.members(ctx.db, p), matrix=step1_group.raci_matrix(ctx.db, p),
        role_gaps=step1_group.role_gaps(ctx.db, p), raci_gaps=step1_group.raci_gaps(ctx.db, p),
        coverage=step1_group.coverage(ctx.db, p), connection_roles=CONNECTION_ROLES, letters=RACI_LETTERS,
        steps=STEPS, **extra,
    )  # fmt: skip


@view(need="viewer", write=True)
async def step1(ctx: Ctx) -> Response:
    if ctx.request.method == "POST":
        values = _member_values(ctx)
        try:
            step1_group.add_member(ctx.db, ctx.p, values, ctx.actor)
        except InvalidInput as exc:
            return _step1(ctx, 400, values=values, errors=ctx.errors(exc), summary=ctx.error_summary(exc))
        return ctx.redirect(ctx.purl("/step1"), "saved")
    return _step1(ctx)


@view(need="viewer", write=True)
async def member_edit(ctx: Ctx) -> Response:
    found = step1_group.member(ctx.db, ctx.p, path_int(ctx.request, "member_id"))
    values: dict[str, Any] = {
        "name": found.name, "email": found.email or "", "organisation": found.organisation or "", "notes": found.notes,
        "roles": list(found.roles), "raci": {int(k): v for k, v in step1_group.raci_of(ctx.db, found).items()},
    }  # fmt: skip
    errors: dict[str, list[str]] = {}
    summary: list[tuple[str, str, str]] = []
    if ctx.request.method == "POST":
        try:
            if ctx.value("delete") == "1":
                step1_group.delete_member(ctx.db, ctx.p, found.id, ctx.actor, version=ctx.version())
                return ctx.redirect(ctx.purl("/step1"), "deleted")
            values = _member_values(ctx)
            step1_group.update_member(ctx.db, ctx.p, found.id, values, ctx.actor, version=ctx.version())
        except InvalidInput as exc:
            errors, summary = ctx.errors(exc), ctx.error_summary(exc)
            values["raci"] = {int(k): v for k, v in values["raci"].items()}
            return ctx.render("member_edit.html", status=400, member=found, values=values, errors=errors, summary=summary,
                              connection_roles=CONNECTION_ROLES, letters=RACI_LETTERS, steps=STEPS)  # fmt: skip
        return ctx.redirect(ctx.purl("/step1"), "saved")
    return ctx.render("member_edit.html", member=found, values=values, errors=errors, summary=summary,
                      connection_roles=CONNECTION_ROLES, letters=RACI_LETTERS, steps=STEPS)  # fmt: skip


# ------------------------------------------------------------------ step 2

SERVICE_TEXT = (
    "key", "index", "name_nl", "name_en", "description_nl", "description_en", "description_url", "channel", "audience",
    "backoffice_system", "backoffice_process", "data_needed", "intermediation", "eidas_for", "service_url_nl",
    "service_url_en", "privacy_url_nl", "privacy_url_en", "bsnk_structure_version", "bsnk_recipient_key_set_version",
)  # fmt: skip
SERVICE_BOOL = ("vestiging_allowed", "eidas", "eidas_wanted")


def _service_values(ctx: Ctx) -> dict[str, Any]:
    values: dict[str, Any] = {f: ctx.value(f) for f in SERVICE_TEXT}
    for name in SERVICE_BOOL:
        values[name] = ctx.value(name) == "on"
    values["identifier_sets"] = [ctx.values("ids1"), ctx.values("ids2")]
    attributes = []
    count = int(ctx.value("attr_count") or "0") if ctx.value("attr_count").isdigit() else 0
    for i in range(min(count, 20)):
        urn = ctx.value(f"attr_{i}_urn")
        if urn:
            attributes.append({
                "urn": urn, "required": ctx.value(f"attr_{i}_required") == "on",
                "purpose_nl": ctx.value(f"attr_{i}_purpose_nl"), "purpose_en": ctx.value(f"attr_{i}_purpose_en"),
            })  # fmt: skip
    values["attributes"] = attributes
    return values


def _service_page(ctx: Ctx, found: Any, values: dict[str, Any], status: int = 200, **extra: Any) -> Response:
    all_services = step2_inventory.services(ctx.db, ctx.p)
    companion = step2_inventory.eidas_companion(ctx.db, ctx.p, found) if found is not None else None
    extra.setdefault("errors", {})
    extra.setdefault("summary", [])
    return ctx.render(
        "service_edit.html", status=status, service=found, values=values, channels=CHANNELS,
        intermediation=INTERMEDIATION, identifier_types=IDENTIFIER_TYPES, attribute_urns=sorted(ATTRIBUTES),
        others=[s for s in all_services if found is None or s.id != found.id], companion=companion,
        members=step1_group.members(ctx.db, ctx.p), change_statuses=CHANGE_STATUSES, **extra,
    )  # fmt: skip


def _form_values(found: Any) -> dict[str, Any]:
    values = step2_inventory.service_form(found)
    sets = values["identifier_sets"]
    values["identifier_sets"] = [sets[0] if sets else [], sets[1] if len(sets) > 1 else []]
    return values


@view(need="viewer")
async def step2(ctx: Ctx) -> Response:
    p = ctx.p
    all_services = step2_inventory.services(ctx.db, p)
    return ctx.render(
        "step2.html", services=all_services, gaps={s.id: step2_inventory.gaps(s) for s in all_services},
        questions=step2_inventory.questions(ctx.db, p), members={m.id: m for m in step1_group.members(ctx.db, p)},
        by_id={s.id: s for s in all_services}, audiences=AUDIENCES, question_statuses=QUESTION_STATUSES,
        values={}, errors={}, summary=[],
    )  # fmt: skip


@view(need="editor")
async def service_new(ctx: Ctx) -> Response:
    if ctx.request.method == "POST":
        values = _service_values(ctx)
        try:
            found = step2_inventory.create_service(ctx.db, ctx.p, values, ctx.actor)
            ctx.db.flush()
        except InvalidInput as exc:
            return _service_page(ctx, None, values, 400, errors=ctx.errors(exc), summary=ctx.error_summary(exc))
        return ctx.redirect(ctx.purl(f"/services/{found.id}"), "saved")
    values = {"index": step2_inventory.next_index(ctx.db, ctx.p), "identifier_sets": [["KvKnr"], []], "channel": "web",
              "intermediation": "noIntermediation", "attributes": []}  # fmt: skip
    return _service_page(ctx, None, values)


@view(need="viewer", write=True)
async def service_edit(ctx: Ctx) -> Response:
    found = step2_inventory.service(ctx.db, ctx.p, path_int(ctx.request, "service_id"))
    if ctx.request.method == "POST":
        try:
            if ctx.value("delete") == "1":
                step2_inventory.delete_service(ctx.db, ctx.p, found.id, ctx.actor, version=ctx.version())
                return ctx.redirect(ctx.purl("/step2"), "deleted")
            if ctx.value("eidas_companion") == "1":
                companion = step2_inventory.add_eidas_companion(ctx.db, ctx.p, found.id, ctx.actor)
                ctx.db.flush()
                return ctx.redirect(ctx.purl(f"/services/{companion.id}"), "saved")
            values = _service_values(ctx)
            step2_inventory.update_service(ctx.db, ctx.p, found.id, values, ctx.actor, version=ctx.version())
        except InvalidInput as exc:
            values = _service_values(ctx)
            return _service_page(ctx, found, values, 400, errors=ctx.errors(exc), summary=ctx.error_summary(exc))
        return ctx.redirect(ctx.purl(f"/services/{found.id}"), "saved")
    values = _form_values(found)
    eidas_for = ctx.db.get(type(found), found.eidas_for_id) if found.eidas_for_id else None
    values["eidas_for"] = eidas_for.key if eidas_for else ""
    return _service_page(ctx, found, values)


@view(need="editor")
async def change_add(ctx: Ctx) -> Response:
    found = step2_inventory.service(ctx.db, ctx.p, path_int(ctx.request, "service_id"))
    raw = {"title": ctx.value("title"), "owner": ctx.value("owner"), "status": ctx.value("status") or "todo"}
    try:
        step2_inventory.add_change(ctx.db, ctx.p, found.id, raw, ctx.actor)
    except InvalidInput as exc:
        values = _form_values(found)
        return _service_page(
            ctx, found, values, 400, errors=ctx.errors(exc), summary=ctx.error_summary(exc), change_values=raw
        )
    return ctx.redirect(ctx.purl(f"/services/{found.id}#changes"), "saved")


@view(need="editor")
async def change_edit(ctx: Ctx) -> Response:
    found = step2_inventory.change(ctx.db, ctx.p, path_int(ctx.request, "change_id"))
    target = found.service_id
    if ctx.value("delete") == "1":
        step2_inventory.delete_change(ctx.db, ctx.p, found.id, ctx.actor, version=ctx.version())
        return ctx.redirect(ctx.purl(f"/services/{target}#changes"), "deleted")
    raw = {"title": ctx.value("title"), "owner": ctx.value("owner"), "status": ctx.value("status")}
    step2_inventory.update_change(ctx.db, ctx.p, found.id, raw, ctx.actor, version=ctx.version())
    return ctx.redirect(ctx.purl(f"/services/{target}#changes"), "saved")


QUESTION_FIELDS = ("question", "audience", "service", "owner", "status", "notes")


@view(need="editor")
async def question_add(ctx: Ctx) -> Response:
    raw = {f: ctx.value(f) for f in QUESTION_FIELDS}
    raw["status"] = raw["status"] or "open"
    try:
        step2_inventory.add_question(ctx.db, ctx.p, raw, ctx.actor)
    except InvalidInput as exc:
        p = ctx.p
        all_services = step2_inventory.services(ctx.db, p)
        return ctx.render(
            "step2.html", status=400, services=all_services, gaps={s.id: step2_inventory.gaps(s) for s in all_services},
            questions=step2_inventory.questions(ctx.db, p), members={m.id: m for m in step1_group.members(ctx.db, p)},
            by_id={s.id: s for s in all_services}, audiences=AUDIENCES, question_statuses=QUESTION_STATUSES,
            values=raw, errors=ctx.errors(exc), summary=ctx.error_summary(exc),
        )  # fmt: skip
    return ctx.redirect(ctx.purl("/step2#questions"), "saved")


@view(need="editor")
async def question_edit(ctx: Ctx) -> Response:
    found = step2_inventory.question(ctx.db, ctx.p, path_int(ctx.request, "question_id"))
    if ctx.value("delete") == "1":
        step2_inventory.delete_question(ctx.db, ctx.p, found.id, ctx.actor, version=ctx.version())
        return ctx.redirect(ctx.purl("/step2#questions"), "deleted")
    service = (
        ctx.db.get(type(step2_inventory.services(ctx.db, ctx.p)[0]), found.service_id) if found.service_id else None
    )
    owner = ctx.db.get(GroupMember, found.owner_id) if found.owner_id else None
    raw = {"question": found.question, "audience": found.audience, "service": service.key if service else None,
           "owner": owner.name if owner else None, "status": ctx.value("status"), "notes": found.notes}  # fmt: skip
    step2_inventory.update_question(ctx.db, ctx.p, found.id, raw, ctx.actor, version=ctx.version())
    return ctx.redirect(ctx.purl("/step2#questions"), "saved")


# ------------------------------------------------------------------ step 3


@view(need="viewer")
async def step3(ctx: Ctx) -> Response:
    all_services = step2_inventory.services(ctx.db, ctx.p)
    companions = {s.id: step2_inventory.eidas_companion(ctx.db, ctx.p, s) for s in all_services}
    current = {s.id: step3_assurance.is_current(s) for s in all_services}
    return ctx.render("step3.html", services=all_services, companions=companions, current=current)


def _questions(ctx: Ctx) -> list[dict[str, Any]]:
    rules = step3_assurance.ruleset()
    out = []
    for q in rules.questions:
        conditions = []
        for dep, allowed in q.when.items():
            dq = rules.question(dep)
            labels = [a.label.get(ctx.lang) for a in dq.answers if a.value in allowed]  # type: ignore[arg-type]
            conditions.append(f"{dq.text.get(ctx.lang)} = {' / '.join(labels)}")  # type: ignore[arg-type]
        out.append({
            "id": q.id, "text": q.text.get(ctx.lang), "type": q.type, "required": q.required, "default": q.default,  # type: ignore[arg-type]
            "answers": [(a.value, a.label.get(ctx.lang)) for a in q.answers], "condition": "; ".join(conditions),  # type: ignore[arg-type]
        })  # fmt: skip
    return out


@view(need="viewer", write=True)
async def assess(ctx: Ctx) -> Response:
    found = step2_inventory.service(ctx.db, ctx.p, path_int(ctx.request, "service_id"))
    answers: dict[str, Any] = dict(found.loa_answers)
    justification = found.loa_justification
    change = None
    errors: dict[str, list[str]] = {}
    summary: list[tuple[str, str, str]] = []
    status = 200
    if ctx.request.method == "POST":
        answers = {q.id: ctx.value(f"q_{q.id}") for q in step3_assurance.ruleset().questions}
        justification = ctx.value("justification")
        try:
            if ctx.value("action") == "save":
                change = step3_assurance.save_assessment(
                    ctx.db, ctx.p, found.id, answers, justification, ctx.actor, version=ctx.version()
                )
                return ctx.redirect(ctx.purl(f"/services/{found.id}/assess"), "level_saved")
            change = step3_assurance.preview(ctx.db, ctx.p, found.id, answers)
            ctx.failed = True  # a preview changes nothing
        except InvalidInput as exc:
            errors, summary, status = ctx.errors(exc), ctx.error_summary(exc), 400
    return ctx.render(
        "assess.html", status=status, service=found, questions=_questions(ctx), answers=answers,
        justification=justification, change=change, errors=errors, summary=summary,
        current=step3_assurance.is_current(found),
    )  # fmt: skip


# ------------------------------------------------------------------ step 5


def _profiles(ctx: Ctx) -> tuple[str, ...]:
    chosen = [p for p in ctx.request.query_params.getlist("profile") if p in PROFILES]
    if "profiles" in ctx.request.query_params and not chosen:
        return ()
    return tuple(chosen) if chosen else tuple(PROFILES)


async def _step5(ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    profiles = _profiles(ctx)
    artefacts = await run_in_threadpool(step5_connect.generate, ctx.db, ctx.p, profiles=profiles)
    settings = ctx.p.settings
    extra.setdefault("values", step5_connect.settings_form(settings))
    extra.setdefault("errors", {})
    extra.setdefault("summary", [])
    extra.setdefault("conf_values", conformance_runs.target_form(conformance_runs.target(ctx.db, ctx.p)))
    extra.setdefault("conf_errors", {})
    return ctx.render(
        "step5.html", conf_runs=conformance_runs.runs(ctx.db, ctx.p), conf_status=conformance_runs.status,
        simulator_hm=step5_connect.SIMULATOR_HM, status=status, artefacts=artefacts, checklist=step5_connect.checklist(ctx.db, ctx.p, artefacts),
        runs=step5_connect.runs(ctx.db, ctx.p), profiles=PROFILES, chosen=profiles, settings=settings,
        key_folder=str(ctx.state.site.key_dir(ctx.p.slug)), **extra,
    )  # fmt: skip


SETTINGS_TEXT = (
    "name_en", "entity_index", "eidas_entity_index", "acs_url", "organization_url", "contact_company", "contact_email",
    "contact_telephone", "signing_key_path", "signing_cert_path", "encryption_key_path", "encryption_cert_path",
    "broker_entity_id", "broker_metadata_file", "broker_metadata_url", "broker_pinned_certs", "catalogue_environment",
    "catalogue_sequence",
)  # fmt: skip


@view(need="viewer")
async def step5(ctx: Ctx) -> Response:
    return await _step5(ctx)


@view(need="editor")
async def step5_settings(ctx: Ctx) -> Response:
    values: dict[str, Any] = {f: ctx.value(f) for f in SETTINGS_TEXT}
    values["is_public"] = ctx.value("is_public") == "on"
    try:
        step5_connect.save_settings(ctx.db, ctx.p, values, ctx.actor, ctx.state.site, version=ctx.version())
    except InvalidInput as exc:
        values["broker_pinned_certs"] = [
            line for line in str(values["broker_pinned_certs"]).splitlines() if line.strip()
        ]
        return await _step5(ctx, 400, values=values, errors=ctx.errors(exc), summary=ctx.error_summary(exc))
    return ctx.redirect(ctx.purl("/step5#settings"), "saved")


@view(need="editor")
async def step5_test_keys(ctx: Ctx) -> Response:
    await run_in_threadpool(step5_connect.create_test_keys, ctx.db, ctx.p, ctx.actor, ctx.state.site)
    return ctx.redirect(ctx.purl("/step5#settings"), "test_keys_done")


@view(need="editor")
async def step5_simulator_broker(ctx: Ctx) -> Response:
    await run_in_threadpool(step5_connect.use_simulator_broker, ctx.db, ctx.p, ctx.actor, ctx.state.site)
    return ctx.redirect(ctx.purl("/step5#settings"), "simulator_broker_done")


@view(need="editor")
async def step5_checklist(ctx: Ctx) -> Response:
    step5_connect.mark_delivered(
        ctx.db, ctx.p, str(ctx.request.path_params["item"]), ctx.value("delivered") == "on", ctx.value("note"),
        ctx.actor, version=ctx.version(),
    )  # fmt: skip
    return ctx.redirect(ctx.purl("/step5#checklist"), "saved")


@view(need="editor")
async def step5_run(ctx: Ctx) -> Response:
    await run_in_threadpool(simulator.run, ctx.db, ctx.p, ctx.actor, ctx.state.site)
    return ctx.redirect(ctx.purl("/step5#simulator"), "saved")


@view(need="viewer")
async def download(ctx: Ctx) -> Response:
    name = str(ctx.request.path_params["name"])
    artefacts = await run_in_threadpool(step5_connect.generate, ctx.db, ctx.p, profiles=())
    if name == "ehkit.toml" and artefacts.toml is not None:
        return Response(artefacts.toml.encode("utf-8"), media_type="application/toml",
                        headers={"Content-Disposition": 'attachment; filename="ehkit.toml"'})  # fmt: skip
    if name == "catalogue.xml" and artefacts.catalogue is not None:
        return Response(artefacts.catalogue, media_type="application/xml",
                        headers={"Content-Disposition": 'attachment; filename="catalogue.xml"'})  # fmt: skip
    for group, document in artefacts.metadata.items():
        if name == f"metadata-{group}.xml":
            return Response(document, media_type="application/xml",
                            headers={"Content-Disposition": f'attachment; filename="metadata-{group}.xml"'})  # fmt: skip
    return error_page(ctx, 404, "err_404_title", "err_404")
