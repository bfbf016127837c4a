from django.http import HttpRequest, HttpResponse
from django.template import engines

from ehkit.integrations.django.decorators import eherkenning_required, get_login

PAGE = engines["django"].from_string(
    """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>
{% if login %}
  <dl>
    <dt>Dienst</dt><dd data-testid="service">{{ login.service }}</dd>
    <dt>Soort</dt><dd data-testid="legal-type">{{ login.legal_subject.type.name }}</dd>
    <dt>Organisatie</dt><dd data-testid="legal-subject">{{ login.legal_subject }}</dd>
    <dt>Vestiging</dt><dd data-testid="vestiging">{{ login.vestigingsnummer|default:"alle vestigingen" }}</dd>
    <dt>Persoon (pseudoniem)</dt><dd data-testid="pseudonym">{{ login.acting_subject }}</dd>
    <dt>Niveau</dt><dd data-testid="loa">{{ login.loa.label }}</dd>
    <dt>Intermediair</dt><dd data-testid="intermediary">{{ login.intermediary.kvk|default:"geen" }}</dd>
  </dl>
  <p><a href="{% url 'ehkit:logout' %}" data-testid="logout">Uitloggen</a></p>
{% else %}
  <p data-testid="anonymous">U bent niet ingelogd.</p>
{% endif %}
<ul>
  <li><a href="{% url 'ehkit:login' %}?service=melding&amp;next=/melding" data-testid="login-melding">Inloggen met eHerkenning: Melding openbare ruimte (EH2+)</a></li>
  <li><a href="{% url 'ehkit:login' %}?service=vergunning&amp;next=/vergunning" data-testid="login-vergunning">Inloggen met eHerkenning: Omgevingsvergunning (EH3)</a></li>
</ul>
</body></html>"""
)


def page(request: HttpRequest, title: str) -> HttpResponse:
    return HttpResponse(PAGE.render({"title": title, "login": get_login(request)}, request))


def home(request: HttpRequest) -> HttpResponse:
    return page(request, "Voorbeeld: Django")


@eherkenning_required(service="melding")
def melding(request: HttpRequest) -> HttpResponse:
    return page(request, "Melding openbare ruimte (EH2+)")


@eherkenning_required(service="vergunning")
def vergunning(request: HttpRequest) -> HttpResponse:
    return page(request, "Omgevingsvergunning (EH3)")


@eherkenning_required(loa="EH3")
def overzicht(request: HttpRequest) -> HttpResponse:
    """Any service, as long as the login counts at EH3 or above."""
    return page(request, "Overzicht (EH3)")
