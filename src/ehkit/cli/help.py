"""Help output without a value type for flags.

typer 0.29's rich help prints every option's value type, so flags read
``--json <bool>`` as if they took a value, ``--help`` included. A flag takes
no value; giving every flag an empty metavar before the help is rendered
makes the type column empty for them and leaves every other option as it is.
All ``ehkit`` command groups use :class:`HelpGroup`, so no declaration can
forget it.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup


def hide_flag_types(command: Any, ctx: Any) -> None:
    """Give every flag of ``command`` (and its ``--help``) an empty metavar."""
    params = list(getattr(command, "params", ()))
    help_option = command.get_help_option(ctx)
    if help_option is not None:
        params.append(help_option)
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""


class HelpGroup(TyperGroup):
    """A typer group whose commands (and itself) show flags without ``<bool>``."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            hide_flag_types(command, ctx)
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        hide_flag_types(self, ctx)
        super().format_help(ctx, formatter)


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``1 error``, ``2 errors``, ``0 warnings``: the count with the right form of the noun."""
    return f"{count} {noun if count == 1 else (plural_form or noun + 's')}"
