"""``path("eherkenning/", include("ehkit.integrations.django.urls"))``: dv.acs_url then ends in ``/eherkenning/acs/``."""

from __future__ import annotations

from django.urls import path

from ehkit.integrations.django import views

app_name = "ehkit"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("acs/", views.acs, name="acs"),
    path("metadata/<slug:group>/", views.metadata, name="metadata"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("health/", views.health, name="health"),
    path("metrics/", views.metrics, name="metrics"),
    path("logout/", views.logout, name="logout"),
    path("error/<slug:outcome>/", views.error, name="error"),
]
