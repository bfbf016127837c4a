"""Guards for views: ``@eherkenning_required(service="vergunning")`` and ``EHerkenningRequiredMixin``.

Anonymous users are sent to the login of the view's service (and come back);
a login for another service or at a lower level gets a 403 page explaining
which login is needed. The rules are in :mod:`ehkit.integrations.base.guard`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from inspect import iscoroutinefunction
from typing import Any, TypeVar, cast, overload

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from ehkit.integrations.base import NO_STORE, SESSION_KEY, Requirement
from ehkit.integrations.django.conf import get_core
from ehkit.integrations.django.glue import respond, web_request
from ehkit.sp.result import LoginResult

__all__ = ["EHerkenningRequiredMixin", "eherkenning_required", "get_login"]

V = TypeVar("V", bound=Callable[..., Any])


def get_login(request: HttpRequest) -> LoginResult | None:
    """The session's eHerkenning login, or None (absent, expired, unreadable)."""
    found = getattr(request, "eherkenning", None)
    if isinstance(found, LoginResult):
        return found
    return get_core().current_login(request.session.get(SESSION_KEY))


def _guard(request: HttpRequest, requirement: Requirement) -> HttpResponse | None:
    login, denied = get_core().guard(web_request(request), request.session.get(SESSION_KEY), requirement)
    if denied is not None:
        return respond(request, denied)
    request.eherkenning = login  # type: ignore[attr-defined]
    return None


def _no_store(response: HttpResponse) -> HttpResponse:
    for key, value in NO_STORE.items():
        response[key] = value
    return response


@overload
def eherkenning_required(function: V) -> V: ...
@overload
def eherkenning_required(
    function: None = None, *, service: str | Sequence[str] | None = None, loa: str | None = None
) -> Callable[[V], V]: ...


def eherkenning_required(
    function: V | None = None, *, service: str | Sequence[str] | None = None, loa: str | None = None
) -> V | Callable[[V], V]:
    """Guard a function view (sync or async); the login is then ``request.eherkenning``."""
    requirement = Requirement.of(service, loa)

    def decorate(view: V) -> V:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def guarded_async(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                denied = await sync_to_async(_guard)(request, requirement)
                if denied is not None:
                    return denied
                return _no_store(await view(request, *args, **kwargs))

            return cast(V, guarded_async)

        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            denied = _guard(request, requirement)
            if denied is not None:
                return denied
            return _no_store(view(request, *args, **kwargs))

        return cast(V, guarded)

    return decorate(function) if function is not None else decorate


class EHerkenningRequiredMixin:
    """For class-based views: set ``eherkenning_service`` (a key or a list) and optionally ``eherkenning_loa``."""

    eherkenning_service: str | Sequence[str] | None = None
    eherkenning_loa: str | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        denied = _guard(request, Requirement.of(self.eherkenning_service, self.eherkenning_loa))
        if denied is not None:
            return denied
        return _no_store(super().dispatch(request, *args, **kwargs))  # type: ignore[misc]
