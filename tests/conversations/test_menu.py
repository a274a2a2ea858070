"""The main menu in groups: a short first screen, «Quay lại», and every entry still reachable
by typing its words."""

from __future__ import annotations

from conversations.catalogue import default_registry
from conversations.context import Ctx
from conversations.registry import BRANCH_LIFE, MenuEntry, Registry, Unless
from storage.db import Database
from storage.models import Conversation
from tests.conversations.exemption.conftest import People, ask_health, people  # noqa: F401
from tests.support import Chat, FakeClock, Person
from vocabulary.messages import Msg, Renderer
from vocabulary.settings import Settings

MEMBER_SCREEN = ["Đơn từ của tôi", "Sinh hoạt chi bộ", "Thông tin của tôi", "Ngôn ngữ / Language"]
OFFICER_GROUPS = ["Việc của cấp ủy", "Thông báo, mã mời, số liệu"]
MAX_ENTRIES = 6


def labels(chat: Chat, person: Person) -> list[str]:
    return [label for _id, label in chat.last_choices(person)]


async def flow_of(db: Database, person: Person) -> str | None:
    async with db.session() as session:
        found = await session.get(Conversation, ("terminal", person.chat_id))
        return found.flow if found else None


async def test_a_members_first_screen_is_short_and_has_no_empty_group(
    chat: Chat, people: People  # noqa: F811
) -> None:
    await chat.say(people.mai, "/menu")
    assert labels(chat, people.mai) == MEMBER_SCREEN  # «Sinh hoạt chi bộ» holds the monthly topics


async def test_an_officer_sees_the_officers_group_with_what_waits_there(
    chat: Chat, people: People  # noqa: F811
) -> None:
    await chat.say(people.sec, "/menu")
    assert labels(chat, people.sec) == [*MEMBER_SCREEN, *OFFICER_GROUPS]
    await ask_health(chat, people.mai)
    await chat.say(people.sec, "/menu")
    assert labels(chat, people.sec)[-2] == "Việc của cấp ủy (1)"
    await chat.say(people.long, "/menu")  # a plain member sees no officers' entry
    assert labels(chat, people.long) == MEMBER_SCREEN


async def test_a_group_opens_its_entries_and_back_returns(
    chat: Chat, people: People  # noqa: F811
) -> None:
    reply = await chat.open_menu(people.sec, "Việc của cấp ủy")
    assert "Việc của cấp ủy – đồng chí cần làm gì?" in reply
    assert labels(chat, people.sec) == ["Đơn chờ chi bộ quyết định", "Ghi đơn giúp đảng viên",
                                        "Đảng viên đang ở xa", "Lịch sinh hoạt và điểm danh",
                                        "Quay lại"]
    await chat.tap(people.sec, chat.choice_id(people.sec, "Quay lại"))
    assert labels(chat, people.sec) == [*MEMBER_SCREEN, *OFFICER_GROUPS]
    await chat.say(people.sec, "3")  # typed numbers follow the screen shown
    assert labels(chat, people.sec) == ["Hồ sơ của tôi", "Dữ liệu của tôi", "Quay lại"]
    await chat.say(people.sec, "quay lại")
    assert labels(chat, people.sec) == [*MEMBER_SCREEN, *OFFICER_GROUPS]


async def test_every_entry_starts_from_its_words_typed_on_the_first_screen(
    chat: Chat, people: People, db: Database, settings: Settings  # noqa: F811
) -> None:
    await ask_health(chat, people.sec)  # the secretary's own request: «my requests» has entries
    await chat.tap(people.dep, chat.choice_id(people.dep, "đã đồng ý"))
    await chat.say(people.dep, "1")  # done
    vi = Renderer("vi", settings.tz)
    # One exemption in force; «my meetings» shows once the member has had a meeting; coming
    # back and more time away show only to a member away.
    entries = [e for e in default_registry().menu
               if e.id not in ("exemption", "meetings_mine", "away_back", "away_extend")]
    for entry in entries:
        tapped = await chat.tap(people.sec, f"m:{entry.id}")
        tapped_flow = await flow_of(db, people.sec)
        await chat.say(people.sec, "/cancel")
        await chat.say(people.sec, "/menu")
        assert await chat.say(people.sec, vi(entry.label).lower()) == tapped, entry.id
        assert await flow_of(db, people.sec) == tapped_flow
        await chat.say(people.sec, "/cancel")
    await chat.say(people.sec, "/menu")
    await chat.say(people.sec, "thông tin của tôi")  # a group's words open it
    assert "Hồ sơ của tôi" in labels(chat, people.sec)


async def test_no_screen_has_more_than_six_entries(
    chat: Chat, people: People  # noqa: F811
) -> None:
    await ask_health(chat, people.sec)
    await chat.tap(people.dep, chat.choice_id(people.dep, "đã đồng ý"))
    await chat.say(people.dep, "1")
    await chat.say(people.sec, "/menu")
    first = chat.last_choices(people.sec)
    assert len(first) <= MAX_ENTRIES
    for choice_id, _label in first:
        if choice_id.startswith("g:"):
            await chat.say(people.sec, "/menu")
            await chat.tap(people.sec, choice_id)
            shown = labels(chat, people.sec)
            assert shown[-1] == "Quay lại"
            assert 1 <= len(shown) - 1 <= MAX_ENTRIES


def _with_branch_life(registry: Registry) -> None:
    registry.add_menu(MenuEntry("meetings", Msg("menu.language"), "language",
                                group=BRANCH_LIFE))


async def test_branch_life_shows_once_it_has_an_entry(
    db: Database, settings: Settings, clock: FakeClock, people: People,  # noqa: F811
) -> None:
    chat = Chat(db, settings, clock, registry=default_registry(_with_branch_life))
    await chat.say(people.mai, "/menu")
    assert labels(chat, people.mai) == ["Đơn từ của tôi", "Sinh hoạt chi bộ", "Thông tin của tôi",
                                        "Ngôn ngữ / Language"]


async def test_a_test_entries_share_is_asked_once_a_screen_and_unless_shows_the_other_entry(
    db: Database, settings: Settings, clock: FakeClock, people: People,  # noqa: F811
) -> None:
    asked: list[str] = []

    async def away_now(ctx: Ctx) -> bool:
        asked.append(ctx.inbound.chat_id)
        return True

    def with_shared_test(registry: Registry) -> None:
        for entry_id, label, test in (("back", "menu.away_back", away_now),
                                      ("extend", "menu.away_extend", away_now),
                                      ("leave", "menu.away", Unless(away_now))):
            registry.add_menu(MenuEntry(entry_id, Msg(label), "language", test,
                                        group=BRANCH_LIFE))

    chat = Chat(db, settings, clock, registry=default_registry(with_shared_test))
    await chat.say(people.mai, "chưa rõ lắm")  # words naming nothing: every entry is asked
    assert len(asked) == 1
    await chat.say(people.mai, "/menu")
    before = len(asked)
    await chat.tap(people.mai, chat.choice_id(people.mai, "Sinh hoạt chi bộ"))
    shown = labels(chat, people.mai)
    assert "Tôi đã về" in shown
    assert "Xin gia hạn thời gian ở xa" in shown
    assert "Tôi đi làm ăn xa" not in shown
    assert len(asked) == before + 1  # the group's screen asks it once for its three entries
