"""``ehkit assess``: choose the level of assurance per service (step 3 of the step plan).

Interactive by default; ``--answers FILE`` makes it repeatable in CI and lets
the answers file itself be the DV's record. Exit codes: 0 done, 1 stopped by
the user, 2 invalid input (answers file, ``--apply`` target).
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ehkit.assess.engine import Assessment
    from ehkit.assess.model import Lang, RuleSet


class Language(str, enum.Enum):
    en = "en"
    nl = "nl"


def register(app: typer.Typer) -> None:
    """Add the ``assess`` command to the ``ehkit`` app."""
    app.command(
        "assess",
        help="Choose the level of assurance per service (step 3): questionnaire or answers file, report, --apply. "
        "Output in English; --lang nl for Dutch questions, messages and reports.",
    )(assess_command)


def assess_command(
    answers: Annotated[
        Path | None, typer.Option("--answers", help="YAML or JSON answers file; no questions are asked.")
    ] = None,
    lang: Annotated[
        Language, typer.Option("--lang", help="Language of questions, messages, reports and JSON prose.")
    ] = Language.en,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")] = False,
    report_dir: Annotated[
        Path | None, typer.Option("--report-dir", help="Write a Markdown and HTML report per service here.")
    ] = None,
    apply: Annotated[
        Path | None, typer.Option("--apply", help="Write the levels into this ehkit.toml (shows a diff first).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking for confirmation.")] = False,
    service: Annotated[
        str | None,
        typer.Option("--service", help="Service key: the one to ask about, or the one to pick from --answers."),
    ] = None,
    save_answers: Annotated[
        Path | None,
        typer.Option("--save-answers", help="After an interactive run, save the answers as a YAML file."),
    ] = None,
) -> None:
    from rich.console import Console

    from ehkit.assess.answers import AnswersError
    from ehkit.assess.apply import ApplyError
    from ehkit.assess.model import load_rules

    code: Lang = lang.value
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    ruleset = load_rules()
    try:
        assessments = _assessments(ruleset, answers, service, save_answers, code, err if json_output else out)
        if json_output:
            typer.echo(json.dumps(_json_document(assessments, code), ensure_ascii=False, indent=2))
        else:
            _print_summary(out, assessments, code)
        if report_dir is not None:
            _write_reports(assessments, ruleset, report_dir, code, err if json_output else out)
        if apply is not None:
            _apply(assessments, apply, yes, code, err if json_output else out)
    except AnswersError as exc:
        from ehkit.assess.texts import say

        typer.echo(say(code, "err_header"), err=True)
        for problem in exc.problems:
            typer.echo(f"  - {problem.get(code)}", err=True)
        raise typer.Exit(2) from None
    except ApplyError as exc:
        from ehkit.assess.texts import say

        typer.echo(say(code, "error", message=exc.text.get(code)), err=True)
        raise typer.Exit(2) from None


def _assessments(
    ruleset: RuleSet, answers: Path | None, service: str | None, save: Path | None, lang: Lang, console: Console
) -> list[Assessment]:
    from ehkit.assess.answers import dump_answers, load_answers_file
    from ehkit.assess.engine import evaluate
    from ehkit.assess.questionnaire import run_questionnaire
    from ehkit.assess.texts import say

    if answers is not None:
        services = load_answers_file(answers, ruleset)
        if service is not None:
            services = [s for s in services if s.key == service]
            if not services:
                typer.echo(say(lang, "err_no_such_service", path=answers, service=service), err=True)
                raise typer.Exit(2)
    else:
        try:
            services = [run_questionnaire(ruleset, console, lang, key=service)]
        except (EOFError, KeyboardInterrupt):
            typer.echo("\n" + say(lang, "aborted"), err=True)
            raise typer.Exit(1) from None
        if save is not None:
            from ehkit.util.files import atomic_write

            atomic_write(save, dump_answers(services).encode("utf-8"))
            console.print(say(lang, "answers_saved", path=save), markup=False)
    return [evaluate(ruleset, s) for s in services]


def _json_document(assessments: list[Assessment], lang: Lang) -> dict[str, object]:
    from ehkit.assess.serialize import assessment_to_dict

    return {"services": [assessment_to_dict(a, lang) for a in assessments]}


def _print_summary(console: Console, assessments: list[Assessment], lang: Lang) -> None:
    from rich.markup import escape

    from ehkit.assess.texts import eidas_name, say

    for a in assessments:
        console.print()
        line = say(
            lang,
            "result_line",
            service=a.name or a.key,
            level=a.level.label,
            urn=a.level.urn,
            eidas=eidas_name(a.level.eidas, lang),
        )
        console.print(f"[bold]{escape(line)}[/bold]")
        # Why the level differs from what a rule named comes first, before the list of rules.
        for warning in a.warnings:
            console.print(f"  [yellow]! {escape(warning.get(lang))}[/yellow]")
        for firing in a.fired:
            mark = f" \\[{firing.rule.confirmation}]" if firing.rule.reconstructed else ""
            console.print(
                f"  {firing.rule.id}: {escape(firing.rule.title.get(lang))}: {escape(firing.effect.get(lang))}{mark}"
            )
        if a.needs_eidas_service:
            console.print(escape(say(lang, "eidas_flag")))
        for rule in a.advice:
            console.print(f"  [dim]{rule.id}: {escape(rule.note.get(lang))}[/dim]")


def _write_reports(
    assessments: list[Assessment], ruleset: RuleSet, directory: Path, lang: Lang, console: Console
) -> None:
    from ehkit.assess.report import write_reports
    from ehkit.assess.texts import say

    try:
        paths = write_reports(assessments, ruleset, directory, lang)
    except OSError as exc:
        typer.echo(say(lang, "err_write_reports", path=directory, error=exc), err=True)
        raise typer.Exit(2) from None
    for path in paths:
        console.print(say(lang, "report_written", path=path), markup=False)


def _apply(assessments: list[Assessment], path: Path, yes: bool, lang: Lang, console: Console) -> None:
    from ehkit.assess.apply import read_config, set_levels, unified_diff, write_config
    from ehkit.assess.texts import say

    old = read_config(path)
    new = set_levels(old, {a.key: a.level for a in assessments}, source=str(path))
    if new == old:
        console.print(say(lang, "apply_unchanged", path=path), markup=False)
        return
    typer.echo(unified_diff(old, new, path), err=console.stderr, nl=False)
    if not yes and not typer.confirm(say(lang, "apply_confirm", path=path), default=False, err=console.stderr):
        console.print(say(lang, "apply_declined"), markup=False)
        raise typer.Exit(1)
    try:
        write_config(path, old, new)
    except OSError as exc:
        typer.echo(say(lang, "err_write", path=path, error=exc), err=True)
        raise typer.Exit(2) from None
    console.print(say(lang, "apply_written", path=path), markup=False)
