"""Settings of the example site: what eHerkenning needs, nothing else (docs/integrations/django.md)."""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.sessions",
    "ehkit.integrations.django",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "voorbeeld.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True}]
# No database needed: the session lives in a signed cookie; ehkit seals the login inside it.
DATABASES: dict[str, dict[str, str]] = {}
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_SECURE = False  # True in production, where the site runs on https
USE_TZ = True

EHKIT = {
    # The path of ehkit.toml; `ehkit integration init` writes a test one next to manage.py.
    "CONFIG": os.environ.get("EHKIT_CONFIG", BASE_DIR / "ehkit.toml"),
    "SESSION_MAX_AGE": 3600,
}
