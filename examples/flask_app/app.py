"""eHerkenning in a Flask application (docs/integrations/flask.md).

Start it next to an ``ehkit.toml`` (``ehkit integration init`` writes a test one):

    flask --app app run --port 8000
"""

from __future__ import annotations

import os
import secrets

from flask import Flask, render_template_string

from ehkit.integrations.flask import EHerkenning, current_login, eherkenning_required

PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>
{% if login %}
  <dl>
    <dt>Dienst</dt><dd data-testid="service">{{ login.service }}</dd>
    <dt>Soort</dt><dd data-testid="legal-type">{{ login.legal_subject.type.name }}</dd>
    <dt>Organisatie</dt><dd data-testid="legal-subject">{{ login.legal_subject }}</dd>
    <dt>Vestiging</dt><dd data-testid="vestiging">{{ login.vestigingsnummer or "alle vestigingen" }}</dd>
    <dt>Persoon (pseudoniem)</dt><dd data-testid="pseudonym">{{ login.acting_subject }}</dd>
    <dt>Niveau</dt><dd data-testid="loa">{{ login.loa.label }}</dd>
    <dt>Intermediair</dt><dd data-testid="intermediary">{{ login.intermediary.kvk if login.intermediary else "geen" }}</dd>
  </dl>
  <p><a href="{{ url_for('ehkit.logout') }}" data-testid="logout">Uitloggen</a></p>
{% else %}
  <p data-testid="anonymous">U bent niet ingelogd.</p>
{% endif %}
<ul>
  <li><a href="{{ url_for('ehkit.login', service='melding', next='/melding') }}" data-testid="login-melding">Inloggen met eHerkenning: Melding openbare ruimte (EH2+)</a></li>
  <li><a href="{{ url_for('ehkit.login', service='vergunning', next='/vergunning') }}" data-testid="login-vergunning">Inloggen met eHerkenning: Omgevingsvergunning (EH3)</a></li>
</ul>
</body></html>"""


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(32)
    app.config["SESSION_COOKIE_SECURE"] = False  # True in production, where the site runs on https
    # EHKIT_CONFIG: the path of ehkit.toml (the EHKIT_CONFIG environment variable, else ./ehkit.toml).
    EHerkenning(app)

    @app.get("/")
    def home() -> str:
        return render_template_string(PAGE, title="Voorbeeld: Flask", login=current_login())

    @app.get("/melding")
    @eherkenning_required(service="melding")
    def melding() -> str:
        return render_template_string(PAGE, title="Melding openbare ruimte (EH2+)", login=current_login())

    @app.get("/vergunning")
    @eherkenning_required(service="vergunning")
    def vergunning() -> str:
        return render_template_string(PAGE, title="Omgevingsvergunning (EH3)", login=current_login())

    @app.get("/overzicht")
    @eherkenning_required(loa="EH3")
    def overzicht() -> str:
        """Any service, as long as the login counts at EH3 or above."""
        return render_template_string(PAGE, title="Overzicht (EH3)", login=current_login())

    return app
