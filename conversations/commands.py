"""Recognising commands: "/cancel" on any channel, or its words where there is no menu."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vocabulary.text import fold

_ALIASES = Path(__file__).parent / "data" / "commands.toml"
_NAVIGATION = frozenset({"start", "menu", "cancel", "help"})


@dataclass(frozen=True)
class Command:
    name: str
    argument: str = ""
    worded: bool = False  # said in everyday words rather than as "/name"

    @property
    def navigates(self) -> bool:
        """Whether it moves around the bot (always obeyed) rather than starting something."""
        return self.name in _NAVIGATION


@cache
def _table() -> dict[str, object]:
    return tomllib.loads(_ALIASES.read_text(encoding="utf-8"))


@cache
def _aliases() -> dict[str, str]:
    commands = {k: v for k, v in _table().items() if isinstance(v, list)}
    return {fold(word): name for name, words in commands.items() for word in words}


def yes_or_no(text: str) -> str | None:
    """"yes" or "no" for the everyday ways of saying so (see commands.toml), else None."""
    answers = _table()["answers"]
    assert isinstance(answers, dict)
    key = fold(text)
    return next((answer for answer, words in answers.items() if key in map(fold, words)), None)


def parse_command(text: str) -> Command | None:
    """The command a message gives, if any: "/start CODE", "/help@bot", or an alias word."""
    stripped = text.strip()
    if stripped.startswith("/"):
        head, _, argument = stripped[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        return Command(name, argument.strip()) if name else None
    name = _aliases().get(fold(stripped))
    return Command(name, worded=True) if name else None
