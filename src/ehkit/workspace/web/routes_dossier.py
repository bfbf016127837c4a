"""The dashboard's download of the project dossier (HTML, Markdown or PDF), for every member of the project."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ehkit.workspace.export import dossier
from ehkit.workspace.web.context import Ctx, view


@view(need="viewer")
async def dossier_download(ctx: Ctx) -> Response:
    fmt = ctx.request.query_params.get("format", "pdf")
    if fmt not in dossier.FORMATS:
        ctx.failed = True
        return ctx.render(
            "error.html", status=400, title=ctx.t("error_summary"),
            message=ctx.t("dossier_format_wrong", given=fmt[:20]),
        )  # fmt: skip
    data = await run_in_threadpool(dossier.render, ctx.db, ctx.p, fmt, lang=ctx.lang)
    name = dossier.file_name(ctx.p, fmt)
    return Response(
        data, media_type=dossier.MEDIA_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
