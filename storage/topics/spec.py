"""A catalogue as read from a file, before it is checked and written."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

GROUPS = ("A", "B", "C")  # political ideology; ethics and lifestyle; self-evolution
DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "nq04-2016.toml"


@dataclass
class ItemSpec:
    """One item, with where it was found ("line 4", "paragraph 12") for error messages."""

    where: str
    code: str
    group: str
    text_vi: str | None
    parent_code: str | None = None
    text_en: str | None = None
    source: str | None = None
    source_date: str | None = None
    source_link: str | None = None
    verified: bool = False


@dataclass
class CatalogueSpec:
    code: str
    title: str
    issuer: str | None = None
    issued_on: date | None = None
    items: list[ItemSpec] = field(default_factory=list)


@cache
def default_catalogue() -> CatalogueSpec:
    """The 27 items of 04-NQ/TW as shipped: verified ones with text and source, others bare."""
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    head = data["catalogue"]
    items = [ItemSpec(where=f"item {n}", code=i["code"], group=i["group"],
                      text_vi=i.get("text_vi"), source=i.get("source"),
                      source_date=i.get("source_date"), source_link=i.get("source_link"),
                      verified=bool(i.get("verified", False)))
             for n, i in enumerate(data["items"], start=1)]
    return CatalogueSpec(head["code"], head["title"], head.get("issuer"), head.get("issued_on"),
                         items)


def official_codes() -> frozenset[str]:
    """The codes of the 27 items, which a provincial item may name as its parent."""
    return frozenset(item.code for item in default_catalogue().items)
