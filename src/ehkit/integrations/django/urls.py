"""``path("eherkenning/", include("ehkit.integrations.django.urls"))``: dv.acs_url then ends in ``/eherkenning/acs/``
(and ``broker.oidc.redirect_uri``, for an OIDC front, in ``/eherkenning/oidc/callback/``)."""

from __future__ import annotations

from django.urls import path

from ehkit.integrations.django import views

app_name = "ehkit"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("acs/", views.acs, name="acs"),
    path("oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path("metadata/<slug:group>/", views.metadata, name="metadata"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("logout/", views.logout, name="logout"),
    path("slo/", views.slo, name="slo"),
    path("error/<slug:outcome>/", views.error, name="error"),
]
