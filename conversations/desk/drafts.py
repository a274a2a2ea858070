"""DOCX drafts from templates a province can replace (docxtpl).

The templates shipped are in `templates/`; a file of the same name in
CHIBOT_DESK_TEMPLATES_DIR replaces one. A replaced template is rendered with sample data when
it is loaded, with undefined names an error, so a broken or misspelt template is refused
with its problem named instead of producing a draft with holes.
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
    template: DocxTemplate
    path: Path
    replaced: bool


def _environment() -> Environment:
    from jinja2 import Environment, StrictUndefined

    # Autoescaping stays off: docxtpl escapes values for Word XML itself.
    return Environment(undefined=StrictUndefined, autoescape=False)


def load(name: str, settings: Settings) -> Loaded:
    """The province's template if it has one (checked with sample data), else the shipped."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    own = settings.desk_templates_dir / FILES[name] if settings.desk_templates_dir else None
    if own is None or not own.is_file():
        return Loaded(DocxTemplate(SHIPPED / FILES[name]), SHIPPED / FILES[name], False)
    try:
        DocxTemplate(own).render(SAMPLES[name], _environment())
    except (TemplateError, KeyError, ValueError, OSError) as problem:
        raise TemplateProblem(f"{own}: {problem}") from problem
    except Exception as problem:  # a damaged .docx fails inside python-docx or zipfile
        raise TemplateProblem(f"{own}: {type(problem).__name__}: {problem}") from problem
    return Loaded(DocxTemplate(own), own, True)


def render(name: str, context: dict[str, Any], settings: Settings) -> bytes:
    """The draft's bytes; a value missing from `context` is left as a blank to fill in."""
    loaded = load(name, settings)
    filled = {**dict.fromkeys(SAMPLES[name], BLANK), **{k: v for k, v in context.items()
                                                    if v is not None}}
    loaded.template.render(filled, _environment())
    out = io.BytesIO()
    loaded.template.save(out)
    return out.getvalue()
