"""Page texts in Dutch (the afsprakenstelsel's language for these screens) and English."""

from __future__ import annotations

LANGS = ("nl", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "site_title": ("ehkit Broker Simulator", "ehkit Broker Simulator"),
    "test_banner": (
        "Testomgeving: dit is een simulator, geen echte herkenningsmakelaar. Gebruik geen echte gegevens.",
        "Test environment: this is a simulator, not a real broker. Do not use real data.",
    ),
    "skip": ("Naar de inhoud", "Skip to content"),
    "lang_switch": ("English", "Nederlands"),
    "login_for": ("Inloggen voor", "Log in for"),
    "at_dv": ("bij", "at"),
    "required_loa": ("Vereist betrouwbaarheidsniveau", "Required level of assurance"),
    "choose_ad_title": ("Kies uw inlogmiddel-leverancier", "Choose your login means provider"),
    "choose_ad_intro": (
        "Kies bij welke leverancier u uw eHerkenningsmiddel heeft. U ziet alleen leveranciers die deze dienst kunnen bedienen.",
        "Choose the provider of your eHerkenning login means. Only providers that can serve this service are shown.",
    ),
    "remember_choice": ("Onthoud deze keuze", "Remember this choice"),
    "continue": ("Verder", "Continue"),
    "cancel": ("Annuleren", "Cancel"),
    "back": ("Terug", "Back"),
    "no_ads": (
        "Geen enkele leverancier kan de identificerende gegevens leveren die deze dienst vraagt.",
        "No provider can deliver the identifiers this service asks for.",
    ),
    "authenticate_title": ("Inloggen bij", "Log in at"),
    "authenticate_intro": (
        "Dit is een testinlog: kies een testpersoon en een inlogmiddel. Het wachtwoord van alle testpersonen is",
        "This is a test login: choose a test person and a login means. The password of every test person is",
    ),
    "persona": ("Testpersoon en inlogmiddel", "Test person and login means"),
    "password": ("Wachtwoord", "Password"),
    "log_in": ("Inloggen", "Log in"),
    "too_low": ("te laag voor deze dienst", "too low for this service"),
    "err_unknown_persona": ("Kies een testpersoon met een inlogmiddel.", "Choose a test person with a login means."),
    "err_bad_password": ("Het wachtwoord is onjuist.", "The password is wrong."),
    "err_loa_too_low": (
        "Dit inlogmiddel heeft een te laag betrouwbaarheidsniveau voor deze dienst. Kies een middel van minimaal",
        "This login means has too low a level of assurance for this service. Choose a means of at least",
    ),
    "represent_title": ("Namens wie logt u in?", "On whose behalf do you log in?"),
    "represent_intro": (
        "Kies de organisatie (en eventueel de vestiging) waarvoor u bent gemachtigd voor deze dienst.",
        "Choose the organisation (and, if applicable, the branch) you are authorised for for this service.",
    ),
    "whole_company": ("hele organisatie", "whole organisation"),
    "vestiging": ("vestiging", "branch"),
    "restricted": ("alleen deze vestiging", "this branch only"),
    "via": ("via ketenmachtiging door", "through chain authorisation by"),
    "kvk": ("KvK-nummer", "Chamber of Commerce number"),
    "not_authorised_title": ("U bent niet gemachtigd", "You are not authorised"),
    "not_authorised_body": (
        "U bent ingelogd, maar u bent voor deze dienst voor geen enkele organisatie gemachtigd. "
        "De dienstverlener krijgt geen bericht. Vraag een machtiging aan bij de organisatie waarvoor u wilt handelen, "
        "of annuleer om terug te gaan naar de dienstverlener.",
        "You are logged in, but you are not authorised for this service on behalf of any organisation. "
        "The service provider receives no message. Ask the organisation you want to act for for an authorisation, "
        "or cancel to return to the service provider.",
    ),
    "other_person": ("Met een andere testpersoon inloggen", "Log in as another test person"),
    "error_title": ("Er ging iets mis", "Something went wrong"),
    "error_body": (
        "De herkenningsmakelaar kan dit verzoek niet beantwoorden. De dienstverlener krijgt geen antwoord.",
        "The broker cannot answer this request. The service provider receives no response.",
    ),
    "error_technical": ("Technische details", "Technical details"),
    "redirecting": (
        "U wordt teruggestuurd naar de dienstverlener…",
        "You are being sent back to the service provider…",
    ),
    "no_js": (
        "JavaScript staat uit. Klik op de knop om door te gaan.",
        "JavaScript is off. Press the button to continue.",
    ),
    "test_options": ("Testopties", "Test options"),
    "scenario": ("Scenario", "Scenario"),
    "response_binding": ("Antwoord-binding", "Response binding"),
    "save_options": ("Opslaan", "Save"),
    "expected_reason": ("verwachte reden bij de DV", "expected reason at the DV"),
    "accept": ("accepteren", "accept"),
    "replay_title": ("Scenario: hetzelfde antwoord twee keer", "Scenario: the same response twice"),
    "replay_body": (
        "In dit scenario levert de makelaar hetzelfde antwoord twee keer af. Lever eerst het eerste af; ga daarna terug en lever het tweede af. De dienstverlener moet het tweede weigeren.",
        "In this scenario the broker delivers the same response twice. Deliver the first; then come back and deliver the second. The service provider must refuse the second.",
    ),
    "deliver": ("Afleveren", "Deliver"),
    "step": ("Stap", "Step"),
    "of": ("van", "of"),
}


def translator(lang: str):  # type: ignore[no-untyped-def]
    index = 1 if lang == "en" else 0

    def t(key: str) -> str:
        pair = TEXTS.get(key)
        return pair[index] if pair else key

    return t
