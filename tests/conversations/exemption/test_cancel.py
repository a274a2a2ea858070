"""/cancel at every step of the exemption flows leaves the chat idle and writes nothing half."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Conversation, Member
from tests.conversations.exemption.conftest import People, requests
from tests.support import Chat, FakeClock
from vocabulary.settings import Settings

ASK = [("mai", "/menu"), ("mai", "xin giảm, miễn"), ("mai", "2")]
SENT = [*ASK, ("mai", "1"), ("mai", "1"), ("mai", "1")]
RECORD = [("sec", "/menu"), ("sec", "ghi đơn giúp"), ("sec", "Trần Thị Mai"), ("sec", "1"),
          ("sec", "2")]
# Each (flow, step) with the (person, input) pairs that reach it; "tap:" presses a button.
EXEMPTION_PATHS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("exemption", "kind"): ASK[:2],
    ("exemption", "reason"): ASK,
    ("exemption", "certificate"): [*ASK, ("mai", "1")],
    ("exemption", "other_text"): [*ASK, ("mai", "8")],
    ("exemption", "start"): [*ASK, ("mai", "6")],
    ("exemption", "end"): [*ASK, ("mai", "6"), ("mai", "1")],
    ("exemption", "confirm"): [*ASK, ("mai", "1"), ("mai", "1")],
    ("exemption_record", "who"): RECORD[:2],
    ("exemption_record", "pick"): [*RECORD[:2], ("sec", "Thị")],
    ("exemption_record", "paper_consent"): RECORD[:3],
    ("exemption_record", "kind"): RECORD[:4],
    ("exemption_record", "reason"): RECORD,
    ("exemption_record", "certificate"): [*RECORD, ("sec", "1")],
    ("exemption_record", "other_text"): [*RECORD, ("sec", "8")],
    ("exemption_record", "start"): [*RECORD, ("sec", "6")],
    ("exemption_record", "end"): [*RECORD, ("sec", "6"), ("sec", "1")],
    ("exemption_record", "confirm"): [*RECORD, ("sec", "1"), ("sec", "1")],
    ("request_mine", "list"): [*SENT, ("mai", "đơn của tôi")],
    ("request_mine", "withdraw"): [*SENT, ("mai", "đơn của tôi"), ("mai", "1")],
    ("request_note", "note"): [*SENT, ("dep", "tap:a:xr:no:1:1")],
    ("request_recorded", "summary"): [*SENT, ("dep", "tap:a:xr:def:1:1")],
    ("request_recorded", "date"): [*SENT, ("dep", "tap:a:xr:ok:1:1")],
    ("request_recorded", "number"): [*SENT, ("dep", "tap:a:xr:ok:1:1"), ("dep", "1")],
    ("request_recorded", "votes"): [*SENT, ("dep", "tap:a:xr:ok:1:1"), ("dep", "1"),
                                    ("dep", "07-NQ/CB")],
    ("request_answer", "answer"): [*SENT, ("dep", "tap:a:xr:ask:1:1"),
                                     ("dep", "Bệnh viện nào?"), ("mai", "tap:a:xr:ans:1:2")],
    ("request_waiting", "list"): [*SENT, ("dep", "/menu"), ("dep", "đơn chờ")],
    ("request_waiting", "request"): [*SENT, ("dep", "/menu"), ("dep", "đơn chờ"),
                                       ("dep", "1")],
    ("exemption_return", "confirm"): [*SENT, ("dep", "tap:a:xr:ok:1:1"), ("dep", "xong"),
                                      ("mai", "/menu"), ("mai", "xin trở lại")],
    ("exemption_reminders", "choose"): [*SENT, ("dep", "tap:a:xr:ok:1:1"), ("mai", "/menu"),
                                        ("mai", "nhắc họp khi được miễn")],
    # Mai is a retired cadre here, and the province asks for her managing committee's consent.
    ("request_recorded", "committee"): [*SENT, ("dep", "tap:a:xr:cy:1:1")],
}
CONSENT_FIRST = ("request_recorded", "committee")


@pytest.mark.parametrize("path", sorted(EXEMPTION_PATHS))
async def test_cancel_at_every_exemption_step(
    chat: Chat, db: Database, people: People, path: tuple[str, str], settings: Settings,
    clock: FakeClock,
) -> None:
    if path == CONSENT_FIRST:
        async with db.session() as session:
            mai = await session.get(Member, people.org.mai.id)
            assert mai is not None
            mai.is_retired_cadre, mai.managing_body = True, "Đảng ủy xã An Hòa"
            session.add(mai)
        chat = Chat(db, settings.model_copy(update={"retired_cadre_consent_required": True}),
                    clock)
    persons = {"mai": people.mai, "sec": people.sec, "dep": people.dep}
    for who, text in EXEMPTION_PATHS[path]:
        if text.startswith("tap:"):
            await chat.tap(persons[who], text.removeprefix("tap:"))
        else:
            await chat.say(persons[who], text)
    last = persons[EXEMPTION_PATHS[path][-1][0]]
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
