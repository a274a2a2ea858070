"""DOCX drafts from templates a province can replace (docxtpl).

The templates shipped are in `templates/`; a file of the same name in
CHIBOT_DESK_TEMPLATES_DIR replaces one. Undefined names are errors, so a broken or misspelt
template is refused with its problem named instead of producing a draft with holes: checked
with sample data by `load` (`chibot report templates`), and by the real data in `render`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vocabulary.settings import Settings

if TYPE_CHECKING:  # docxtpl (python-docx, lxml, jinja2) is imported when a draft is made
    from docxtpl import DocxTemplate
    from jinja2 import Environment

SHIPPED = Path(__file__).parent / "templates"
BLANK = "\u2026" * 6  # a blank the secretary fills in by hand

RESOLUTION, REPORT, REVIEW = "resolution", "report", "review"
FILES = {RESOLUTION: "nghi-quyet.docx", REPORT: "bao-cao.docx", REVIEW: "ra-soat.docx"}

_PERSON = {"name": "Nguyen Van A", "kind": "mien", "since": "01/01/2026",
           "until": "31/12/2026", "next_review": "01/01/2027", "branch": "Chi bo 1"}
SAMPLES: dict[str, dict[str, Any]] = {
    RESOLUTION: {"branch": "Chi bo 1", "committee_above": "Dang uy xa", "place": "",
                 "today": "01/01/2026", "member_name": "Nguyen Van A", "kind": "mien",
                 "subject": "mien cong tac va sinh hoat dang",
                 "reason": "suc khoe", "starts_on": "01/01/2026", "ends_on": BLANK,
                 "meeting_on": "01/01/2026", "resolution_no": "01-NQ/CB", "members": 10,
                 "present": 9, "votes_for": 9, "votes_against": 0, "secretary": "Tran Van B",
                 "request_no": 1},
    REPORT: {"branch": "Chi bo 1", "committee_above": "Dang uy xa", "today": "01/01/2026",
             "month": "01/2026", "members": 10, "reduced": 1, "exempted": 1, "away": 0,
             "rate": "20,0", "parent_rate": "15,0", "average": "14,9", "reliefs": [_PERSON],
             "secretary": "Tran Van B"},
    REVIEW: {"scope": "Chi bo 1", "year": 2026, "today": "01/01/2026", "rows": [_PERSON],
             "count": 1, "secretary": "Tran Van B"},
}


class TemplateProblem(ValueError):
    """A province's template cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class Loaded:
    path: Path
    replaced: bool


def _environment() -> Environment:
    from jinja2 import Environment, StrictUndefined

    # Autoescaping stays off: docxtpl escapes values for Word XML itself.
    return Environment(undefined=StrictUndefined, autoescape=False)


def _chosen(name: str, settings: Settings) -> Loaded:
    own = settings.desk_templates_dir / FILES[name] if settings.desk_templates_dir else None
    if own is None or not own.is_file():
        return Loaded(SHIPPED / FILES[name], False)
    return Loaded(own, True)


def _rendered(path: Path, context: dict[str, Any]) -> DocxTemplate:
    """The template filled in; any problem of the file is a TemplateProblem naming it."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    try:
        template = DocxTemplate(path)
        template.render(context, _environment())
    except (TemplateError, KeyError, ValueError, OSError) as problem:
        raise TemplateProblem(f"{path}: {problem}") from problem
    except Exception as problem:  # a damaged .docx fails inside python-docx or zipfile
        raise TemplateProblem(f"{path}: {type(problem).__name__}: {problem}") from problem
    return template


def load(name: str, settings: Settings) -> Loaded:
    """The province's template if it has one (checked with sample data), else the shipped."""
    chosen = _chosen(name, settings)
    if chosen.replaced:
        _rendered(chosen.path, SAMPLES[name])
    return chosen


def render(name: str, context: dict[str, Any], settings: Settings) -> bytes:
    """The draft's bytes; a value missing from `context` is left as a blank to fill in."""
    filled = {**dict.fromkeys(SAMPLES[name], BLANK), **{k: v for k, v in context.items()
                                                    if v is not None}}
    # Rendered once: the real data checks the template as the sample data would.
    template = _rendered(_chosen(name, settings).path, filled)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
