"""The interactive questionnaire.

It asks exactly the questions an answers file must contain, in table order,
and skips follow-ups whose condition does not hold, so an interactive run and
a file run are interchangeable (``--save-answers`` writes the file).
"""

from __future__ import annotations

from rich.console import Console
from rich.prompt import Prompt

from ehkit.assess.answers import ServiceAnswers
from ehkit.assess.engine import evaluate
from ehkit.assess.model import Lang, Question, RuleSet
from ehkit.assess.texts import say


def run_questionnaire(
    ruleset: RuleSet, console: Console, lang: Lang = "nl", key: str | None = None, name: str | None = None
) -> ServiceAnswers:
    """Raises EOFError when input ends, so the caller can stop cleanly."""
    console.print(f"[bold]{say(lang, 'intro')}[/bold]")
    while not key:
        key = _ask(console, say(lang, "ask_key")).strip()
        if not key:
            console.print(f"[red]{say(lang, 'key_required')}[/red]")
    if name is None:
        name = _ask(console, say(lang, "ask_name"), default="").strip() or None
    answers: dict[str, str] = {}
    deferred: list[Question] = []
    for question in ruleset.questions:
        if not question.applies(answers):
            continue
        if question.type == "low_choice":
            # Only meaningful once the rest is known; asked below if the outcome is low.
            deferred.append(question)
            continue
        value = _ask_question(console, question, lang)
        if value is not None:
            answers[question.id] = value
    for question in deferred:
        preview = evaluate(ruleset, ServiceAnswers(key=key, name=name, answers=answers))
        if preview.level.eidas == "low" and any(f.rule.id == question.rule_id for f in preview.fired):
            value = _ask_question(console, question, lang)
            if value is not None:
                answers[question.id] = value
    return ServiceAnswers(key=key, name=name, answers=answers)


def _ask_question(console: Console, question: Question, lang: Lang) -> str | None:
    console.print()
    console.print(f"[bold]{question.text.get(lang)}[/bold]")
    if question.type == "text":
        return _ask(console, ">", default="").strip() or None
    for number, answer in enumerate(question.answers, start=1):
        console.print(f"  {number}) {answer.label.get(lang)}  [dim]({answer.value})[/dim]")
    default_number = None
    if question.default is not None:
        default_number = str(question.allowed.index(question.default) + 1)
    while True:
        raw = _ask(console, say(lang, "choose"), default=default_number).strip()
        value = _choice(question, raw)
        if value is not None:
            return value
        allowed = ", ".join(f"{n}={v}" for n, v in enumerate(question.allowed, start=1))
        console.print(f"[red]{say(lang, 'invalid_choice', value=raw, allowed=allowed)}[/red]")


def _choice(question: Question, raw: str) -> str | None:
    if raw.isdigit() and 1 <= int(raw) <= len(question.answers):
        return question.answers[int(raw) - 1].value
    if question.answer(raw) is not None:
        return raw
    return None


def _ask(console: Console, prompt: str, default: str | None = None) -> str:
    if default is None:
        return Prompt.ask(prompt, console=console)
    return Prompt.ask(prompt, console=console, default=default, show_default=bool(default))
