"""The workspace web app: Starlette routes and Jinja2 templates over :mod:`ehkit.workspace.services`."""

from ehkit.workspace.web.app import create_app

__all__ = ["create_app"]
