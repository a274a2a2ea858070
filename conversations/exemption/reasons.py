"""The reasons a member may give: data (reasons.toml), to which a province adds its own."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from vocabulary.messages import Localised, Msg

BUILT_IN = Path(__file__).with_name("reasons.toml")
_CODE = re.compile(r"[a-z0-9_]{1,24}")  # stored in request.reason


class ReasonsFileError(ValueError):
    """A reasons file that cannot be used, with what is wrong in it."""


@dataclass(frozen=True)
class Reason:
    code: str
    open_ended: bool = False  # advanced age or poor health: no end, a medical certificate
    asks_text: bool = False  # the member writes the reason in his/her own words
    label_text: dict[str, str] = field(default_factory=dict)  # a province's own, by language

    @property
    def label(self) -> Msg:
        if self.label_text:
            return Msg("exemption.reason.named", label=Localised(self.label_text))
        return Msg(f"exemption.reason.{self.code}")


def _read(path: Path, built_in: bool) -> list[Reason]:
    try:
        entries: list[dict[str, Any]] = tomllib.loads(path.read_text("utf-8")).get("reason", [])
    except (OSError, tomllib.TOMLDecodeError) as problem:
        raise ReasonsFileError(f"{path}: {problem}") from problem
    found = []
    for entry in entries:
        code = str(entry.get("code", ""))
        label = entry.get("label") or {}
        if not _CODE.fullmatch(code):
            raise ReasonsFileError(f"{path}: code {code!r} must be 1-24 of a-z, 0-9, _")
        if not built_in and not (isinstance(label, dict) and label.get("vi") and label.get("en")):
            raise ReasonsFileError(f"{path}: reason {code!r} needs label.vi and label.en")
        found.append(Reason(code, bool(entry.get("open_ended")), bool(entry.get("asks_text")),
                            dict(label)))
    return found


@cache
def reasons(extra: Path | None = None) -> tuple[Reason, ...]:
    """The built-in reasons, then a province's own from `extra` (a code given twice fails)."""
    found = _read(BUILT_IN, True) + (_read(extra, False) if extra else [])
    codes = [r.code for r in found]
    if len(set(codes)) != len(codes):
        raise ReasonsFileError(f"{extra}: a reason code is given twice")
    return tuple(found)

