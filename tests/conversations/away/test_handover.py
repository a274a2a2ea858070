"""An exemption request whose reason is working away from home becomes the away report."""

from __future__ import annotations

from storage.db import Database
from tests.conversations.away.conftest import received, records
from tests.conversations.exemption.conftest import People, requests
from tests.support import Chat

MOBILE_WORK = "Đi làm ăn xa, công tác lưu động"  # the label of the reason «mobile_work»


async def test_asking_exemption_to_work_away_continues_as_the_away_report(
    chat: Chat, db: Database, people: People
):
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    await chat.tap(people.mai, chat.choice_id(people.mai, "Xin giảm, miễn"))
    await chat.say(people.mai, "2")  # exemption
    reply = await chat.tap(people.mai, chat.choice_id(people.mai, MOBILE_WORK))
    assert "Đồng chí đi đâu?" in reply
    for typed in ("Bình Dương", "1", "1", "2", "1", "1"):
        await chat.say(people.mai, typed)
    assert "Đã gửi đơn số 1." in await chat.say(people.mai, "1")
    [request] = await requests(db)
    assert (request.type, request.kind) == ("away", "suspend")


async def test_a_secretary_recording_exemption_to_work_away_records_the_away_report(
    chat: Chat, db: Database, people: People
):
    await chat.open_menu(people.sec, "Việc của cấp ủy")
    await chat.tap(people.sec, chat.choice_id(people.sec, "Ghi đơn giúp"))
    await chat.say(people.sec, "Mai")
    await chat.say(people.sec, "1")  # she signed the consent on paper
    await chat.say(people.sec, "2")
    reply = await chat.tap(people.sec, chat.choice_id(people.sec, MOBILE_WORK))
    assert "Đồng chí đi đâu?" in reply
    for typed in ("Bình Dương", "1", "1", "1", "15/01/2027", "1"):
        reply = await chat.say(people.sec, typed)
    assert "Báo cáo của đồng chí Trần Thị Mai" in reply
    await chat.say(people.sec, "1")
    [request] = await requests(db)
    assert (request.member_id, request.recorded_by) == (people.org.mai.id,
                                                        people.org.secretary.id)
    assert "ghi đơn số 1 giúp đồng chí" in received(chat, people.mai)
    assert await records(db) == []


async def test_reduction_offers_no_work_away_reason(chat: Chat, people: People):
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    await chat.tap(people.mai, chat.choice_id(people.mai, "Xin giảm, miễn"))
    await chat.say(people.mai, "1")  # reduction
    assert not [label for _id, label in chat.last_choices(people.mai) if "làm ăn xa" in label]


async def test_a_member_starts_by_saying_it_in_his_own_words(chat: Chat, people: People):
    assert "Đồng chí đi đâu?" in await chat.say(people.mai, "Đi làm ăn xa")
    await chat.say(people.mai, "hủy")
    not_away = await chat.say(people.mai, "tôi đã về")
    assert "Đồng chí đi đâu?" not in not_away
    assert "Chi bộ không ghi đồng chí đang ở xa." in not_away  # told so, nothing opened
    assert "giảm" in (await chat.say(people.mai, "xin miễn")).lower()


async def test_the_words_of_an_option_pick_it_rather_than_start_over(chat: Chat, people: People):
    await chat.say(people.mai, "xin miễn")
    asked = await chat.say(people.mai, "Xin MIỄN")  # the option's words, also a command word
    assert "Lý do xin là gì?" in asked
    assert "Tuổi cao, sức khỏe yếu" in [label for _id, label in chat.last_choices(people.mai)]
