"""Page texts in Dutch (the afsprakenstelsel's language for these screens) and English."""

from __future__ import annotations

from collections.abc import Callable

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
    # remembering the authentication service (cookie, per browser)
    "remembered_choice": (
        "U koos de vorige keer {ad}; die staat al aangevinkt. Kies gerust een andere.",
        "Last time you chose {ad}; it is selected already. Feel free to choose another.",
    ),
    "remember_hint": (
        "Uw browser onthoudt dan alleen de leverancier (een cookie van deze simulator); vink uit om hem te vergeten.",
        "Your browser then remembers only the provider (a cookie of this simulator); untick to forget it.",
    ),
    # chain authorisations the service does not allow
    "chain_not_allowed": (
        "U heeft ook ketenmachtigingen (via {via}), maar deze dienst staat geen intermediairs toe "
        "(dienstencatalogus: noIntermediation). Ze gelden alleen voor diensten die ketenmachtiging toestaan.",
        "You also hold chain authorisations (through {via}), but this service does not allow intermediaries "
        "(service catalogue: noIntermediation). They only count for services that allow chain authorisation.",
    ),
    # error pages
    "page_not_found_title": ("Pagina niet gevonden", "Page not found"),
    "page_not_found_body": (
        "Dit adres bestaat niet bij de simulator. Begin bij de dienstverlener, of bekijk de overzichtspagina.",
        "This address does not exist at the simulator. Start at the service provider, or see the overview page.",
    ),
    "to_overview": ("Naar de overzichtspagina", "To the overview page"),
    "error_reason": ("Reden", "Reason"),
    "error_simulator_message": ("Melding van de simulator (Engels)", "Message of the simulator"),
    "why_flow_unknown": (
        "Deze inlogsessie is onbekend of verlopen. Begin opnieuw bij de dienstverlener.",
        "This login session is unknown or has expired. Start again at the service provider.",
    ),
    "why_flow_finished": (
        "Deze inlogsessie is al afgerond. Ga terug naar de dienstverlener.",
        "This login session is already completed. Go back to the service provider.",
    ),
    "why_not_found": ("Het adres bestaat niet.", "The address does not exist."),
    "why_relay_state_too_long": (
        "De RelayState is langer dan 80 bytes, de grens van het afsprakenstelsel.",
        "The RelayState is longer than 80 bytes, the limit of the afsprakenstelsel.",
    ),
    "why_no_request": (
        "Dit adres verwacht een SAML AuthnRequest (SAMLRequest of SAMLart).",
        "This address expects a SAML AuthnRequest (SAMLRequest or SAMLart).",
    ),
    "why_issuer_unknown": (
        "De afzender is geen dienstverlener die deze simulator kent. Laad zijn SP-metadata "
        "(--dv-metadata en --dv-catalogue, --config of POST /api/dvs).",
        "The sender is not a service provider this simulator knows. Load its SP metadata "
        "(--dv-metadata and --dv-catalogue, --config or POST /api/dvs).",
    ),
    "why_acs_unknown": (
        "Het gevraagde terugkeeradres (AssertionConsumerService) staat niet in de metadata van de dienstverlener.",
        "The requested return address (AssertionConsumerService) is not in the service provider's metadata.",
    ),
    "why_request_malformed": (
        "Het bericht is geen bruikbaar AuthnRequest.",
        "The message is not a usable AuthnRequest.",
    ),
    "why_artifact_resolution_failed": (
        "De simulator kon het verzoek niet ophalen bij de dienstverlener (artifact resolution).",
        "The simulator could not fetch the request from the service provider (artifact resolution).",
    ),
    "why_no_artifact_resolution": (
        "De dienstverlener stuurde een artifact maar publiceert geen ArtifactResolutionService.",
        "The service provider sent an artifact but publishes no ArtifactResolutionService.",
    ),
    "why_other": (
        "De simulator kon het bericht van de dienstverlener niet verwerken; de reden staat hieronder.",
        "The simulator could not process the service provider's message; the reason is below.",
    ),
    # the overview (test data) page
    "overview_endpoints": ("Adressen", "Endpoints"),
    "signing_cert": ("Ondertekeningscertificaat", "Signing certificate"),
    "connected_dvs": ("Aangesloten dienstverleners", "Connected service providers"),
    "service": ("Dienst", "Service"),
    "no_dvs": (
        "Nog geen dienstverlener geladen: start met --config of --dv-metadata, of gebruik POST /api/dvs.",
        "No service provider loaded yet: start with --config or --dv-metadata, or use POST /api/dvs.",
    ),
    "test_persons": ("Testpersonen (wachtwoord: test)", "Test persons (password: test)"),
    "name": ("Naam", "Name"),
    "means": ("Inlogmiddelen", "Login means"),
    "authorisations": ("Machtigingen", "Authorisations"),
    "all_services": ("alle diensten", "all services"),
    "only_services": ("alleen dienst", "service only"),
    "chain_via": ("ketenmachtiging via {via}", "chain authorisation through {via}"),
    "chain_note": (
        "Ketenmachtigingen gelden alleen voor diensten die intermediairs toestaan (intermediation in de "
        "dienstencatalogus); de tabel hieronder toont per dienst wie voor wie mag handelen.",
        "Chain authorisations only count for services that allow intermediaries (intermediation in the "
        "service catalogue); the table below shows per service who may act for whom.",
    ),
    "none_authorised": ("geen: ziet de pagina 'niet gemachtigd'", "none: sees the 'not authorised' page"),
    "eidas_self": ("handelt voor zichzelf (eIDAS)", "acts for themself (eIDAS)"),
    "per_service": ("Wie mag wat, per dienst", "Who may do what, per service"),
    "may_act_for": ("mag handelen voor", "may act for"),
    "intermediation_allowed": ("ketenmachtiging toegestaan", "chain authorisation allowed"),
    "intermediation_not_allowed": ("geen ketenmachtiging", "no chain authorisation"),
    "nobody": ("niemand", "nobody"),
    "means_too_low": ("inlogmiddel te laag voor deze dienst", "login means too low for this service"),
    "companies": ("Bedrijven", "Companies"),
    "vestigingen": ("Vestigingen", "Branches"),
    "scenarios": ("Scenario's", "Scenarios"),
    "what": ("Wat", "What"),
    "whole_org_short": ("hele organisatie", "whole organisation"),
    "vestiging_only": ("alleen vestiging {number}", "branch {number} only"),
    "level_of": ("niveau", "level"),
    "of": ("van", "of"),
    # single sign-on and single logout
    "sso_notice": (
        "U bent al ingelogd bij {ad} (single sign-on): u hoeft uw inloggegevens niet opnieuw in te voeren.",
        "You are already logged in at {ad} (single sign-on): you do not need to enter your credentials again.",
    ),
    "logged_out_title": ("U bent uitgelogd", "You are logged out"),
    "logged_out_body": ("U bent uitgelogd bij {dv} en bij {ad}.", "You are logged out at {dv} and at {ad}."),
    "logout_impossible_title": ("Uitloggen is momenteel niet mogelijk", "Logging out is not possible at the moment"),
    "logout_impossible_body": (
        "Uitloggen is momenteel niet mogelijk. Sluit alle browservensters om het uitloggen af te ronden.",
        "Logging out is not possible at the moment. Close all browser windows to complete the logout.",
    ),
    "back_to_dv": ("Terug naar {dv}", "Back to {dv}"),
    "logout_scenario": ("Scenario voor de LogoutResponse", "Scenario for the LogoutResponse"),
    "session_title": ("Uw inlogsessie", "Your login session"),
    "session_none": (
        "Er is geen actieve inlogsessie in deze browser.",
        "There is no active login session in this browser.",
    ),
    "session_ad": ("Ingelogd bij", "Logged in at"),
    "session_person": ("Testpersoon", "Test person"),
    "session_until": ("Geldig tot", "Valid until"),
    "session_services": ("Diensten in deze sessie", "Services in this session"),
    "broker_logout_button": (
        "Overal uitloggen (door de makelaar gestart)",
        "Log out everywhere (started by the broker)",
    ),
    "broker_logged_out_body": (
        "De makelaar heeft u uitgelogd bij {ad} en bij deze diensten:",
        "The broker logged you out at {ad} and at these services:",
    ),
    "result_ok": ("uitgelogd", "logged out"),
    "result_failed": ("uitloggen mislukt", "logout failed"),
    "result_unknown": ("onbekende dienstverlener", "unknown service provider"),
    "to_session": ("Inlogsessie bekijken", "View the login session"),
    "why_dv_no_slo": (
        "De dienstverlener publiceert geen SingleLogoutService in zijn metadata.",
        "The service provider publishes no SingleLogoutService in its metadata.",
    ),
    "why_logout_replay": (
        "Dit uitlogbericht is al eerder ontvangen.",
        "This logout message was received before.",
    ),
}


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)``: the text in ``lang``; an unknown key is a bug, so it raises."""
    index = 1 if lang == "en" else 0

    def t(key: str, **values: object) -> str:
        text = TEXTS[key][index]
        return text.format(**values) if values else text

    return t
