"""All-or-nothing checks of a catalogue read from a file, each problem named by its place."""

from __future__ import annotations

from storage.topics.spec import GROUPS, CatalogueSpec, official_codes

MAX_TEXT = 4000


def problems(spec: CatalogueSpec) -> list[str]:
    """Everything wrong with the catalogue; empty when it may be loaded."""
    found: list[str] = []
    if not spec.code:
        found.append("the catalogue has no id (column catalogue, or --catalogue)")
    elif len(spec.code) > 40:
        found.append("the catalogue id is longer than 40 characters")
    if not spec.title:
        found.append("the catalogue has no title")
    seen: dict[str, str] = {}
    parents = official_codes()
    for item in spec.items:
        where = item.where
        if not item.code:
            found.append(f"{where}: no code")
        elif len(item.code) > 20:
            found.append(f"{where}: code {item.code!r} is longer than 20 characters")
        elif item.code in seen:
            found.append(f"{where}: code {item.code} is already used ({seen[item.code]})")
        else:
            seen[item.code] = where
        if item.group not in GROUPS:
            found.append(f"{where}: group {item.group!r} is not A, B or C")
        if item.parent_code is not None and item.parent_code not in parents:
            found.append(f"{where}: parent {item.parent_code} is not one of the 27 items "
                         "of 04-NQ/TW (A1-A9, B1-B9, C1-C9)")
        if not item.text_vi:
            found.append(f"{where}: item {item.code} has no Vietnamese text")
        elif len(item.text_vi) > MAX_TEXT or len(item.text_en or "") > MAX_TEXT:
            found.append(f"{where}: item {item.code}'s text is longer than {MAX_TEXT} characters")
    if spec.code and not spec.items:
        found.append("the catalogue has no items")
    return found
