"""Step 5's conformance runs: start one (editors), follow its progress and read its reports (viewers)."""

from __future__ import annotations

from starlette.background import BackgroundTask
from starlette.responses import Response

from ehkit.workspace.errors import InvalidInput
from ehkit.workspace.services import conformance_runs
from ehkit.workspace.web.context import Ctx, error_page, path_int, view

FORM_FIELDS = conformance_runs.TARGET_FIELDS
#: The kept report as a page: the report's own inline styles, nothing else (it has no scripts).
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"


@view(need="editor")
async def conformance_start(ctx: Ctx) -> Response:
    raw = {name: ctx.value(name) for name in FORM_FIELDS}
    try:
        run = conformance_runs.start(ctx.db, ctx.p, raw, ctx.actor, version=ctx.version())
    except InvalidInput as exc:
        from ehkit.workspace.web.routes_steps import _step5

        return await _step5(
            ctx, 400, conf_values=raw | {"version": ctx.value("version")}, conf_errors=ctx.errors(exc),
            summary=ctx.error_summary(exc),
        )  # fmt: skip
    ctx.db.flush()
    response = ctx.redirect(ctx.purl(f"/step5/conformance/{run.id}"))
    # Runs after the response is sent, so after the view committed the run's row.
    response.background = BackgroundTask(conformance_runs.launch, ctx.state.db, run.id, ctx.state.site)
    return response


@view(need="viewer")
async def conformance_page(ctx: Ctx) -> Response:
    run = conformance_runs.run_of(ctx.db, ctx.p, path_int(ctx.request, "run_id"))
    return ctx.render("conformance_run.html", run=run, run_status=conformance_runs.status(run))


FILES = {
    "report.html": ("html", "text/html; charset=utf-8", None),
    "report.json": ("json", "application/json", "attachment"),
    "report.junit.xml": ("junit", "application/xml", "attachment"),
}


@view(need="viewer")
async def conformance_file(ctx: Ctx) -> Response:
    name = str(ctx.request.path_params["name"])
    if name not in FILES:
        return error_page(ctx, 404, "err_404_title", "err_404")
    column, media_type, disposition = FILES[name]
    run_id = path_int(ctx.request, "run_id")
    kept = conformance_runs.report(ctx.db, ctx.p, run_id)
    headers = {}
    if disposition:
        stamp = f"{ctx.p.slug}-conformance-{run_id}"
        headers["Content-Disposition"] = f'attachment; filename="{stamp}-{name}"'
    else:
        headers["Content-Security-Policy"] = REPORT_CSP
    return Response(str(getattr(kept, column)).encode("utf-8"), media_type=media_type, headers=headers)
