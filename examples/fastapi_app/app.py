"""eHerkenning in a FastAPI application (docs/integrations/fastapi.md).

Start it next to an ``ehkit.toml`` (``ehkit integration init`` writes a test one):

    uvicorn app:app --port 8000
"""

from __future__ import annotations

import html
import os
import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.middleware.sessions import SessionMiddleware

from ehkit.integrations.fastapi import EHerkenning, NoStoreMiddleware, require_eherkenning
from ehkit.sp import LoginResult

eh = EHerkenning()  # reads the path of ehkit.toml from EHKIT_CONFIG, else ./ehkit.toml

app = FastAPI(lifespan=eh.lifespan, exception_handlers=eh.exception_handlers)
app.add_middleware(NoStoreMiddleware)
app.add_middleware(
    SessionMiddleware,
    secret_key=os.environ.get("SESSION_SECRET") or secrets.token_urlsafe(32),
    https_only=False,  # True in production, where the site runs on https
)
app.include_router(eh.router, prefix="/eherkenning")

SERVICES = {"melding": "Melding openbare ruimte (EH2+)", "vergunning": "Omgevingsvergunning (EH3)"}


def page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def identity(login: LoginResult) -> str:
    rows = {
        "service": login.service,
        "legal-type": login.legal_subject.type.name,
        "legal-subject": str(login.legal_subject),
        "vestiging": login.vestigingsnummer or "alle vestigingen",
        "pseudonym": str(login.acting_subject),
        "loa": login.loa.label,
        "intermediary": login.intermediary.kvk if login.intermediary else "geen",
    }
    cells = "".join(f'<dt>{k}</dt><dd data-testid="{k}">{html.escape(v)}</dd>' for k, v in rows.items())
    return f'<dl>{cells}</dl><p><a href="/eherkenning/logout/" data-testid="logout">Uitloggen</a></p>'


@app.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    login = eh.login_of(request)
    links = "".join(
        f'<li><a href="/eherkenning/login/?service={key}&amp;next=/{key}" data-testid="login-{key}">'
        f"Inloggen met eHerkenning: {html.escape(name)}</a></li>"
        for key, name in SERVICES.items()
    )
    status = identity(login) if login else '<p data-testid="anonymous">U bent niet ingelogd.</p>'
    return page("Voorbeeld: FastAPI", f"{status}<ul>{links}</ul>")


@app.get("/melding", response_class=HTMLResponse)
def melding(login: Annotated[LoginResult, Depends(require_eherkenning("melding"))]) -> HTMLResponse:
    return page(SERVICES["melding"], identity(login))


@app.get("/vergunning", response_class=HTMLResponse)
def vergunning(login: Annotated[LoginResult, Depends(require_eherkenning("vergunning"))]) -> HTMLResponse:
    return page(SERVICES["vergunning"], identity(login))


@app.get("/overzicht", response_class=HTMLResponse)
def overzicht(login: Annotated[LoginResult, Depends(require_eherkenning(loa="EH3"))]) -> HTMLResponse:
    """Any service, as long as the login counts at EH3 or above."""
    return page("Overzicht (EH3)", identity(login))


@app.get("/api/wie")
def wie(login: Annotated[LoginResult, Depends(require_eherkenning())]) -> dict[str, str | None]:
    """JSON for scripts in the same session; the dependency sets Cache-Control: no-store."""
    return {"service": login.service, "kvk": login.legal_subject.value if login.legal_subject.is_kvk else None}
