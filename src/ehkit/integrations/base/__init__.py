"""What every framework integration shares, with no framework imported.

* :mod:`.settings`: the integration's settings and how they override ``ehkit.toml``;
* :mod:`.session`: the login's session form (versioned JSON, sealed);
* :mod:`.guard`: which login opens which view (service and level);
* :mod:`.redirects`: return addresses on this site only;
* :mod:`.web` and :mod:`.core`: the flow (login, ACS, error pages, logout,
  documents) over framework-neutral requests and responses;
* :mod:`.checks`: configuration checks and the operator's tasks.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ehkit.integrations.base.core import OUTCOMES, EHerkenningCore, SessionPort, build_provider, start_response
from ehkit.integrations.base.guard import Decision, Requirement, Verdict, decide
from ehkit.integrations.base.redirects import safe_next, same_origin
from ehkit.integrations.base.session import SESSION_KEY, SessionDataError, SessionSeal, StoredLogin
from ehkit.integrations.base.settings import IntegrationSettings
from ehkit.integrations.base.web import NO_STORE, Cookie, Page, Urls, WebRequest, WebResponse

__all__ = [
    "NO_STORE",
    "OUTCOMES",
    "SESSION_KEY",
    "Cookie",
    "Decision",
    "EHerkenningCore",
    "IntegrationSettings",
    "Page",
    "Requirement",
    "SessionDataError",
    "SessionPort",
    "SessionSeal",
    "StoredLogin",
    "Urls",
    "Verdict",
    "WebRequest",
    "WebResponse",
    "build_provider",
    "decide",
    "safe_next",
    "same_origin",
    "start_response",
    "template_dir",
]


def template_dir() -> Path:
    """The packaged Jinja templates (``ehkit/*.html``) used by the Flask and Starlette integrations."""
    return Path(str(resources.files("ehkit.integrations").joinpath("templates")))
