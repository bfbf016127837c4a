"""The step pages 4 (choose a broker) and 6 (inform users), and the zelfverklaring dienstverlener."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ehkit.workspace.errors import InvalidInput, Problem
from ehkit.workspace.models import INTERFACES, RECURRING_PERIODS
from ehkit.workspace.services import step1_group, step2_inventory, step4_broker, step6_communication, zelfverklaring
from ehkit.workspace.web.context import Ctx, path_int, view

# ------------------------------------------------------------------ step 4

QUOTE_TEXT = (
    "broker", "received_on", "valid_until", "one_off_cost", "recurring_cost", "recurring_period", "price_per_login",
    "price_per_service", "contract_term_months", "notice_period_months", "exit_conditions", "custom_work", "support",
    "supplier_contacts", "references", "notes",
)  # fmt: skip
SLA_ROWS = 3


def _quote_values(ctx: Ctx) -> dict[str, Any]:
    values: dict[str, Any] = {f: ctx.value(f) for f in QUOTE_TEXT}
    values["interfaces"] = ctx.values("interfaces")
    in_tco = ctx.value("sla_in_tco")
    options = []
    for i in range(SLA_ROWS):
        name = ctx.value(f"sla_{i}_name")
        if name.strip():
            options.append({
                "name": name, "availability_pct": ctx.value(f"sla_{i}_availability_pct"),
                "response_hours": ctx.value(f"sla_{i}_response_hours"),
                "cost_per_year": ctx.value(f"sla_{i}_cost_per_year"), "in_tco": in_tco == str(i),
            })  # fmt: skip
    values["sla_options"] = options
    return values


def _step4(ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    p = ctx.p
    result = step4_broker.comparison(ctx.db, p)
    extra.setdefault("errors", {})
    extra.setdefault("summary", [])
    extra.setdefault("values", {})
    return ctx.render(
        "step4.html", status=status, c=result, data=step4_broker.broker_data(),
        choices=step4_broker.brokers(ctx.db, p), own=step4_broker.project_brokers(ctx.db, p),
        interfaces=INTERFACES, **extra,
    )  # fmt: skip


@view(need="viewer")
async def step4(ctx: Ctx) -> Response:
    return _step4(ctx)


def _quote_page(ctx: Ctx, found: Any, values: dict[str, Any], status: int = 200, **extra: Any) -> Response:
    extra.setdefault("errors", {})
    extra.setdefault("summary", [])
    sla = list(values.get("sla_options") or [])
    sla += [{}] * (SLA_ROWS - len(sla))
    return ctx.render(
        "quote_edit.html", status=status, quote=found, values=values, sla=sla[:SLA_ROWS],
        choices=step4_broker.brokers(ctx.db, ctx.p), periods=RECURRING_PERIODS, interfaces=INTERFACES, **extra,
    )  # fmt: skip


@view(need="editor")
async def quote_new(ctx: Ctx) -> Response:
    if ctx.request.method == "POST":
        values = _quote_values(ctx)
        try:
            step4_broker.add_quote(ctx.db, ctx.p, values, ctx.actor)
        except InvalidInput as exc:
            return _quote_page(ctx, None, values, 400, errors=ctx.errors(exc), summary=ctx.error_summary(exc))
        return ctx.redirect(ctx.purl("/step4"), "saved")
    wanted = ctx.request.query_params.get("broker", "")
    choice = step4_broker.brokers(ctx.db, ctx.p).get(wanted)
    values = {"broker": wanted, "recurring_period": "year",
                              "interfaces": list(choice.interfaces) if choice else [], "sla_options": []}  # fmt: skip
    return _quote_page(ctx, None, values)


@view(need="viewer", write=True)
async def quote_edit(ctx: Ctx) -> Response:
    found = step4_broker.quote(ctx.db, ctx.p, path_int(ctx.request, "quote_id"))
    if ctx.request.method == "POST":
        if ctx.value("delete") == "1":
            step4_broker.delete_quote(ctx.db, ctx.p, found.id, ctx.actor, version=ctx.version())
            return ctx.redirect(ctx.purl("/step4"), "deleted")
        values = _quote_values(ctx)
        try:
            step4_broker.update_quote(ctx.db, ctx.p, found.id, values, ctx.actor, version=ctx.version())
        except InvalidInput as exc:
            return _quote_page(ctx, found, values, 400, errors=ctx.errors(exc), summary=ctx.error_summary(exc))
        return ctx.redirect(ctx.purl("/step4"), "saved")
    return _quote_page(ctx, found, step4_broker.quote_form(found))


@view(need="editor")
async def step4_comparison(ctx: Ctx) -> Response:
    raw = {f: ctx.value(f) for f in ("horizon_years", "logins_per_year", "services_count")}
    try:
        step4_broker.save_comparison(ctx.db, ctx.p, raw, ctx.actor, version=ctx.version())
    except InvalidInput as exc:
        return _step4(ctx, 400, values=raw, errors=ctx.errors(exc), summary=ctx.error_summary(exc))
    return ctx.redirect(ctx.purl("/step4#settings"), "saved")


@view(need="editor")
async def step4_weights(ctx: Ctx) -> Response:
    keys = [c.key for c in step4_broker.criteria(ctx.db, ctx.p)]
    raw = {k: ctx.value(f"weight_{k}") for k in keys}
    try:
        step4_broker.save_weights(ctx.db, ctx.p, raw, ctx.actor)
    except InvalidInput as exc:
        return _step4(ctx, 400, values={f"weight_{k}": v for k, v in raw.items()}, errors=ctx.errors(exc),
                      summary=ctx.error_summary(exc))  # fmt: skip
    return ctx.redirect(ctx.purl("/step4#criteria"), "saved")


@view(need="editor")
async def step4_criterion_add(ctx: Ctx) -> Response:
    raw = {f: ctx.value(f) for f in ("key", "name_nl", "name_en", "weight")} | {"kind": "manual"}
    try:
        step4_broker.add_criterion(ctx.db, ctx.p, raw, ctx.actor)
    except InvalidInput as exc:
        return _step4(ctx, 400, values={f"criterion_{k}": v for k, v in raw.items()}, errors=ctx.errors(exc),
                      summary=ctx.error_summary(exc))  # fmt: skip
    return ctx.redirect(ctx.purl("/step4#criteria"), "saved")


@view(need="editor")
async def step4_criterion_delete(ctx: Ctx) -> Response:
    try:
        step4_broker.delete_criterion(ctx.db, ctx.p, path_int(ctx.request, "criterion_id"), ctx.actor)
    except InvalidInput as exc:
        return _step4(ctx, 400, errors=ctx.errors(exc), summary=ctx.error_summary(exc))
    return ctx.redirect(ctx.purl("/step4#criteria"), "deleted")


@view(need="editor")
async def quote_scores(ctx: Ctx) -> Response:
    found = step4_broker.quote(ctx.db, ctx.p, path_int(ctx.request, "quote_id"))
    problems: list[Problem] = []
    for c in step4_broker.ensure_criteria(ctx.db, ctx.p, ctx.actor):
        if c.kind != "manual":
            continue
        try:
            step4_broker.set_score(ctx.db, ctx.p, found.id, c.key, {"score": ctx.value(f"score_{c.key}")}, ctx.actor)
        except InvalidInput as exc:
            problems += [Problem(f"score_{found.id}_{c.key}", p.key, p.params) for p in exc.problems]
    if problems:
        wrapped = InvalidInput(problems, source="score")
        return _step4(ctx, 400, errors=ctx.errors(wrapped), summary=ctx.error_summary(wrapped))
    return ctx.redirect(ctx.purl("/step4#ranking"), "saved")


@view(need="editor")
async def step4_decision(ctx: Ctx) -> Response:
    raw = {f: ctx.value(f) for f in ("broker", "justification", "decided_on")}
    try:
        step4_broker.record_decision(ctx.db, ctx.p, raw, ctx.actor)
    except InvalidInput as exc:
        return _step4(ctx, 400, values={f"decision_{k}": v for k, v in raw.items()}, errors=ctx.errors(exc),
                      summary=ctx.error_summary(exc))  # fmt: skip
    return ctx.redirect(ctx.purl("/step4#decision"), "saved")


@view(need="editor")
async def step4_broker_add(ctx: Ctx) -> Response:
    raw: dict[str, Any] = {f: ctx.value(f"own_{f}") for f in ("key", "name", "website", "notes")}
    raw["interfaces"] = ctx.values("own_interfaces")
    try:
        step4_broker.add_project_broker(ctx.db, ctx.p, raw, ctx.actor)
    except InvalidInput as exc:
        problems = [Problem(f"own_{p.field}", p.key, p.params) for p in exc.problems]
        wrapped = InvalidInput(problems, source="broker")
        return _step4(ctx, 400, values={f"own_{k}": v for k, v in raw.items()}, errors=ctx.errors(wrapped),
                      summary=ctx.error_summary(wrapped))  # fmt: skip
    return ctx.redirect(ctx.purl("/step4#brokers"), "saved")


# ------------------------------------------------------------------ step 6


def _step6(ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    p = ctx.p
    timeline = step6_communication.plan(ctx.db, p)
    members = {m.id: m.name for m in step1_group.members(ctx.db, p)}
    extra.setdefault("errors", {})
    extra.setdefault("summary", [])
    settings = step6_communication.plan_settings(ctx.db, p)
    extra.setdefault("values", {"required_from": settings.required_from.isoformat() if settings.required_from else "",
                                "info_url": settings.info_url or "", "contact": settings.contact,
                                "notes": settings.notes})  # fmt: skip
    return ctx.render(
        "step6.html", status=status, timeline=timeline, plan_settings=settings,
        messages=step6_communication.messages(ctx.db, p, timeline), tasks=step6_communication.tasks(ctx.db, p),
        members=members, placeholders=step6_communication.PLACEHOLDERS,
        questions=step2_inventory.questions(ctx.db, p), **extra,
    )  # fmt: skip


@view(need="viewer")
async def step6(ctx: Ctx) -> Response:
    return _step6(ctx)


@view(need="editor")
async def step6_plan(ctx: Ctx) -> Response:
    raw = {f: ctx.value(f) for f in ("required_from", "info_url", "contact", "notes")}
    try:
        step6_communication.save_plan(ctx.db, ctx.p, raw, ctx.actor, version=ctx.version())
    except InvalidInput as exc:
        return _step6(ctx, 400, values=raw, errors=ctx.errors(exc), summary=ctx.error_summary(exc))
    return ctx.redirect(ctx.purl("/step6#plan"), "saved")


@view(need="editor")
async def step6_message(ctx: Ctx) -> Response:
    key = str(ctx.request.path_params["key"])
    if ctx.value("reset") == "1":
        step6_communication.reset_message(ctx.db, ctx.p, key, ctx.actor)
        return ctx.redirect(ctx.purl(f"/step6#msg-{key}"), "saved")
    raw = {"text_nl": ctx.value("text_nl"), "text_en": ctx.value("text_en")}
    try:
        step6_communication.save_message(ctx.db, ctx.p, key, raw, ctx.actor, version=ctx.version())
    except InvalidInput as exc:
        problems = [Problem(f"msg_{key}_{p.field}", p.key, p.params) for p in exc.problems]
        wrapped = InvalidInput(problems, source="message")
        return _step6(ctx, 400, errors=ctx.errors(wrapped), summary=ctx.error_summary(wrapped),
                      edited={key: raw})  # fmt: skip
    return ctx.redirect(ctx.purl(f"/step6#msg-{key}"), "saved")


@view(need="editor")
async def step6_tasks(ctx: Ctx) -> Response:
    try:
        step6_communication.plan_tasks(ctx.db, ctx.p, ctx.actor, lang=ctx.lang)
    except InvalidInput as exc:
        return _step6(ctx, 400, errors=ctx.errors(exc), summary=ctx.error_summary(exc))
    return ctx.redirect(ctx.purl("/step6#tasks"), "saved")


@view(need="viewer")
async def step6_ics(ctx: Ctx) -> Response:
    timeline = step6_communication.plan(ctx.db, ctx.p)
    if timeline is None:
        return ctx.redirect(ctx.purl("/step6"))
    body = step6_communication.ics(ctx.p, timeline, lang=ctx.lang)
    name = f"{ctx.p.slug}-eherkenning.ics"
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


# ------------------------------------------------------------------ zelfverklaring


@view(need="viewer")
async def zelfverklaring_page(ctx: Ctx) -> Response:
    return ctx.render("zelfverklaring.html", drafts=zelfverklaring.drafts(ctx.db, ctx.p), source=zelfverklaring.SOURCE)


@view(need="owner")
async def zelfverklaring_confirm(ctx: Ctx) -> Response:
    service_id = path_int(ctx.request, "service_id")
    item = str(ctx.request.path_params["item"])
    raw = {"confirmed": ctx.value("confirmed") == "on", "note": ctx.value("note")}
    zelfverklaring.confirm(ctx.db, ctx.p, service_id, item, raw, ctx.actor, version=ctx.version())
    return ctx.redirect(ctx.purl(f"/zelfverklaring#svc-{service_id}"), "saved")
