"""The monthly message: the items' official text verbatim with its source, a «Da doc» choice."""

from __future__ import annotations

from storage.models import TopicItem
from vocabulary.messages import Localised, Msg
from vocabulary.types import Choice, FileRef

READ_ACTION = "topics"


def month_label(month: str) -> str:
    """ "2026-12" as members read it: "12/2026"."""
    year, number = month.split("-")
    return f"{int(number)}/{year}"


def item_lines(item: TopicItem) -> list[Msg]:
    """One item as its reader sees it: the English text when imported, else the Vietnamese
    with a short note; the text is never changed, only chosen."""
    if item.text_en:
        text = Msg("topics.item", code=item.code,
                   text=Localised({"vi": item.text_vi or "", "en": item.text_en}))
    else:
        text = Msg("topics.item_vi_only", code=item.code, vi=item.text_vi or "")
    return [text, Msg("topics.item_source", source=item.source)] if item.source else [text]


def body(month: str, items: list[TopicItem], voice: bool) -> list[Msg]:
    lines = [Msg("topics.notice.head", month=month_label(month))]
    for item in items:
        lines += item_lines(item)
    if voice:
        lines.append(Msg("topics.notice.voice"))
    lines.append(Msg("topics.notice.tail"))
    return lines


def read_choice(month: str) -> Choice:
    """«Da doc» for a month's topics: the chi bo's round is found from the member's own."""
    return Choice(f"a:{READ_ACTION}:read:{month}", Msg("topics.read"), ref=month_label(month))


def voice_file(voice: dict[str, object] | None) -> FileRef | None:
    return FileRef(**voice) if voice else None  # type: ignore[arg-type]
