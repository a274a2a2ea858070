"""Every message renders in Vietnamese and English, and the compiled catalogues are current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from conversations.identity import Refusal
from storage.models import Gender, MemberStatus, OfficerRole
from vocabulary.messages import LOCALES, Msg, Renderer

LANGUAGES = ["vi", "en"]
ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _po(language: str) -> Catalog:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def code_keys(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Extract afresh from the source, so a key added without a translation is caught."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "Msg", "--no-default-keywords", "--omit-header", "-o", str(pot),
         "bot", "conversations", "handlers", "storage", "vocabulary"],
        cwd=ROOT, capture_output=True, check=True,
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_in_the_code_is_translated(language: str, code_keys: set[str]) -> None:
    catalogue = {m.id: m.string for m in _po(language) if m.id}
    missing = sorted(k for k in code_keys if not catalogue.get(k))
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_fuzzy_or_obsolete(language: str, code_keys: set[str]) -> None:
    catalogue = _po(language)
    assert [m.id for m in catalogue if m.id and m.fuzzy] == []
    assert sorted({m.id for m in catalogue if m.id} - code_keys) == []


def test_both_languages_use_the_same_placeholders() -> None:
    vi = {m.id: m.string for m in _po("vi") if m.id}
    en = {m.id: m.string for m in _po("en") if m.id}
    differ = [k for k in vi if set(PLACEHOLDER.findall(vi[k])) != set(PLACEHOLDER.findall(en[k]))]
    assert differ == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language: str) -> None:
    with (LOCALES / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    source = {m.id: m.string for m in _po(language) if m.id}
    assert compiled == source, "run: pybabel compile -d locales -D messages"


@pytest.mark.parametrize(
    ("prefix", "values"),
    [("role", OfficerRole), ("status", MemberStatus), ("gender", Gender),
     ("register.refused", Refusal)],
)
def test_keys_built_at_run_time_exist(prefix: str, values: type, code_keys: set[str]) -> None:
    assert {f"{prefix}.{v.value}" for v in values} <= code_keys  # type: ignore[attr-defined]


def test_rendering_differs_by_language_and_formats_dates() -> None:
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    msg = Msg("mydata.invite", created_at=datetime(2026, 3, 4, 17, 30, tzinfo=UTC),
              used_at=date(2026, 3, 5))
    vi, en = Renderer("vi", tz)(msg), Renderer("en", tz)(msg)
    assert "00:30 ngày 05/03/2026" in vi
    assert "05/03/2026" in vi
    assert "5 Mar 2026, 00:30" in en
    assert "5 Mar 2026" in en


def test_a_message_survives_the_outbox_round_trip() -> None:
    from datetime import date

    msg = Msg("help.officer_line", role=Msg("role.secretary"), name="An", phone=date(2026, 1, 2))
    assert Msg.from_json(msg.to_json()) == msg


def test_vietnamese_addresses_members_as_dong_chi_without_jargon() -> None:
    """Members are «đồng chí», never «bạn»; no software jargon such as «hoàn tác» or «kênh»."""
    vi = {m.id: m.string for m in _po("vi") if m.id}
    jargon = sorted(k for k, text in vi.items() if re.search(r"hoàn tác|kênh", text, re.I))
    # The terminal demo's own lines speak to whoever runs it, not to a member.
    other_pronoun = sorted(k for k, text in vi.items() if not k.startswith("terminal.")
                           and re.search(r"(?<!\w)(bạn|anh|chị|em|ông|bà)(?!\w)", text, re.I))
    assert (jargon, other_pronoun) == ([], [])
    spoken_to = ["exemption.ask.kind", "exemption.effect.exemption.open",
                 "exemption.effect.reduction.until", "exemption.reminders.now_on",
                 "exemption.error.already_open", "request.member.approved",
                 "request.member.rejected", "request.mine.none"]
    assert [k for k in spoken_to if "đồng chí" not in vi[k].lower()] == []
