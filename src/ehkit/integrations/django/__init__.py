"""eHerkenning for Django 5.2: an app for ``INSTALLED_APPS`` and one URL include.

::

    INSTALLED_APPS = [..., "django.contrib.sessions", "ehkit.integrations.django"]
    EHKIT = {"CONFIG": BASE_DIR / "ehkit.toml"}

    urlpatterns = [path("eherkenning/", include("ehkit.integrations.django.urls")), ...]

    from ehkit.integrations.django.decorators import eherkenning_required

    @eherkenning_required(service="vergunning")
    def aanvraag(request):
        return HttpResponse(f"KvK {request.eherkenning.legal_subject}")

The identity lives in the session (``request.session``, rotated with
``cycle_key`` at login), not in a Django user: enable
``ehkit.integrations.django.backends.EHerkenningBackend`` to also log a user
in. System checks report configuration errors at start-up, naming the field.
See docs/integrations/django.md. (This module imports nothing from Django, so
the shared templates can be found without it.)
"""
