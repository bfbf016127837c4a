"""Page texts, Dutch first and English second, in the words eHerkenning users know.

Integrations hand the whole table for one language to the template as ``t``
(``{{ t.cancelled_title }}``), so an overriding template can use any text.
"""

from __future__ import annotations

from collections.abc import Mapping

Lang = str  # "nl" or "en"

TEXTS: Mapping[str, Mapping[str, str]] = {
    "eherkenning": {"nl": "eHerkenning", "en": "eHerkenning"},
    "login_with": {"nl": "Inloggen met eHerkenning", "en": "Log in with eHerkenning"},
    "european_login": {"nl": "European login", "en": "European login"},
    "lang_switch": {"nl": "English", "en": "Nederlands"},
    "try_again": {"nl": "Opnieuw inloggen", "en": "Log in again"},
    "back_home": {"nl": "Naar de startpagina", "en": "To the home page"},
    "cancelled_title": {"nl": "Inloggen afgebroken", "en": "Login cancelled"},
    "cancelled_text": {
        "nl": "U heeft het inloggen met eHerkenning afgebroken. Er is niets opgeslagen. U kunt opnieuw inloggen wanneer u wilt.",
        "en": "You cancelled the eHerkenning login. Nothing was stored. You can log in again whenever you like.",
    },
    "unavailable_title": {"nl": "eHerkenning is niet bereikbaar", "en": "eHerkenning is unreachable"},
    "unavailable_text": {
        "nl": "We konden de herkenningsmakelaar niet bereiken om uw inlog af te ronden. Probeer het over enkele minuten opnieuw.",
        "en": "We could not reach the broker to complete your login. Please try again in a few minutes.",
    },
    "refused_title": {"nl": "Inloggen is niet gelukt", "en": "Login failed"},
    "refused_text": {
        "nl": "Het inloggen met eHerkenning is niet gelukt. Probeer het opnieuw. Blijft het misgaan, neem dan contact met ons op en vermeld het tijdstip.",
        "en": "The eHerkenning login did not succeed. Please try again. If it keeps failing, contact us and mention the time.",
    },
    "forbidden_title": {"nl": "Andere inlog nodig", "en": "Another login is needed"},
    "forbidden_text": {
        "nl": "Voor deze pagina moet u inloggen met eHerkenning voor de dienst {service}, met minimaal niveau {level}.",
        "en": "This page needs an eHerkenning login for the service {service}, at level {level} or higher.",
    },
    "forbidden_current": {
        "nl": "U bent nu ingelogd voor {service} ({level}).",
        "en": "You are now logged in for {service} ({level}).",
    },
    "logout_title": {"nl": "Uitloggen", "en": "Log out"},
    "logout_text": {
        "nl": "Wilt u uitloggen? Uw sessie bij ons wordt dan beëindigd.",
        "en": "Do you want to log out? Your session with us will then end.",
    },
    "logout_button": {"nl": "Uitloggen", "en": "Log out"},
    "logout_incomplete_title": {"nl": "U bent hier uitgelogd", "en": "You are logged out here"},
    "logout_incomplete_text": {
        "nl": "Uw sessie bij ons is beëindigd, maar het uitloggen bij eHerkenning kon niet worden bevestigd. "
        "Sluit alle browservensters om het uitloggen af te ronden.",
        "en": "Your session with us has ended, but the logout at eHerkenning could not be confirmed. "
        "Close all browser windows to complete the logout.",
    },
    "not_found_title": {"nl": "Niet gevonden", "en": "Not found"},
    "not_found_text": {
        "nl": "Deze inlogpagina bestaat niet. Ga terug naar de startpagina en kies daar de dienst.",
        "en": "This login page does not exist. Go back to the home page and choose the service there.",
    },
}


def texts_for(lang: Lang) -> dict[str, str]:
    """Every text in one language (Dutch when the language is unknown)."""
    code = "en" if lang == "en" else "nl"
    return {key: entry[code] for key, entry in TEXTS.items()}


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    """``?lang=`` first, then the language cookie, then the browser's first of nl/en; Dutch by default."""
    for value in (query, cookie):
        if value in ("nl", "en"):
            return value
    best: tuple[float, Lang] | None = None
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("nl", "en"):
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if best is None or q > best[0]:
            best = (q, primary)
    return best[1] if best else "nl"
