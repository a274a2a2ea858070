"""A province's own DOCX templates replace the shipped ones, checked with sample data."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from docx import Document

from conversations.desk import drafts
from vocabulary.settings import Settings


def _template(folder: Path, name: str, *paragraphs: str) -> None:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    folder.mkdir(parents=True, exist_ok=True)
    document.save(folder / drafts.FILES[name])


def _settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, desk_templates_dir=tmp_path / "mau")


@pytest.mark.parametrize("name", sorted(drafts.FILES))
def test_the_shipped_templates_render_the_sample(name: str, tmp_path: Path) -> None:
    content = drafts.render(name, drafts.SAMPLES[name], _settings(tmp_path))
    assert not drafts.load(name, _settings(tmp_path)).replaced
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "{{" not in text


def test_a_province_template_replaces_the_shipped_one(tmp_path: Path) -> None:
    _template(tmp_path / "mau", drafts.REPORT, "TỈNH ỦY X — {{ branch }} báo cáo {{ rate }}%")
    settings = _settings(tmp_path)
    assert drafts.load(drafts.REPORT, settings).replaced
    content = drafts.render(drafts.REPORT, {"branch": "Chi bộ 3", "rate": "12,5"}, settings)
    text = docx.Document(io.BytesIO(content)).paragraphs[0].text
    assert text == "TỈNH ỦY X — Chi bộ 3 báo cáo 12,5%"


def test_a_template_naming_an_unknown_field_is_refused_when_loaded(tmp_path: Path) -> None:
    _template(tmp_path / "mau", drafts.RESOLUTION, "{{ member_name }} {{ so_quyet_dinh }}")
    with pytest.raises(drafts.TemplateProblem, match="so_quyet_dinh"):
        drafts.load(drafts.RESOLUTION, _settings(tmp_path))
    with pytest.raises(drafts.TemplateProblem, match="so_quyet_dinh"):  # and when a draft is made
        drafts.render(drafts.RESOLUTION, drafts.SAMPLES[drafts.RESOLUTION], _settings(tmp_path))


def test_a_template_with_broken_syntax_is_refused(tmp_path: Path) -> None:
    _template(tmp_path / "mau", drafts.REVIEW, "{% for r in rows %}{{ r.name }}")
    with pytest.raises(drafts.TemplateProblem, match=r"ra-soat\.docx"):
        drafts.load(drafts.REVIEW, _settings(tmp_path))


def test_a_file_that_is_not_a_docx_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mau").mkdir()
    (tmp_path / "mau" / drafts.FILES[drafts.REPORT]).write_bytes(b"not a zip")
    with pytest.raises(drafts.TemplateProblem, match=r"bao-cao\.docx"):
        drafts.load(drafts.REPORT, _settings(tmp_path))
    with pytest.raises(drafts.TemplateProblem, match=r"bao-cao\.docx"):
        drafts.render(drafts.REPORT, {}, _settings(tmp_path))
