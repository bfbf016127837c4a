from __future__ import annotations

import html

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.generic import View

from ehkit.integrations.django.decorators import EHerkenningRequiredMixin, eherkenning_required, get_login


def identity_html(login) -> str:  # type: ignore[no-untyped-def]
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
    return f'<!DOCTYPE html><html lang="nl"><body><dl data-testid="identity">{cells}</dl></body></html>'


def home(request: HttpRequest) -> HttpResponse:
    login = get_login(request)
    user = getattr(request, "user", None)
    who = f'<p data-testid="user">{html.escape(user.get_username())}</p>' if user and user.is_authenticated else ""
    return HttpResponse((identity_html(login) if login else '<p data-testid="anonymous">niet ingelogd</p>') + who)


def visit(request: HttpRequest) -> HttpResponse:
    request.session["visited"] = True
    return HttpResponse("ok")


def visited(request: HttpRequest) -> HttpResponse:
    return HttpResponse("yes" if request.session.get("visited") else "no")


@eherkenning_required(service="melding")
def melding(request: HttpRequest) -> HttpResponse:
    return HttpResponse(identity_html(request.eherkenning))  # type: ignore[attr-defined]


@eherkenning_required(service="vergunning")
def vergunning(request: HttpRequest) -> HttpResponse:
    return HttpResponse(identity_html(request.eherkenning))  # type: ignore[attr-defined]


@eherkenning_required(loa="EH3")
def overzicht(request: HttpRequest) -> HttpResponse:
    return HttpResponse(identity_html(request.eherkenning))  # type: ignore[attr-defined]


@eherkenning_required
async def wie(request: HttpRequest) -> JsonResponse:
    login = request.eherkenning  # type: ignore[attr-defined]
    return JsonResponse({"service": login.service, "legal": str(login.legal_subject)})


@eherkenning_required
def whole(request: HttpRequest) -> JsonResponse:
    from dv_apps import login_json

    return JsonResponse(login_json(request.eherkenning))  # type: ignore[attr-defined]


class Aanvraag(EHerkenningRequiredMixin, View):
    eherkenning_service = "vergunning"

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(identity_html(request.eherkenning))  # type: ignore[attr-defined]
