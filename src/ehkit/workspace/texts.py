"""Texts the workspace's web pages and its exports (the dossier) share, in Dutch and English.

The web layer's table (:mod:`ehkit.workspace.web.i18n`) takes these in, so a
page and the dossier name a step, a status or a role with the same words; the
export code reads them from here and never imports the web layer.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TEXTS", "text"]

TEXTS: dict[str, tuple[str, str]] = {
    # ---- step 5: conformance runs
    "conf_title": ("Conformancetest van uw DV", "Conformance test of your DV"),
    "conf_intro": ("Test de DV zelf, zoals de makelaar dat doet: de SP-metadata en de dienstencatalogus uit deze werkruimte, echte logins via de simulator (ook vijandige antwoorden die de DV moet weigeren), en een rapport voor de makelaar. De DV moet de simulator als makelaar vertrouwen.",
                   "Test the DV itself, as the broker does: the SP metadata and the service catalogue from this workspace, real logins through the simulator (including hostile answers the DV must refuse), and a report for the broker. The DV must trust the simulator as its broker."),
    "conf_not_simulator": ("Let op: dit project gebruikt nog niet de simulator als makelaar. Een DV die de simulator niet vertrouwt, weigert elke login; kies eerst 'Gebruik de simulator als makelaar' en configureer de DV met de gegenereerde ehkit.toml.",
                           "Note: this project does not use the simulator as broker yet. A DV that does not trust the simulator refuses every login; first choose 'Use the simulator as broker' and configure the DV with the generated ehkit.toml."),
    "conf_run": ("Start de conformancetest", "Start the conformance test"),
    "conf_none": ("Nog geen conformancetest gedaan.", "No conformance test yet."),
    "conf_started": ("De conformancetest loopt op de achtergrond; deze pagina ververst zichzelf.", "The conformance test runs in the background; this page refreshes itself."),
    "field_login_url": ("Adres dat een login start", "URL that starts a login"),
    "field_login_url_hint": ("{service} staat voor de sleutel van elke dienst, bijv. https://dv.example/login/{service}", "{service} stands for each service's key, e.g. https://dv.example/login/{service}"),
    "field_success_url": ("Adres dat alleen na een login 2xx geeft", "URL that answers 2xx only after a login"),
    "field_success_text": ("Of: tekst die alleen na een login op de pagina staat", "Or: text shown on the page only after a login"),
    "field_identity_url": ("Adres dat de ingelogde identiteit toont", "URL that shows the logged-in identity"),
    "field_simulator_url": ("Adres van de simulator (zoals de DV hem kent)", "Simulator address (as the DV knows it)"),
    "field_only": ("Alleen deze controles (ids, bijv. META-*, LOGIN-SUCCESS)", "Only these checks (ids, e.g. META-*, LOGIN-SUCCESS)"),
    "conf_status_running": ("bezig", "running"),
    "conf_status_interrupted": ("afgebroken (de server is gestopt)", "interrupted (the server stopped)"),
    "conf_status_passed": ("geslaagd", "passed"),
    "conf_status_failed": ("niet geslaagd", "failed"),
    "conf_status_error": ("niet uitgevoerd", "could not run"),
    "conf_run_title": ("Conformancetest van {date}", "Conformance test of {date}"),
    "conf_progress": ("{done} van {total} controles gedaan", "{done} of {total} checks done"),
    "conf_progress_phase_queued": ("wacht op start", "waiting to start"),
    "conf_progress_phase_static": ("documenten controleren", "checking the documents"),
    "conf_progress_phase_simulator": ("simulator gestart, logins lopen", "simulator started, logins running"),
    "conf_progress_phase_check": ("logins lopen", "logins running"),
    "conf_progress_phase_done": ("rapport schrijven", "writing the report"),
    "conf_report_html": ("Rapport bekijken (HTML)", "View the report (HTML)"),
    "conf_report_json": ("JSON downloaden", "Download JSON"),
    "conf_report_junit": ("JUnit XML downloaden", "Download JUnit XML"),
    "conf_mandatory_failures": ("Verplichte controles niet gehaald: {ids}", "Mandatory checks failed: {ids}"),
    "conf_all_runs": ("Alle conformancetests", "All conformance tests"),
    "conf_back": ("Terug naar stap 5", "Back to step 5"),
    "col_started": ("Gestart", "Started"),
    "col_summary": ("Uitkomst", "Summary"),
    "latest_results": ("Laatste testresultaten", "Latest test results"),
    "latest_simulator": ("Simulatortest", "Simulator run"),
    "latest_conformance": ("Conformancetest", "Conformance test"),
    "e_conformance_url": ("moet een http(s)-adres zijn, bijv. https://dv.example/login/{service}", "must be an http(s) URL, e.g. https://dv.example/login/{service}"),
    "e_conformance_simulator_url": ("moet alleen schema://host:poort zijn, zonder pad, bijv. http://127.0.0.1:8801", "must be scheme://host:port only, without a path, e.g. http://127.0.0.1:8801"),
    "e_conformance_detector": ("geef een adres dat alleen na een login 2xx geeft, of een tekst die alleen na een login op de pagina staat", "give a URL that answers 2xx only after a login, or a text shown only after a login"),
    "e_conformance_only": ("noemt geen bestaande controle: {detail}", "names no existing check: {detail}"),
    "e_conformance_busy": ("er loopt al een conformancetest (nummer {id}); wacht tot die klaar is", "a conformance test is already running (number {id}); wait until it has finished"),
    "e_conformance_not_ready": ("de SP-metadata en de catalogus zijn nog niet te bouwen; los eerst op wat onder 'Eerst nodig' staat", "the SP metadata and the catalogue cannot be built yet; first fix what 'Needed first' lists"),
}  # fmt: skip


def text(lang: str, key: str, /, **params: Any) -> str:
    """The text for ``key`` in ``lang`` (``nl`` or ``en``); an unknown key raises."""
    nl, en = TEXTS[key]
    chosen = en if lang == "en" else nl
    return chosen.format(**params) if params else chosen
