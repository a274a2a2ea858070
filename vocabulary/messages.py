"""Message keys and their rendering in the recipient's language from the Babel catalogues."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.support import Translations

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


@dataclass(frozen=True)
class Localised:
    """Text that comes with its own translations (an imported official text), shown in the
    reader's language, else in the first one given."""

    texts: dict[str, str]

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.texts.items())))


@dataclass(frozen=True)
class Msg:
    """A catalogue key with its parameters; turned into text only for a known reader.

    Parameters may be str, int, date, aware datetime, Localised text (an imported text or a
    label from a data file) or another Msg (rendered in turn).
    """

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def __init__(self, key: str, /, **params: Any) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "params", params)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "params": {k: _encode(v) for k, v in self.params.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Msg:
        return cls(data["key"], **{k: _decode(v) for k, v in data["params"].items()})


def _encode(value: Any) -> Any:
    if isinstance(value, Localised):
        return {"$text": value.texts}
    if isinstance(value, Msg):
        return {"$msg": value.to_json()}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$text" in value:
            return Localised(value["$text"])
        if "$msg" in value:
            return Msg.from_json(value["$msg"])
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    return value


@cache
def translations(language: str) -> Translations:
    return Translations.load(str(LOCALES), [language], DOMAIN)


class Renderer:
    """Renders messages for one language and timezone."""

    def __init__(self, language: str, tz: ZoneInfo) -> None:
        self.language = language
        self.tz = tz
        self._t = translations(language)

    def text(self, key: str) -> str:
        return self._t.gettext(key)

    def __call__(self, msg: Msg) -> str:
        template = self._t.gettext(msg.key)
        if not msg.params:
            return template
        return template.format(**{k: self._value(v) for k, v in msg.params.items()})

    def _value(self, value: Any) -> str:
        if isinstance(value, Localised):
            return value.texts.get(self.language) or next(iter(value.texts.values()), "")
        if isinstance(value, Msg):
            return self(value)
        if isinstance(value, datetime):
            pattern = self.text("format.datetime")
            return format_datetime(value.astimezone(self.tz), pattern, locale=self.language)
        if isinstance(value, date):
            return format_date(value, self.text("format.date"), locale=self.language)
        if value is None:
            return self.text("common.none")
        return str(value)

    def join(self, msgs: list[Msg]) -> str:
        return "\n".join(self(m) for m in msgs)
