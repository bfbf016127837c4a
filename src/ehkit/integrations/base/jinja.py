"""Rendering the shared page templates with Jinja2 (Flask, Starlette, FastAPI).

A project's own template directories come first, so ``ehkit/cancelled.html``
in them replaces the packaged page; the packaged ``ehkit/base.html`` stays
available to extend.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from ehkit.integrations.base import template_dir
from ehkit.integrations.base.web import Page


def environment(extra_dirs: Sequence[str | os.PathLike[str]] = ()) -> Environment:
    loaders = [FileSystemLoader([str(Path(d)) for d in extra_dirs])] if extra_dirs else []
    loaders.append(FileSystemLoader(str(template_dir())))
    return Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]))


def render(env: Environment, page: Page) -> str:
    return env.get_template(page.template).render(**page.context)
