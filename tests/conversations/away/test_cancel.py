"""/cancel at every step of the away flows leaves the chat idle and writes nothing half."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Conversation, Organisation
from tests.conversations.exemption.conftest import People, requests
from tests.support import Chat

LEAVE = [("mai", "/menu"), ("mai", "tôi đi làm ăn xa")]
TO_END = [*LEAVE, ("mai", "Bình Dương"), ("mai", "1"), ("mai", "1")]
AWAY = [*TO_END, ("mai", "1"), ("mai", "15/01/2027"), ("mai", "1"), ("mai", "1"),
        ("dep", "tap:a:aw:ack:1:1"), ("dep", "xong"), ("mai", "/menu")]
RECORD = [("sec", "/menu"), ("sec", "đảng viên đang ở xa")]
TO_PLACE = [*RECORD, ("sec", "ghi báo cáo"), ("sec", "Trần Thị Mai")]
# Each (flow, step) with the (person, input) pairs that reach it; "tap:" presses a button.
AWAY_PATHS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("away", "place"): LEAVE,
    ("away", "reason"): [*LEAVE, ("mai", "Bình Dương")],
    ("away", "other_text"): [*LEAVE, ("mai", "Bình Dương"), ("mai", "5")],
    ("away", "start"): [*LEAVE, ("mai", "Bình Dương"), ("mai", "1")],
    ("away", "arrangement"): TO_END,
    ("away", "end"): [*TO_END, ("mai", "3")],
    ("away", "host"): [*TO_END, ("mai", "3"), ("mai", "1")],
    ("away", "host_pick"): [*TO_END, ("mai", "3"), ("mai", "1"), ("mai", "hòa bình")],
    ("away", "phone"): [*TO_END, ("mai", "1"), ("mai", "15/01/2027")],
    ("away", "confirm"): [*TO_END, ("mai", "1"), ("mai", "15/01/2027"), ("mai", "1")],
    ("away_list", "list"): RECORD,
    ("away_list", "counts"): [("base", "/menu"), ("base", "đảng viên đang ở xa")],
    ("away_record", "who"): [*RECORD, ("sec", "ghi báo cáo")],
    ("away_record", "pick"): [*RECORD, ("sec", "ghi báo cáo"), ("sec", "Thị")],
    ("away_record", "place"): TO_PLACE,
    ("away_record", "reason"): [*TO_PLACE, ("sec", "Huế")],
    ("away_record", "other_text"): [*TO_PLACE, ("sec", "Huế"), ("sec", "5")],
    ("away_record", "start"): [*TO_PLACE, ("sec", "Huế"), ("sec", "1")],
    ("away_record", "arrangement"): [*TO_PLACE, ("sec", "Huế"), ("sec", "1"), ("sec", "1")],
    ("away_record", "end"): [*TO_PLACE, ("sec", "Huế"), ("sec", "1"), ("sec", "1"),
                             ("sec", "2")],
    ("away_record", "host"): [*TO_PLACE, ("sec", "Huế"), ("sec", "1"), ("sec", "1"),
                              ("sec", "3"), ("sec", "1")],
    ("away_record", "host_pick"): [*TO_PLACE, ("sec", "Huế"), ("sec", "1"), ("sec", "1"),
                                   ("sec", "3"), ("sec", "1"), ("sec", "hòa bình")],
    ("away_record", "phone"): [*TO_PLACE, ("sec", "Huế"), ("sec", "1"), ("sec", "1"),
                               ("sec", "2"), ("sec", "1")],
    ("away_record", "confirm"): [*TO_PLACE, ("sec", "Huế"), ("sec", "1"), ("sec", "1"),
                                 ("sec", "2"), ("sec", "1"), ("sec", "1")],
    ("away_return", "day"): [*AWAY, ("mai", "tôi đã về")],
    ("away_return", "comment"): [*AWAY, ("mai", "tôi đã về"), ("mai", "1")],
    ("away_return", "confirm"): [*AWAY, ("mai", "tôi đã về"), ("mai", "1"), ("mai", "1")],
    ("away_extend", "end"): [*AWAY, ("mai", "xin gia hạn")],
    ("away_extend", "confirm"): [*AWAY, ("mai", "xin gia hạn"), ("mai", "31/03/2027")],
    ("away_end", "end"): [*AWAY, ("mai", "tap:a:ax:date:1")],
}


@pytest.mark.parametrize("path", sorted(AWAY_PATHS))
async def test_cancel_at_every_away_step(
    chat: Chat, db: Database, people: People, host: Organisation, path: tuple[str, str]
) -> None:
    persons = {"mai": people.mai, "sec": people.sec, "dep": people.dep, "base": people.base}
    for who, text in AWAY_PATHS[path]:
        if text.startswith("tap:"):
            await chat.tap(persons[who], text.removeprefix("tap:"))
        else:
            await chat.say(persons[who], text)
    last = persons[AWAY_PATHS[path][-1][0]]
    before = await _state(db, last.chat_id)
    assert (before.flow, before.step) == path
    stored = len(await requests(db))
    assert "Đã hủy" in await chat.say(last, "/cancel")
    after = await _state(db, last.chat_id)
    assert (after.flow, after.step, after.data) == (None, None, {})
    assert len(await requests(db)) == stored


async def _state(db: Database, chat_id: str) -> Conversation:
    async with db.session() as session:
        found = await session.get(Conversation, ("terminal", chat_id))
        assert found is not None
        return found
