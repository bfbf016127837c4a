"""eHerkenning for FastAPI: an ``APIRouter`` to include and a dependency per guarded endpoint.

::

    from typing import Annotated

    from fastapi import Depends, FastAPI
    from starlette.middleware.sessions import SessionMiddleware
    from ehkit.integrations.fastapi import EHerkenning, require_eherkenning
    from ehkit.integrations.starlette import NoStoreMiddleware
    from ehkit.sp import LoginResult

    eh = EHerkenning()                                   # ehkit.toml from EHKIT_CONFIG
    app = FastAPI(lifespan=eh.lifespan, exception_handlers=eh.exception_handlers)
    app.add_middleware(NoStoreMiddleware)
    app.add_middleware(SessionMiddleware, secret_key=..., https_only=True)
    app.include_router(eh.router, prefix="/eherkenning")

    @app.get("/aanvraag")
    def aanvraag(login: Annotated[LoginResult, Depends(require_eherkenning("vergunning"))]):
        return {"kvk": login.legal_subject.value}

Built on :mod:`ehkit.integrations.starlette` (same session handling, same
pages). See docs/integrations/fastapi.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.responses import Response as StarletteResponse

from ehkit.integrations.base import NO_STORE, Requirement, WebResponse
from ehkit.integrations.starlette import EHerkenning as StarletteEHerkenning
from ehkit.integrations.starlette import NoStoreMiddleware
from ehkit.sp.result import LoginResult

__all__ = ["EHerkenning", "EHerkenningDenied", "NoStoreMiddleware", "require_eherkenning"]


class EHerkenningDenied(HTTPException):
    """A guard said no. Without ``eh.exception_handlers`` FastAPI answers it as usual
    (303 with Location for an anonymous user, 403 JSON otherwise); with them, as ehkit's page."""

    def __init__(self, web: WebResponse, response: StarletteResponse) -> None:
        headers = {"Location": web.location} if web.location else {}
        headers.update(NO_STORE)
        detail: Any = "eHerkenning login required" if web.location else {"error": "eherkenning_insufficient"}
        if web.page is not None:
            ctx = web.page.context
            detail = {
                "error": "eherkenning_insufficient",
                "service": ctx.get("service"),
                "level": ctx.get("level"),
                "login_url": ctx.get("retry_url"),
            }
        super().__init__(status_code=web.status, detail=detail, headers=headers)
        self.response = response


class EHerkenning(StarletteEHerkenning):
    """The FastAPI integration: ``router`` holds the well-known views (not in the OpenAPI schema)."""

    @property
    def router(self) -> APIRouter:
        router = APIRouter(include_in_schema=False)
        for path, name, endpoint, methods in self.endpoints():
            router.add_api_route(path, endpoint, methods=methods, name=self.route_prefix + name)
        return router

    @property
    def exception_handlers(self) -> Mapping[Any, Callable[[Request, Exception], Awaitable[StarletteResponse]]]:
        """Pass to ``FastAPI(exception_handlers=...)`` to answer refused guards with ehkit's HTML pages."""

        async def denied(request: Request, exc: Exception) -> StarletteResponse:
            if not isinstance(exc, EHerkenningDenied):  # pragma: no cover - registered for that class only
                raise exc
            return exc.response

        return {EHerkenningDenied: denied}

    def require(  # type: ignore[override]
        self, service: str | Sequence[str] | None = None, loa: str | None = None
    ) -> Callable[..., Awaitable[LoginResult]]:
        """A dependency: ``Depends(eh.require("vergunning"))`` returns the LoginResult."""
        return _dependency(Requirement.of(service, loa), lambda request: self)


def _dependency(
    requirement: Requirement, find: Callable[[Request], StarletteEHerkenning]
) -> Callable[..., Awaitable[LoginResult]]:
    async def dependency(request: Request, response: Response) -> LoginResult:
        eh = find(request)
        login, denied = await eh.guard_web(request, requirement)
        if denied is not None or login is None:
            web = denied or WebResponse.redirect(eh.core.settings.login_redirect)
            raise EHerkenningDenied(web, eh.response(web))
        for key, value in NO_STORE.items():
            response.headers[key] = value
        return login

    return dependency


def require_eherkenning(
    service: str | Sequence[str] | None = None, loa: str | None = None
) -> Callable[..., Awaitable[LoginResult]]:
    """``Depends(require_eherkenning("vergunning"))``: the LoginResult of a session that satisfies
    the view (see the guard rules), else a redirect to the login or a refusal. The integration is
    found in ``app.state.ehkit``, which ``eh.lifespan`` sets."""
    requirement = Requirement.of(service, loa)

    def find(request: Request) -> StarletteEHerkenning:
        eh = getattr(request.app.state, "ehkit", None)
        if eh is None:
            raise RuntimeError("eHerkenning is not started: create the app with FastAPI(lifespan=eh.lifespan)")
        return eh  # type: ignore[no-any-return]

    return _dependency(requirement, find)
