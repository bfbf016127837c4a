"""Django requests, responses and sessions in the core's framework-free terms."""

from __future__ import annotations

from typing import Any, Literal, cast

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from ehkit.errors import LoginRejected
from ehkit.integrations.base import SESSION_KEY, Urls, WebRequest, WebResponse
from ehkit.sp.result import LoginResult

SameSite = Literal["Lax", "Strict", "None"]


class DjangoSession:
    """``request.session`` as the core's SessionPort."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def load(self) -> Any:
        return self.request.session.get(SESSION_KEY)

    def establish(self, sealed: str, result: LoginResult) -> None:
        from ehkit.integrations.django.conf import backend_enabled

        if backend_enabled():
            from django.contrib import auth

            user = auth.authenticate(self.request, eherkenning=result)
            if user is None:
                raise LoginRejected("the login maps to no user that may log in", reason="user_unknown")
            auth.login(self.request, user)  # rotates the session key itself
        else:
            self.request.session.cycle_key()
        self.request.session[SESSION_KEY] = sealed

    def destroy(self) -> None:
        if hasattr(self.request, "user"):
            from django.contrib import auth

            auth.logout(self.request)  # flushes the session too
        else:
            self.request.session.flush()


def urls() -> Urls:
    return Urls(
        login=reverse("ehkit:login"),
        logout=reverse("ehkit:logout"),
        error=reverse("ehkit:error", args=["OUTCOME"]).replace("OUTCOME", "{outcome}"),
    )


def web_request(request: HttpRequest) -> WebRequest:
    return WebRequest(
        method=request.method or "GET",
        origin=f"{request.scheme}://{request.get_host()}",
        full_path=request.get_full_path(),
        query={k: request.GET[k] for k in request.GET},
        form={k: request.POST[k] for k in request.POST} if request.method == "POST" else {},
        cookies=dict(request.COOKIES),
        headers={k.lower(): v for k, v in request.headers.items()},
        urls=urls(),
    )


def respond(request: HttpRequest, web: WebResponse) -> HttpResponse:
    if web.page is not None:
        response = HttpResponse(
            render_to_string(web.page.template, dict(web.page.context), request=request), status=web.status
        )
    elif web.location is not None:
        response = HttpResponse(status=web.status)
        response["Location"] = web.location
    elif web.html is not None:
        response = HttpResponse(web.html, status=web.status, content_type="text/html; charset=utf-8")
    else:
        response = HttpResponse(web.body or b"", status=web.status, content_type=web.content_type)
    for key, value in web.headers.items():
        response[key] = value
    for c in web.cookies:
        samesite = cast(SameSite, {"none": "None", "lax": "Lax", "strict": "Strict"}[c.samesite])
        if c.delete:
            response.delete_cookie(c.name, path=c.path, samesite=samesite)
        else:
            response.set_cookie(
                c.name, c.value, max_age=c.max_age, path=c.path, secure=c.secure, httponly=c.httponly, samesite=samesite
            )
    return response
