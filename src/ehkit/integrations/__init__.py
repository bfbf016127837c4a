"""Framework integrations: Django, Flask, FastAPI and plain Starlette.

Each ``ehkit.integrations.<framework>`` only maps the framework's request,
session and settings onto :class:`ehkit.ServiceProvider`. What they share
(configuration with overrides, the session form of a login, the guard rules,
safe redirects, error pages) lives once, framework-free, in
:mod:`ehkit.integrations.base`. No protocol logic lives here.
"""
