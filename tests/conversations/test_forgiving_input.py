"""What people type is read kindly: diacritics, case, spacing, numbers, day-first dates."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.commands import parse_command
from vocabulary.dates import parse_date
from vocabulary.text import fold, match_option

TODAY = date(2026, 11, 21)
YES_NO = [["Đồng ý", "I agree"], ["Không đồng ý", "I do not agree"]]


@pytest.mark.parametrize(
    ("typed", "index"),
    [("dong y", 0), ("Đồng ý", 0), ("ĐỒNG Ý!", 0), ("  đồng   ý ", 0), ("1", 0), ("2.", 1),
     ("khong dong y", 1), ("khong", 1), ("I agree", 0), ("3", None), ("0", None), ("ok", None),
     ("dong", 0), ("do", None)],
)
def test_options_match_by_number_or_words(typed: str, index: int | None) -> None:
    assert match_option(typed, YES_NO) == index


@pytest.mark.parametrize(("typed", "index"),
                         [("²", None), ("٢", 1), ("002", 1), ("1" + "0" * 5000, None)])
def test_unusual_digits_name_an_option_or_nothing(typed: str, index: int | None) -> None:
    assert match_option(typed, YES_NO) == index  # "²" once made the bot apologise


@given(st.text())
def test_any_text_names_an_option_or_nothing(text: str) -> None:
    assert match_option(text, YES_NO) in (0, 1, None)


def test_decomposed_unicode_from_some_phones_matches() -> None:
    decomposed = unicodedata.normalize("NFD", "Đồng ý")
    assert decomposed != "Đồng ý"
    assert match_option(decomposed, YES_NO) == 0


@given(st.text())
def test_folding_is_stable(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("5/3", date(2026, 3, 5)), ("05-03-2026", date(2026, 3, 5)), ("5.3.26", date(2026, 3, 5)),
     ("ngày 5 tháng 3 năm 2027", date(2027, 3, 5)), ("Ngay 5 thang 3", date(2026, 3, 5)),
     ("2026-03-05", date(2026, 3, 5)), ("31/2", None), ("32/1", None), ("1/13", None),
     ("hôm qua", TODAY - timedelta(days=1)), ("Hôm nay.", TODAY),
     ("ngày mai", TODAY + timedelta(days=1)), ("hôm xưa", None), ("", None),
     ("5/3/199", None)],
)
def test_dates_are_day_first(typed: str, expected: date | None) -> None:
    assert parse_date(typed, TODAY) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
       st.sampled_from(["/", "-", ".", " "]))
def test_any_day_first_date_reads_back(day: date, separator: str) -> None:
    typed = separator.join([str(day.day), str(day.month), str(day.year)])
    assert parse_date(typed, TODAY) == day


@pytest.mark.parametrize(
    ("typed", "name", "argument"),
    [("/start ABC123", "start", "ABC123"), ("/help@chibot_bot", "help", ""), ("Hủy", "cancel", ""),
     ("tro giup", "help", ""), ("MENU", "menu", "")],
)
def test_commands_by_slash_or_words(typed: str, name: str, argument: str) -> None:
    command = parse_command(typed)
    assert command is not None
    assert (command.name, command.argument) == (name, argument)


def test_ordinary_words_are_not_commands() -> None:
    assert parse_command("xin chào") is None
