"""The well-known views; ``urls.py`` mounts them."""

from __future__ import annotations

from dataclasses import replace

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from ehkit.integrations.django.conf import get_core
from ehkit.integrations.django.glue import DjangoSession, respond, web_request


@require_GET
def login(request: HttpRequest) -> HttpResponse:
    return respond(request, get_core().login(web_request(request)))


# The broker's POST comes from another site and cannot carry a CSRF token; the login is bound to
# this browser by the request cookie and to the broker by the SAML signatures instead.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def acs(request: HttpRequest) -> HttpResponse:
    return respond(request, get_core().acs(web_request(request), DjangoSession(request)))


# The OpenID provider redirects the browser here (a top-level GET): bound to this browser by the request
# cookie (its state) and to the provider by the ID token's signature.
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    return respond(request, get_core().oidc_callback(web_request(request), DjangoSession(request)))


@require_GET
def metadata(request: HttpRequest, group: str) -> HttpResponse:
    return respond(request, get_core().metadata_document(group))


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    user = getattr(request, "user", None)
    staff = bool(user is not None and user.is_active and user.is_staff)
    return respond(request, get_core().catalogue_document(staff=staff))


@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    core, web = get_core(), web_request(request)
    if request.method == "GET":
        token = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
        return respond(request, core.logout_page(web, csrf_input=token))
    return respond(request, core.logout(web, DjangoSession(request)))  # CSRF-checked by the middleware


# The broker's logout messages come from another site (POST binding) without a CSRF token; they
# are authenticated by the broker's signature, and a refused one only ever ends the session.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def slo(request: HttpRequest) -> HttpResponse:
    web = replace(web_request(request), query_string=request.META.get("QUERY_STRING", ""))
    return respond(request, get_core().slo(web, DjangoSession(request)))


@require_GET
def error(request: HttpRequest, outcome: str) -> HttpResponse:
    return respond(request, get_core().error_view(web_request(request), outcome))
