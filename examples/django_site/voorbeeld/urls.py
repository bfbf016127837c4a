from django.urls import include, path

from voorbeeld import views

urlpatterns = [
    path("eherkenning/", include("ehkit.integrations.django.urls")),
    path("", views.home),
    path("melding", views.melding),
    path("vergunning", views.vergunning),
    path("overzicht", views.overzicht),
]
