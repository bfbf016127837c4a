"""Interface texts in Dutch and English.

Kept apart from the rules table: these are wording of the tool, not of the
decision model, and changing them must never change a level.
"""

from __future__ import annotations

from typing import Any

from ehkit.assess.model import Lang, Text

_MESSAGES: dict[str, tuple[str, str]] = {
    # questionnaire
    "intro": (
        "Betrouwbaarheidsniveau bepalen (stap 3 van het stappenplan). Beantwoord de vragen per dienst.",
        "Choosing the level of assurance (step 3 of the step plan). Answer the questions per service.",
    ),
    "ask_key": ("Sleutel van de dienst (key in ehkit.toml)", "Service key (key in ehkit.toml)"),
    "ask_name": ("Naam van de dienst (mag leeg)", "Service name (may be empty)"),
    "choose": ("Kies een nummer of waarde", "Choose a number or value"),
    "invalid_choice": (
        "'{value}' is geen keuze; kies uit: {allowed}",
        "'{value}' is not a choice; choose from: {allowed}",
    ),
    "key_required": ("Een sleutel is verplicht.", "A key is required."),
    "aborted": ("Afgebroken.", "Aborted."),
    # levels and statuses
    "eidas_low": ("laag", "low"),
    "eidas_substantial": ("substantieel", "substantial"),
    "eidas_high": ("hoog", "high"),
    "status_binding": (
        "Wettelijke ondergrens (Wdo art. 6): toegang alleen met een middel van minstens dit niveau.",
        "Legal floor (Wdo art. 6): access only with a means of at least this level.",
    ),
    "status_advice": (
        "Risicogebaseerd advies: de Wdo-ondergrens geldt niet voor deze dienstverlener; regels van het afsprakenstelsel wel.",
        "Risk-based advice: the Wdo floor does not apply to this provider; the scheme rules do.",
    ),
    # effects of a fired rule
    "effect_override": ("niveau vastgesteld op {level} (sectorwet)", "level set to {level} (sector law)"),
    "effect_minimum": ("minimaal {level}", "at least {level}"),
    "effect_step": ("risico-uitkomst één eIDAS-niveau omhoog: {level}", "risk outcome up one eIDAS class: {level}"),
    "effect_floor": ("ondergrens {level}", "floor {level}"),
    "effect_low_choice": ("uitkomst laag: {level} gekozen", "low outcome: {level} chosen"),
    "effect_binding": ("Wdo-ondergrens is bindend", "Wdo floor is binding"),
    "effect_eidas_service": (
        "eIDAS-dienst toevoegen op eIDAS-niveau {eidas}",
        "add an eIDAS service at eIDAS level {eidas}",
    ),
    "skipped_by_override": (
        "niet toegepast: de sectorwet gaat voor (Regeling art. 2 lid 1)",
        "not applied: the sector law takes precedence (Regeling art. 2(1))",
    ),
    "warn_scheme_above_override": (
        "De sectorwet schrijft {prescribed} voor, maar regel {rule} van het afsprakenstelsel eist minstens "
        "{required}, en het afsprakenstelsel geldt naast de sectorwet; het niveau is daarom {required}. "
        "Leg dit voor aan uw makelaar.",
        "The sector law prescribes {prescribed}, but scheme rule {rule} requires at least {required}, and the "
        "scheme applies next to the sector law; the level is therefore {required}. Check this with your broker.",
    ),
    "warn_low_choice_unused": (
        "U koos {choice} voor een lage uitkomst (regel {rule}), maar de uitkomst is niet laag: {because} "
        "maakt het niveau {level}. Die keuze geldt dus niet.",
        "You chose {choice} for a low outcome (rule {rule}), but the outcome is not low: {because} "
        "makes the level {level}. That choice does not apply.",
    ),
    # basis types and confirmation
    "basis_law": ("wet", "law"),
    "basis_regulation": ("regeling", "regulation"),
    "basis_guidance": ("richtlijn", "guidance"),
    "basis_scheme": ("afsprakenstelsel", "scheme rule"),
    "conf_C": ("bevestigd", "confirmed"),
    "conf_R": ("gereconstrueerd", "reconstructed"),
    "conf_C/R": ("deels bevestigd", "partly confirmed"),
    "reconstruction_note": (
        "Let op: deze regel is een reconstructie van richtlijnen, geen bevestigde regel. "
        "Controleer de brontekst voordat u hem als vaste eis behandelt.",
        "Note: this rule is a reconstruction of guidance, not a confirmed rule. "
        "Check the source text before treating it as a hard requirement.",
    ),
    "partly_note": (
        "Let op: de uitkomst van deze regel is met een voorbeeld bevestigd, de precieze regel of drempel is gereconstrueerd.",
        "Note: this rule's outcome is confirmed by an example; the exact rule or threshold is reconstructed.",
    ),
    # answers-file errors
    "err_file_read": ("kan {path} niet lezen: {error}", "cannot read {path}: {error}"),
    "err_file_parse": ("{path} is geen geldige {fmt}: {error}", "{path} is not valid {fmt}: {error}"),
    "err_duplicate_yaml_key": ("dubbele sleutel {name!r} op regel {line}", "duplicate key {name!r} on line {line}"),
    "err_duplicate_json_key": ("dubbele sleutel {name!r}", "duplicate key {name!r}"),
    "err_top": (
        "{path}: verwacht een mapping met alleen 'services' (een lijst)",
        "{path}: expected a mapping with only 'services' (a list)",
    ),
    "err_service_shape": (
        "{path}: services[{index}] moet een mapping zijn met 'key', 'answers' en optioneel 'name'",
        "{path}: services[{index}] must be a mapping with 'key', 'answers' and optional 'name'",
    ),
    "err_service_field": (
        "dienst {service!r}: onbekend veld {field!r}; toegestaan: key, name, answers",
        "service {service!r}: unknown field {field!r}; allowed: key, name, answers",
    ),
    "err_duplicate_service": ("dienst {service!r} staat er twee keer in", "service {service!r} appears twice"),
    "err_unknown_question": (
        "dienst {service!r}: onbekende vraag {question!r}{hint}; bekende vragen: {known}",
        "service {service!r}: unknown question {question!r}{hint}; known questions: {known}",
    ),
    "err_hint": (" (bedoelt u {guess!r}?)", " (did you mean {guess!r}?)"),
    "err_value": (
        "dienst {service!r}, vraag {question!r}: waarde {value!r} is niet toegestaan; toegestane waarden: {allowed}",
        "service {service!r}, question {question!r}: value {value!r} is not allowed; allowed values: {allowed}",
    ),
    "err_text_value": (
        "dienst {service!r}, vraag {question!r}: verwacht tekst, kreeg {value!r}",
        "service {service!r}, question {question!r}: expected text, got {value!r}",
    ),
    "err_missing": (
        "dienst {service!r}: antwoord ontbreekt op vraag {question!r} ({text}); toegestane waarden: {allowed}",
        "service {service!r}: missing answer to question {question!r} ({text}); allowed values: {allowed}",
    ),
    "err_header": ("Het antwoordbestand is ongeldig:", "The answers file is invalid:"),
    "err_no_such_service": (
        "fout: {path}: geen dienst met key {service!r}",
        "error: {path}: no service with key {service!r}",
    ),
    "err_write_reports": (
        "fout: kan geen rapporten schrijven in {path}: {error}",
        "error: cannot write reports to {path}: {error}",
    ),
    "err_write": ("fout: kan {path} niet schrijven: {error}", "error: cannot write {path}: {error}"),
    "error": ("fout: {message}", "error: {message}"),
    # apply
    "apply_confirm": ("Deze wijziging naar {path} schrijven?", "Write this change to {path}?"),
    "apply_written": ("{path} bijgewerkt.", "{path} updated."),
    "apply_unchanged": (
        "{path} heeft al deze niveaus; niets gewijzigd.",
        "{path} already has these levels; nothing changed.",
    ),
    "apply_declined": ("Niet gewijzigd.", "Not changed."),
    "apply_err_read": ("kan {path} niet lezen: {error}", "cannot read {path}: {error}"),
    "apply_err_toml": ("{source} is geen geldige TOML: {error}", "{source} is not valid TOML: {error}"),
    "apply_err_no_services": (
        '{source} heeft geen [[services]]-tabellen; voeg er een per dienst toe met key = "..."',
        '{source} has no [[services]] tables; add one with key = "..." per service',
    ),
    "apply_err_missing": (
        "{source}: geen [[services]]-blok met key {keys}; keys in het bestand: {known}",
        "{source}: no [[services]] block with key {keys}; keys in the file: {known}",
    ),
    "apply_err_layout": (
        "{source}: diensten moeten als [[services]]-tabellen geschreven zijn om ze te bewerken; bestand niet gewijzigd",
        "{source}: services must be written as [[services]] tables to be edited; file left unchanged",
    ),
    "apply_err_invalid": (
        "{source}: de wijziging zou het bestand ongeldig maken ({error}); bestand niet gewijzigd",
        "{source}: the edit would make the file invalid ({error}); file left unchanged",
    ),
    "apply_err_more": (
        "{source}: de wijziging zou meer veranderen dan de loa-waarden; bestand niet gewijzigd",
        "{source}: the edit would change more than the loa values; file left unchanged",
    ),
    "apply_err_changed": (
        "{path} is veranderd tijdens het wachten op bevestiging; probeer opnieuw",
        "{path} changed while waiting for confirmation; run again",
    ),
    "report_written": ("Rapport geschreven: {path}", "Report written: {path}"),
    "answers_saved": ("Antwoorden opgeslagen: {path}", "Answers saved: {path}"),
    "result_line": ("{service}: {level} ({urn}, eIDAS {eidas})", "{service}: {level} ({urn}, eIDAS {eidas})"),
    "eidas_flag": (
        "  + eIDAS-dienst nodig (publieke dienstverlener, EH3 of hoger)",
        "  + eIDAS service needed (public provider, EH3 or higher)",
    ),
    # report
    "r_title": ("Verantwoording betrouwbaarheidsniveau", "Level of assurance justification"),
    "r_service": ("Dienst", "Service"),
    "r_key": ("Sleutel", "Key"),
    "r_outcome": ("Uitkomst", "Outcome"),
    "r_level": ("Niveau", "Level"),
    "r_urn": ("AuthnContextClassRef", "AuthnContextClassRef"),
    "r_eidas": ("eIDAS-niveau", "eIDAS level"),
    "r_status": ("Status", "Status"),
    "r_method": (
        "Methode: beslismodel van ehkit, regels versie {version}. Elke regel geeft een minimumniveau; "
        "het hoogste minimum bepaalt het niveau van de hele dienst (Forum Standaardisatie, Handreiking 2017). "
        "EH1 is nooit een uitkomst.",
        "Method: ehkit decision model, rules version {version}. Each rule gives a minimum level; "
        "the highest minimum sets the level of the whole service (Forum Standaardisatie, Handreiking 2017). "
        "EH1 is never a result.",
    ),
    "r_fired": ("Regels die de uitkomst bepalen", "Rules that decided the outcome"),
    "r_rule": ("Regel", "Rule"),
    "r_effect": ("Effect", "Effect"),
    "r_basis": ("Grondslag", "Basis"),
    "r_confirmation": ("Status van de regel", "Status of the rule"),
    "r_because": ("Op grond van", "Because of"),
    "r_skipped": ("Niet toegepaste regels", "Rules not applied"),
    "r_warnings": ("Waarschuwingen", "Warnings"),
    "r_followups": ("Vervolgstappen", "Follow-up"),
    "r_advice": ("Advies voor de koppeling", "Advice for the integration"),
    "r_answers": ("Alle antwoorden", "All answers"),
    "r_question": ("Vraag", "Question"),
    "r_answer": ("Antwoord", "Answer"),
    "r_not_applicable": ("niet van toepassing", "not applicable"),
    "r_not_answered": ("niet beantwoord", "not answered"),
    "r_default": ("standaard", "default"),
    "r_reconstructed_summary": (
        "Deze uitkomst steunt geheel of deels op regels die zijn gereconstrueerd uit richtlijnen, niet op "
        "bevestigde regels. Zie de opmerking bij elke regel en laat de uitkomst toetsen, bijvoorbeeld door uw "
        "jurist of makelaar.",
        "This outcome rests wholly or partly on rules reconstructed from guidance, not on confirmed rules. "
        "See the note with each rule and have the outcome checked, for example by your legal adviser or broker.",
    ),
    "r_legend": (
        "C = bevestigd in een genoemde bron; R = gereconstrueerd uit richtlijnen; "
        "C/R = uitkomst bevestigd met een voorbeeld, precieze regel gereconstrueerd.",
        "C = confirmed in a named source; R = reconstructed from guidance; "
        "C/R = outcome confirmed by an example, exact rule reconstructed.",
    ),
    "r_date": ("Datum beoordeling", "Assessment date"),
    "r_signoff": ("Vaststelling", "Sign-off"),
    "r_signoff_text": (
        "Vastgesteld door de dienstverlener als verantwoording van het gekozen betrouwbaarheidsniveau.",
        "Adopted by the service provider as justification of the chosen level of assurance.",
    ),
    "r_name": ("Naam", "Name"),
    "r_signed_on": ("Datum", "Date"),
    "r_role": ("Functie", "Role"),
    "r_signature": ("Handtekening", "Signature"),
    "r_generated": ("Gemaakt met ehkit {version}.", "Generated with ehkit {version}."),
}


def msg(message_id: str, /, **params: Any) -> Text:
    """A parameter that is itself a Text is filled in per language."""
    nl, en = _MESSAGES[message_id]
    nl_params = {k: v.nl if isinstance(v, Text) else v for k, v in params.items()}
    en_params = {k: v.en if isinstance(v, Text) else v for k, v in params.items()}
    return Text(nl=nl.format(**nl_params), en=en.format(**en_params))


def say(lang: Lang, message_id: str, /, **params: Any) -> str:
    return msg(message_id, **params).get(lang)


def eidas_name(eidas: str, lang: Lang) -> str:
    return say(lang, f"eidas_{eidas}")
