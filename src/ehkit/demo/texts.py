"""Page texts of the sample portal, Dutch first, English second."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "site": {"nl": "Gemeente Voorbeeldstad", "en": "Municipality of Voorbeeldstad"},
    "tagline": {"nl": "Digitale balie voor ondernemers", "en": "Online desk for businesses"},
    "intro": {
        "nl": "Log in met eHerkenning om namens uw organisatie een dienst te gebruiken. Dit is een voorbeeldportaal: het inloggen gaat via de eHerkenning-simulator van ehkit.",
        "en": "Log in with eHerkenning to use a service on behalf of your organisation. This is a sample portal: the login goes through the ehkit eHerkenning simulator.",
    },
    "login_with": {"nl": "Inloggen met eHerkenning", "en": "Log in with eHerkenning"},
    "loa": {"nl": "Betrouwbaarheidsniveau", "en": "Level of assurance"},
    "eidas_note": {
        "nl": "Ook voor inlogmiddelen uit andere EU-landen (eIDAS).",
        "en": "Also for login means from other EU countries (eIDAS).",
    },
    "logged_in_as": {"nl": "U bent ingelogd", "en": "You are logged in"},
    "company": {"nl": "Organisatie", "en": "Organisation"},
    "kvk": {"nl": "KvK-nummer", "en": "Chamber of Commerce (KvK) number"},
    "rsin": {"nl": "RSIN", "en": "RSIN (legal entity number)"},
    "bsn": {"nl": "BSN (eenmanszaak)", "en": "BSN (sole trader)"},
    "pseudonym_id": {"nl": "Pseudoniem", "en": "Pseudonym"},
    "pseudo_id": {"nl": "PseudoID (BSNk)", "en": "PseudoID (BSNk)"},
    "eidas_legal": {"nl": "eIDAS-identificatie", "en": "eIDAS identifier"},
    "identifier": {"nl": "Identificatie", "en": "Identifier"},
    "company_name": {"nl": "Naam", "en": "Name"},
    "person_heading": {"nl": "Persoon", "en": "Person"},
    "first_name": {"nl": "Voornaam", "en": "First name"},
    "initials": {"nl": "Voorletters", "en": "Initials"},
    "infix": {"nl": "Tussenvoegsel", "en": "Name prefix"},
    "family_name": {"nl": "Achternaam", "en": "Family name"},
    "birth_name": {"nl": "Geboortenaam", "en": "Birth name"},
    "date_of_birth": {"nl": "Geboortedatum", "en": "Date of birth"},
    "eidas_identity": {"nl": "Identificatie (eIDAS)", "en": "Identification (eIDAS)"},
    "details": {"nl": "Details voor ontwikkelaars (SAML-attributen)", "en": "Details for developers (SAML attributes)"},
    "european_login": {"nl": "European login", "en": "European login"},
    "european_login_about": {
        "nl": "Wat is European login? (government.nl)",
        "en": "What is European login? (government.nl)",
    },
    "not_found_title": {"nl": "Pagina niet gevonden", "en": "Page not found"},
    "unknown_service": {
        "nl": "Deze dienst bestaat niet bij de gemeente.",
        "en": "The municipality has no such service.",
    },
    "unknown_page": {"nl": "Deze pagina bestaat niet.", "en": "This page does not exist."},
    "outcome_gone": {
        "nl": "Deze melding is verlopen. Begin opnieuw op de startpagina.",
        "en": "This message has expired. Start again on the home page.",
    },
    "vestiging": {"nl": "Vestigingsnummer", "en": "Branch number"},
    "all_vestigingen": {"nl": "alle vestigingen", "en": "all branches"},
    "person": {"nl": "Pseudoniem van de persoon", "en": "Pseudonym of the person"},
    "loa_used": {"nl": "Gebruikt niveau", "en": "Level used"},
    "loa_required": {"nl": "Vereist niveau", "en": "Level required"},
    "intermediary": {"nl": "Intermediair (ketenmachtiging)", "en": "Intermediary (chain authorisation)"},
    "none": {"nl": "geen", "en": "none"},
    "broker": {"nl": "Herkenningsmakelaar", "en": "Broker"},
    "attributes": {"nl": "Gegevens", "en": "Attributes"},
    "logout": {"nl": "Uitloggen", "en": "Log out"},
    "logged_out": {"nl": "U bent uitgelogd.", "en": "You have logged out."},
    "back_home": {"nl": "Terug naar de startpagina", "en": "Back to the home page"},
    "try_again": {"nl": "Opnieuw inloggen", "en": "Log in again"},
    "not_logged_in": {"nl": "U bent niet ingelogd voor deze dienst.", "en": "You are not logged in for this service."},
    "cancelled_title": {"nl": "Inloggen afgebroken", "en": "Login cancelled"},
    "cancelled": {
        "nl": "U heeft het inloggen met eHerkenning afgebroken. Er is niets opgeslagen. U kunt het opnieuw proberen wanneer u wilt.",
        "en": "You cancelled the eHerkenning login. Nothing was stored. You can try again whenever you like.",
    },
    "loa_title": {"nl": "Inlogmiddel niet zwaar genoeg", "en": "Login means not strong enough"},
    "loa_text": {
        "nl": "Voor deze dienst is een eHerkenningsmiddel met minimaal niveau {required} nodig. Uw inlogmiddel heeft een lager niveau. Vraag bij uw leverancier een middel met een hoger niveau aan.",
        "en": "This service needs an eHerkenning means of at least level {required}. Your means has a lower level. Ask your supplier for a means at a higher level.",
    },
    "unreachable_title": {"nl": "eHerkenning is niet bereikbaar", "en": "eHerkenning is unreachable"},
    "unreachable": {
        "nl": "We konden de herkenningsmakelaar niet bereiken om uw inlog af te ronden. Probeer het over enkele minuten opnieuw.",
        "en": "We could not reach the broker to complete your login. Please try again in a few minutes.",
    },
    "failed_title": {"nl": "Inloggen is niet gelukt", "en": "Login failed"},
    "failed": {
        "nl": "Het inloggen met eHerkenning is niet gelukt. Probeer het opnieuw. Blijft het misgaan, neem dan contact op met de gemeente en noem deze code:",
        "en": "The eHerkenning login did not succeed. Please try again. If it keeps failing, contact the municipality and quote this code:",
    },
    "not_authorised_hint": {
        "nl": "Geen machtiging? Dan toont eHerkenning u een uitleg en komt u niet terug bij de gemeente. Vraag de beheerder van uw organisatie om een machtiging voor deze dienst.",
        "en": "No authorisation? Then eHerkenning shows you an explanation and you do not return to the municipality. Ask your organisation's administrator for an authorisation for this service.",
    },
    "lang_switch": {"nl": "English", "en": "Nederlands"},
    "demo_footer": {
        "nl": "Voorbeeldportaal van ehkit, de eHerkenning aansluitkit. Geen echte gemeente, geen echte gegevens.",
        "en": "Sample portal of ehkit, the eHerkenning connection kit. Not a real municipality, no real data.",
    },
}


def t(key: str, lang: str) -> str:
    entry = TEXTS[key]
    return entry.get(lang) or entry["nl"]
