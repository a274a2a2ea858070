"""Charts: the series handed to the plotting code, a PNG drawn with every Vietnamese letter."""

from __future__ import annotations

import warnings
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.desk import charts
from conversations.desk.scope import Scope
from conversations.desk.series import MonthlySeries, add_series, last_months
from tests.conversations.desk.conftest import Desk, open_desk, reach
from tests.conversations.desk.test_files import sent_file
from tests.support import Chat
from vocabulary.messages import Msg

PNG = b"\x89PNG\r\n\x1a\n"


def test_at_most_twelve_bars_the_rest_summed_by_their_members() -> None:
    items = [(f"Chi bộ {n}", n, 100) for n in range(1, 16)]  # 1% .. 15%
    items.append(("Chi bộ nhỏ", 0, 0))
    labels, values = charts.top_and_rest(items, 12, "Các chi bộ khác ({count})")
    assert len(labels) == 12
    assert labels[:2] == ["Chi bộ 15", "Chi bộ 14"]
    assert values[:2] == [15.0, 14.0]
    assert labels[-1] == "Các chi bộ khác (5)"
    assert values[-1] == 100 * (1 + 2 + 3 + 4 + 0) / 400  # members together, not rates


def test_a_short_list_is_drawn_whole() -> None:
    labels, values = charts.top_and_rest([("A", 1, 4), ("B", 1, 2)], 12, "rest {count}")
    assert labels == ["B", "A"]
    assert values == [50.0, 25.0]


def test_vietnamese_labels_render_with_no_missing_glyph() -> None:
    bars = charts.Bars("Tỷ lệ giảm, miễn tháng 11/2026 (%)",
                       ["Chi bộ ấp Bình Minh", "Đảng bộ xã An Hòa", "Ỹ Ự Ẫ Ặ ỗ ữ ợ"],
                       [30.0, 18.75, 5.0], 14.87, "Bình quân: 14,9%")
    months = charts.Months("Tỷ lệ dự sinh hoạt", ["10/26", "11/26"], [90.0, None], 85.0,
                           "Chỉ tiêu: 85%")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font"
        drawn = [charts.draw_bars(bars), charts.draw_months(months)]
    assert all(png.startswith(PNG) and len(png) > 10_000 for png in drawn)


async def test_a_monthly_series_plugs_in_and_its_chart_is_sent(chat: Chat, desk: Desk) -> None:
    asked: list[tuple[tuple[int, ...], list[date]]] = []

    async def attendance(_session: AsyncSession, scope: Scope,
                         months: list[date]) -> dict[date, float | None]:
        asked.append((scope.branch_ids, months))
        return {months[-1]: 91.0, months[-2]: 70.0}

    # Any label the secretary's menu has not got: the meetings capability brings its own.
    add_series(MonthlySeries("test-attendance", Msg("desk.what.pick"),
                             lambda s: float(s.attendance_target_percent), attendance))
    try:
        await open_desk(chat, desk.sec)
        await chat.tap(desk.sec, await reach(chat, desk.sec, "Chọn chi bộ khác"))
    finally:
        from conversations.desk import series
        series._SERIES.pop("test-attendance", None)
    assert asked == [((desk.a.id,), last_months(date(2026, 11, 21), 12))]
    _ref, content = sent_file(chat, desk.sec)
    assert content.startswith(PNG)


def test_last_months_cross_the_year() -> None:
    assert last_months(date(2026, 2, 10), 3) == [date(2025, 12, 1), date(2026, 1, 1),
                                                 date(2026, 2, 1)]
