"""The workspace as an ASGI app: ``create_app(database, site)``.

``ehkit workspace serve`` runs it with uvicorn; the tests run it on a
loopback port. Every page sends a strict Content-Security-Policy (no inline
script, no framing: the pages use no JavaScript at all) and no-store caching.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ehkit.workspace.db import Database
from ehkit.workspace.services.site import Site
from ehkit.workspace.web import routes_account as a
from ehkit.workspace.web import routes_conformance as c
from ehkit.workspace.web import routes_dossier as d
from ehkit.workspace.web import routes_project as p
from ehkit.workspace.web import routes_steps as s
from ehkit.workspace.web import routes_steps46 as s46
from ehkit.workspace.web.i18n import T, t

SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
                                 b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]  # fmt: skip


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


@dataclass
class WorkspaceState:
    db: Database
    site: Site
    templates: jinja2.Environment


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ehkit.workspace.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["tt"] = t
    env.globals["T"] = T
    return env


def create_app(database: Database, site: Site | None = None) -> Starlette:
    static = Path(str(resources.files("ehkit.workspace.web").joinpath("static")))
    P = "/p/{slug}"  # noqa: N806 - a path prefix
    routes = [
        Route("/healthz", a.healthz),
        Route("/login", a.login, methods=["GET", "POST"]),
        Route("/logout", a.logout, methods=["POST"]),
        Route("/invite/{token}", a.invitation, methods=["GET", "POST"]),
        Route("/", p.portfolio),
        Route("/projects/new", p.project_new, methods=["GET", "POST"]),
        Route(P, p.project_dashboard),
        Route(P + "/steps/{step:int}/status", p.step_override, methods=["POST"]),
        Route(P + "/actions", p.action_add, methods=["POST"]),
        Route(P + "/actions/{action_id:int}", p.action_done, methods=["POST"]),
        Route(P + "/settings", p.project_settings, methods=["GET", "POST"]),
        Route(P + "/access/{user_id:int}", p.access_role, methods=["POST"]),
        Route(P + "/audit", p.audit_page),
        Route(P + "/export.yaml", p.export_yaml),
        Route(P + "/dossier", d.dossier_download),
        Route(P + "/step1", s.step1, methods=["GET", "POST"]),
        Route(P + "/members/{member_id:int}", s.member_edit, methods=["GET", "POST"]),
        Route(P + "/step2", s.step2),
        Route(P + "/services/new", s.service_new, methods=["GET", "POST"]),
        Route(P + "/services/{service_id:int}", s.service_edit, methods=["GET", "POST"]),
        Route(P + "/services/{service_id:int}/changes", s.change_add, methods=["POST"]),
        Route(P + "/changes/{change_id:int}", s.change_edit, methods=["POST"]),
        Route(P + "/questions", s.question_add, methods=["POST"]),
        Route(P + "/questions/{question_id:int}", s.question_edit, methods=["POST"]),
        Route(P + "/step3", s.step3),
        Route(P + "/services/{service_id:int}/assess", s.assess, methods=["GET", "POST"]),
        Route(P + "/step5", s.step5),
        Route(P + "/step5/settings", s.step5_settings, methods=["POST"]),
        Route(P + "/step5/test-keys", s.step5_test_keys, methods=["POST"]),
        Route(P + "/step5/simulator-broker", s.step5_simulator_broker, methods=["POST"]),
        Route(P + "/step5/checklist/{item}", s.step5_checklist, methods=["POST"]),
        Route(P + "/step5/run", s.step5_run, methods=["POST"]),
        Route(P + "/step5/download/{name}", s.download),
        Route(P + "/step5/conformance", c.conformance_start, methods=["POST"]),
        Route(P + "/step5/conformance/{run_id:int}", c.conformance_page),
        Route(P + "/step5/conformance/{run_id:int}/{name}", c.conformance_file),
        Route(P + "/step4", s46.step4),
        Route(P + "/step4/comparison", s46.step4_comparison, methods=["POST"]),
        Route(P + "/step4/weights", s46.step4_weights, methods=["POST"]),
        Route(P + "/step4/criteria", s46.step4_criterion_add, methods=["POST"]),
        Route(P + "/step4/criteria/{criterion_id:int}/delete", s46.step4_criterion_delete, methods=["POST"]),
        Route(P + "/step4/decision", s46.step4_decision, methods=["POST"]),
        Route(P + "/step4/brokers", s46.step4_broker_add, methods=["POST"]),
        Route(P + "/quotes/new", s46.quote_new, methods=["GET", "POST"]),
        Route(P + "/quotes/{quote_id:int}", s46.quote_edit, methods=["GET", "POST"]),
        Route(P + "/quotes/{quote_id:int}/scores", s46.quote_scores, methods=["POST"]),
        Route(P + "/step6", s46.step6),
        Route(P + "/step6/plan", s46.step6_plan, methods=["POST"]),
        Route(P + "/step6/messages/{key}", s46.step6_message, methods=["POST"]),
        Route(P + "/step6/tasks", s46.step6_tasks, methods=["POST"]),
        Route(P + "/step6/timeline.ics", s46.step6_ics),
        Route(P + "/zelfverklaring", s46.zelfverklaring_page),
        Route(P + "/zelfverklaring/{service_id:int}/{item}", s46.zelfverklaring_confirm, methods=["POST"]),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
    app.state.ws = WorkspaceState(database, site or Site(), templates())
    return app


__all__ = ["WorkspaceState", "create_app", "templates"]
