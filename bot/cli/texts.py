"""The command line speaks the deployment's language (CHIBOT_DEFAULT_LANGUAGE), from the catalogues.

Help texts are written as catalogue keys (`help=Msg("cli.db.upgrade").key`) and translated when a
command runs, not when it is imported, so the language is the one set for that run. A help
text that is not a key (a command added without one) is shown as written.
"""

from __future__ import annotations

from typing import Any

import typer
from typer import rich_utils
from typer.core import TyperGroup

from vocabulary.messages import Msg, Renderer
from vocabulary.settings import Settings

# typer's own words on a help screen, by the catalogue key that translates each.
_TYPER_WORDS = {
    "ARGUMENTS_PANEL_TITLE": Msg("cli.typer.arguments"),
    "OPTIONS_PANEL_TITLE": Msg("cli.typer.options"),
    "COMMANDS_PANEL_TITLE": Msg("cli.typer.commands"),
    "ERRORS_PANEL_TITLE": Msg("cli.typer.error"),
    "ABORTED_TEXT": Msg("cli.typer.aborted"),
    "REQUIRED_LONG_STRING": Msg("cli.typer.required"),
    "DEFAULT_STRING": Msg("cli.typer.default"),
    "RICH_HELP": Msg("cli.typer.try_help"),
}
HELP_OPTION = Msg("cli.typer.help_option")


def renderer() -> Renderer:
    settings = Settings()
    return Renderer(settings.default_language, settings.tz)


def say(msg: Msg) -> str:
    return renderer()(msg)


def echo(msg: Msg, *, err: bool = False) -> None:
    typer.echo(say(msg), err=err)


class TranslatedGroup(TyperGroup):
    """The `chibot` group: translates its help, and its commands', just before it runs."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        render = renderer()
        for name, words in _TYPER_WORDS.items():
            setattr(rich_utils, name, render.text(words.key))
        _translate(self, render)
        return super().main(*args, **kwargs)


def _translate(command: Any, render: Renderer) -> None:
    """Typer builds its commands on its own copy of click, so they are walked by shape."""
    command.help = _text(command.help, render)
    command.short_help = _text(command.short_help, render)
    for param in command.params:
        if hasattr(param, "help"):
            param.help = _text(param.help, render)
    # Made once per command and kept, so the translated text is the one shown.
    helper = command.get_help_option(command.context_class(command))
    if helper is not None:
        helper.help = render.text(HELP_OPTION.key)
    for sub in getattr(command, "commands", {}).values():
        _translate(sub, render)


def _text(key: str | None, render: Renderer) -> str | None:
    """The translation of a key; anything else (or nothing) as it is."""
    if not key:
        return key
    return render.text(key)
