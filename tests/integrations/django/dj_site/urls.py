from django.urls import include, path

from dj_site import views

urlpatterns = [
    path("eherkenning/", include("ehkit.integrations.django.urls")),
    path("", views.home),
    path("bezoek", views.visit),
    path("bezocht", views.visited),
    path("melding", views.melding),
    path("vergunning", views.vergunning),
    path("overzicht", views.overzicht),
    path("api/wie", views.wie),
    path("api/login", views.whole),
    path("aanvraag", views.Aanvraag.as_view()),
]
