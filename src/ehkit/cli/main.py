"""The ``ehkit`` command. Sub-commands register themselves from their own modules
so that one command's heavy imports never slow down another."""

from __future__ import annotations

import importlib

import typer

from ehkit.cli.help import HelpGroup

app = typer.Typer(
    cls=HelpGroup,
    name="ehkit",
    help="eHerkenning aansluitkit: connect, test and run an eHerkenning login.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# (module, attribute) pairs; each module exposes a `register(app)` function.
_COMMAND_MODULES = [
    "ehkit.cli.demo",
    "ehkit.cli.keys",
    "ehkit.cli.inspect",
    "ehkit.cli.assess",
    "ehkit.cli.catalogue",
    "ehkit.cli.metadata",
    "ehkit.cli.broker",
    "ehkit.cli.conformance",
    "ehkit.cli.integration",
    "ehkit.cli.workspace",
]


def _register_all() -> None:
    for name in _COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(app)


_register_all()


def main() -> None:  # pragma: no cover - thin wrapper
    app()


if __name__ == "__main__":  # ``python -m ehkit.cli.main``
    main()
