"""Portfolio, new project, dashboard (statuses, overrides, actions), project settings and access, audit, export."""

from __future__ import annotations

from starlette.responses import Response

from ehkit.workspace.errors import InvalidInput
from ehkit.workspace.models import STATUSES, STEPS, GroupMember
from ehkit.workspace.schemas import SECTORS
from ehkit.workspace.services import access, audit, conformance_runs, dashboard, projects, step1_group, step5_connect
from ehkit.workspace.web.context import Ctx, path_int, view


@view()
async def portfolio(ctx: Ctx) -> Response:
    return ctx.render("portfolio.html", overviews=dashboard.portfolio(ctx.db, ctx.me))


@view()
async def project_new(ctx: Ctx) -> Response:
    values = {"sector": "gemeente"}
    if ctx.request.method == "POST":
        fields = ("slug", "name", "oin", "kvk", "sector", "go_live")
        values = {f: ctx.value(f) for f in fields}
        try:
            project = projects.create_project(ctx.db, ctx.me, values, ctx.actor)
        except InvalidInput as exc:
            return ctx.render("project_new.html", status=400, values=values, sectors=SECTORS,
                              errors=ctx.errors(exc), summary=ctx.error_summary(exc))  # fmt: skip
        return ctx.redirect(f"/p/{project.slug}", "saved")
    return ctx.render("project_new.html", values=values, sectors=SECTORS, errors={}, summary=[])


@view(need="viewer")
async def project_dashboard(ctx: Ctx) -> Response:
    overview = dashboard.overview(ctx.db, ctx.p, ctx.r)
    latest = {
        "simulator": step5_connect.last_run(ctx.db, ctx.p),
        "conformance": conformance_runs.last_run(ctx.db, ctx.p),
    }
    return ctx.render(
        "dashboard.html", overview=overview, statuses=STATUSES, steps=STEPS,
        members=step1_group.members(ctx.db, ctx.p), errors={}, summary=[], values={}, latest=latest,
        conf_status=conformance_runs.status,
    )  # fmt: skip


@view(need="editor")
async def step_override(ctx: Ctx) -> Response:
    step = path_int(ctx.request, "step")
    try:
        dashboard.set_override(
            ctx.db, ctx.p, step, {"status": ctx.value("status"), "reason": ctx.value("reason")}, ctx.actor,
            version=ctx.version(),
        )  # fmt: skip
    except InvalidInput as exc:
        overview = dashboard.overview(ctx.db, ctx.p, ctx.r)
        return ctx.render(
            "dashboard.html", status=400, overview=overview, statuses=STATUSES, steps=STEPS,
            members=step1_group.members(ctx.db, ctx.p), errors={f"step{step}": ctx.errors(exc).get("reason", []) + ctx.errors(exc).get("status", [])},
            summary=ctx.error_summary(exc), values={"override_step": step},
        )  # fmt: skip
    return ctx.redirect(ctx.purl(), "saved")


def _action_values(ctx: Ctx) -> dict[str, str]:
    return {f: ctx.value(f) for f in ("step", "title", "owner", "due", "done")}


@view(need="editor")
async def action_add(ctx: Ctx) -> Response:
    values = _action_values(ctx)
    try:
        dashboard.add_action(ctx.db, ctx.p, values, ctx.actor)
    except InvalidInput as exc:
        overview = dashboard.overview(ctx.db, ctx.p, ctx.r)
        return ctx.render(
            "dashboard.html", status=400, overview=overview, statuses=STATUSES, steps=STEPS,
            members=step1_group.members(ctx.db, ctx.p), errors=ctx.errors(exc), summary=ctx.error_summary(exc),
            values=values,
        )  # fmt: skip
    return ctx.redirect(ctx.purl() + "#actions", "saved")


@view(need="editor")
async def action_done(ctx: Ctx) -> Response:
    found = dashboard.action(ctx.db, ctx.p, path_int(ctx.request, "action_id"))
    owner = ctx.db.get(GroupMember, found.owner_id) if found.owner_id else None
    if ctx.value("delete") == "1":
        dashboard.delete_action(ctx.db, ctx.p, found.id, ctx.actor, version=ctx.version())
        return ctx.redirect(ctx.purl() + "#actions", "deleted")
    raw = {
        "step": found.step,
        "title": found.title,
        "owner": owner.name if owner else None,
        "due": found.due,
        "done": True,
    }
    dashboard.update_action(ctx.db, ctx.p, found.id, raw, ctx.actor, version=ctx.version())
    return ctx.redirect(ctx.purl() + "#actions", "saved")


@view(need="viewer")
async def project_settings(ctx: Ctx) -> Response:
    p = ctx.p
    values = {
        "name": p.name,
        "oin": p.oin,
        "kvk": p.kvk or "",
        "sector": p.sector,
        "go_live": p.go_live.isoformat() if p.go_live else "",
    }
    errors: dict[str, list[str]] = {}
    summary: list[tuple[str, str, str]] = []
    status = 200
    if ctx.request.method == "POST":
        if not ctx.can_edit:
            from ehkit.workspace.web.context import error_page

            return error_page(ctx, 403, "err_403_title", "err_403")
        values = {f: ctx.value(f) for f in ("name", "oin", "kvk", "sector", "go_live")}
        try:
            projects.update_project(ctx.db, p, values, ctx.actor, version=ctx.version())
        except InvalidInput as exc:
            errors, summary, status = ctx.errors(exc), ctx.error_summary(exc), 400
        else:
            return ctx.redirect(ctx.purl("/settings"), "saved")
    return ctx.render(
        "project_settings.html", status=status, values=values, sectors=SECTORS, errors=errors, summary=summary,
        access_members=access.members_of(ctx.db, p), roles=access.ROLES,
    )  # fmt: skip


@view(need="owner")
async def access_role(ctx: Ctx) -> Response:
    user_id = path_int(ctx.request, "user_id")
    try:
        if ctx.value("remove") == "1":
            access.remove_member(ctx.db, ctx.p, user_id, ctx.actor)
        else:
            access.set_role(ctx.db, ctx.p, user_id, ctx.value("role"), ctx.actor)
    except InvalidInput as exc:
        ctx.failed = True
        return ctx.render(
            "error.html", status=400, title=ctx.t("error_summary"), message="", summary=ctx.error_summary(exc)
        )
    return ctx.redirect(ctx.purl("/settings"), "saved")


@view(need="viewer")
async def audit_page(ctx: Ctx) -> Response:
    events = audit.events(ctx.db, ctx.p.id)
    return ctx.render("audit.html", events=events)


@view(need="viewer")
async def export_yaml(ctx: Ctx) -> Response:
    from ehkit.workspace.export import dump_project

    text = dump_project(ctx.db, ctx.p)
    return Response(
        text.encode("utf-8"), media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{ctx.p.slug}.yaml"'},
    )  # fmt: skip
