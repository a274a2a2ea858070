"""A hypothesis state machine: members and officers of one branch chatting at random.

Each rule is one thing a person does (types, taps a fresh, stale or forged button, shares a
contact, sends a file), or the process restarting, or time passing. After every step the
invariants are read from the database. `tests/test_chat_machine.py` runs it in CI and
`bench/fuzz.py` runs it by the thousand, counting what it finds instead of stopping.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot.timer_kinds import timer_runner
from conversations.catalogue import default_registry
from storage import migrate
from storage.db import Database
from storage.models import OfficerRole, OrgKind
from tests import factories as f
from tests.support import SELF, Chat, FakeClock, Person
from vocabulary.messages import Renderer
from vocabulary.settings import Settings
from vocabulary.types import FileRef, InboundKind

# Who chats: chat id -> roster phone (None: not on the roster). The first five are linked.
PHONES = {
    "sec": "+84912000101",   # secretary of the branch
    "dep": "+84912000111",   # deputy secretary
    "base": "+84912000121",  # member of the base committee above the branch
    "mai": "+84912000102",
    "long": "+84912000109",  # shares his phone with his wife
    "hanh": "+84912000109",  # not linked: her phone is not hers alone, so she needs a code
    "nam": "+84912000130",   # not linked: can register with his contact
    "guest": None,           # not on the roster
}
LINKED = ("sec", "dep", "base", "mai", "long")
PEOPLE = st.sampled_from(list(PHONES))

TEXTS = [
    "xin chào", "1", "2", "3", "4", "5", "6", "7", "9", "0", "12", "1 1", "2 1", "3 2", "đồng ý",
    "có", "không", "ok", "hôm nay", "ngày mai", "1/12/2026", "15/1/2027", "30/2/2027",
    "1/1/2020", "31/12/2030", "21/11/2026", "Mai", "Trần Thị Mai", "Long", "Hạnh", "Phúc", "Nam",
    "S-001", "M-004", "0912000102", "+84912000109", "Ốm nặng, nằm viện dài ngày",
    "ABCDEFGH23", "K7M4 PQ9X TA", "x" * 600, "y" * 4096, "🙂", "1.5", "-1", "9" * 25,
    "07-NQ/CB", "Quyết định số 12", "vi", "en", "English", "Tiếng Việt",
]
COMMANDS = [
    "/start", "/menu", "/cancel", "/help", "/language", "/mydata", "/profile", "/invite",
    "/announce", "/start K7M4PQ9XTA", "/start ABC", "/nonexistent", "/", "/START", "/menu@chibot",
    "hủy", "menu", "trợ giúp", "ngôn ngữ", "dữ liệu của tôi", "thông báo", "mã mời",
]
VERBS = ["ok", "no", "ask", "def", "cy", "cn", "ans", "undo", "zz"]
FORGED = [
    "a:xr:ok:999:1", "a:xr:ok:abc:1", "a:xr", "a:xr:", "a:xr:undo:999", "a:xr:undo:x", "a:zz:1",
    "m:nope", "m:", "s:", "s0000:yes", "sffff:send", "", ":", "a:xr:ok:1:1:1:1", "s1234:w1",
    "a:xr:ok:-1:1", "a:xr:ok:1:99999999999999999999", "z" * 64,
]
# Values forged under the nonce of the question the person was asked last (a tampered button).
FORGED_OPTIONS = [
    "9", "0", "w1", "w7", "wx", "yes", "no", "send", "cancel", "meeting", "today", "done",
    "lang-en", "lang-vi", "reduction", "exemption", "return", "health", "1", "2", "",
]
# Forgeries that once made the bot apologise (fixed): sent in CI and by the bench.
REPORTED = {
    "choice": ["a:xr:ok:²:1", "a:xr:ok:99999999999999999999:1", "a:xr:undo:99999999999999999999",
               "a:xr:ans:99999999999999999999:1"],
    "option": ["w²", "w99999999999999999999", "lang-xx", "lang-"],
}
CLOCK_MOVES = [timedelta(minutes=5), timedelta(minutes=11), timedelta(hours=1),
               timedelta(hours=20), *(timedelta(days=n) for n in (1, 4, 8, 40, 400))]
CODE = re.compile(r"\b[A-Z0-9]{10}\b")
APOLOGY = "error.internal"


def _forged_action() -> st.SearchStrategy[str]:
    """A request button with any verb, request id and revision: others' requests included."""
    return st.builds(lambda verb, rid, rev: f"a:xr:{verb}:{rid}:{rev}",
                     st.sampled_from(VERBS), st.integers(0, 6), st.integers(0, 6))


@dataclass
class Findings:
    """What a run found, by kind; `examples` counts the sequences run."""

    counts: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)
    examples: int = 0
    steps: int = 0

    def add(self, kind: str, detail: str) -> None:
        self.counts[kind] += 1
        self.samples.setdefault(kind, detail)


class _ErrorLog(logging.Handler):
    """Keeps the error lines (the core logs where a handler failed, never personal data)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class _Template:
    """A migrated database with the branch and its people, copied for every sequence."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="chibot-fuzz-")
        self.path = Path(self.folder.name) / "template.db"
        asyncio.run(self._build())

    async def _build(self) -> None:
        db = Database(f"sqlite+aiosqlite:///{self.path}")
        await migrate.upgrade(db)
        base = await f.org(db, "DU-AH", OrgKind.BASE_COMMITTEE, name="Đảng bộ xã An Hòa")
        branch = await f.org(db, "CB-BM", OrgKind.BRANCH, base, name="Chi bộ ấp Bình Minh")
        names = {"sec": "Nguyễn Văn Hùng", "dep": "Lê Văn Phúc", "base": "Phạm Văn Bình",
                 "mai": "Trần Thị Mai", "long": "Đỗ Văn Long", "hanh": "Ngô Thị Hạnh",
                 "nam": "Vũ Văn Nam"}
        people = {chat: await f.member(db, f"R-{n:03}", names[chat], branch, PHONES[chat])
                  for n, chat in enumerate(names)}
        await f.role(db, people["sec"], branch, OfficerRole.SECRETARY)
        await f.role(db, people["dep"], branch, OfficerRole.DEPUTY_SECRETARY)
        await f.role(db, people["base"], base, OfficerRole.BASE_COMMITTEE_MEMBER)
        for chat in LINKED:
            await f.link(db, people[chat], chat)
        await db.dispose()


_template: _Template | None = None
_database: Database | None = None
_settings: Settings | None = None


def _sequence_database() -> Database:
    """One engine for every sequence of this process, each on a fresh copy of the template.

    A new engine would compile every statement again (its dialect keys its cache), which
    was about a quarter of a sequence's time; its connections are closed between sequences
    and at each restart, so no state but compiled statements outlives them.
    """
    global _database
    folder = template().parent / "sequence"
    if _database is None:
        folder.mkdir(exist_ok=True)
        _database = Database(f"sqlite+aiosqlite:///{folder / 'chibot.db'}")
    for leftover in folder.iterdir():
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    shutil.copy(template(), folder / "chibot.db")
    return _database


def _sequence_settings(root: Path) -> Settings:
    """The settings every sequence of this process shares (building them costs tens of ms)."""
    global _settings
    if _settings is None:
        _settings = Settings(_env_file=None, data_dir=root, secret_key="fuzz",
                             database_url=f"sqlite+aiosqlite:///{root / 'chibot.db'}")
    return _settings


def template() -> Path:
    global _template
    if _template is None:
        _template = _Template()
    return _template.path


class ChatMachine(RuleBasedStateMachine):
    """Several people and the bot; a failed invariant fails the sequence (see `report`)."""

    findings: Findings | None = None  # set by the bench: count instead of failing
    include_reported = True  # send the REPORTED forgeries too

    def __init__(self) -> None:
        super().__init__()
        self.db = _sequence_database()
        root = template().parent / "sequence"
        self.settings = _sequence_settings(root)
        self.files = self._files(root)
        self.registry = default_registry()
        self.menu_words = sorted({Renderer(lang, self.settings.tz)(entry.label)
                                  for entry in self.registry.menu
                                  for lang in self.settings.languages})
        self.clock = FakeClock()
        self.loop = asyncio.Runner()
        self.errors = _ErrorLog()
        logging.getLogger().addHandler(self.errors)
        self.chat = self._start_process()
        # The checks read the file directly: a plain connection costs far less than a session.
        self.reader = sqlite3.connect(f"file:{root / 'chibot.db'}?mode=ro", uri=True)
        self.shown: dict[str, list[str]] = {chat: [] for chat in PHONES}  # every choice seen
        self.seen = 0  # messages of `chat.sender.sent` already read into `shown`
        self.codes: list[str] = []
        self.reported: set[tuple[str, str]] = set()
        if self.findings is not None:
            self.findings.examples += 1

    @staticmethod
    def _files(root: Path) -> list[FileRef]:
        photo, pdf = root / "certificate.jpg", root / "certificate.pdf"
        photo.write_bytes(b"\xff\xd8\xff\xe0fake jpeg")
        pdf.write_bytes(b"%PDF-1.4 fake")
        return [FileRef(str(photo), "certificate.jpg", "image/jpeg", 14),
                FileRef(str(pdf), "giay-kham.pdf", "application/pdf", 13)]

    def _start_process(self) -> Chat:
        return self.loop.run(_new_chat(self.db, self.settings, self.clock))

    def teardown(self) -> None:
        logging.getLogger().removeHandler(self.errors)
        self.reader.close()
        self.loop.run(self.chat.db.dispose())
        self.loop.close()

    # -- what people do ---------------------------------------------------------------------

    def _do(self, chat_id: str, **fields: object) -> None:
        self.loop.run(self.chat.send(Person(chat_id), **fields))

    @rule(who=PEOPLE, words=st.one_of(st.sampled_from(TEXTS),
                                      st.text(min_size=1, max_size=40).filter(str.strip)))
    def type_text(self, who: str, words: str) -> None:
        self._do(who, text=words)

    @rule(who=PEOPLE, command=st.sampled_from(COMMANDS))
    def type_command(self, who: str, command: str) -> None:
        self._do(who, text=command)

    @rule(who=PEOPLE, index=st.integers(0, 100))
    def type_menu_words(self, who: str, index: int) -> None:
        self._do(who, text=self.menu_words[index % len(self.menu_words)])

    @rule(who=PEOPLE, index=st.integers(0, 100), latest=st.booleans())
    def tap_shown(self, who: str, index: int, latest: bool) -> None:
        """A button this person was shown: the newest ones, or any older (stale) one."""
        choices = ([c for c, _label in self.chat.last_choices(Person(who))] if latest
                   else self.shown[who])
        if choices:
            self._do(who, kind=InboundKind.CHOICE, choice=choices[index % len(choices)])

    @rule(who=PEOPLE, other=PEOPLE, index=st.integers(0, 100))
    def tap_others_button(self, who: str, other: str, index: int) -> None:
        """Callback data copied from someone else's message (a forged press)."""
        if self.shown[other]:
            choice = self.shown[other][index % len(self.shown[other])]
            self._do(who, kind=InboundKind.CHOICE, choice=choice)

    @rule(who=PEOPLE, choice=st.one_of(st.sampled_from(FORGED), _forged_action(),
                                       st.text(max_size=20)))
    def tap_forged(self, who: str, choice: str) -> None:
        self._do(who, kind=InboundKind.CHOICE, choice=choice)

    @rule(who=PEOPLE, value=st.sampled_from(FORGED_OPTIONS))
    def tap_forged_option(self, who: str, value: str) -> None:
        """Any value under the nonce of the person's current question, as if tampered."""
        self._forge_option(who, value)

    @precondition(lambda self: self.include_reported)
    @rule(who=PEOPLE, index=st.integers(0, 100), as_option=st.booleans())
    def tap_reported_forgery(self, who: str, index: int, as_option: bool) -> None:
        forged = REPORTED["option" if as_option else "choice"]
        if as_option:
            self._forge_option(who, forged[index % len(forged)])
        else:
            self._do(who, kind=InboundKind.CHOICE, choice=forged[index % len(forged)])

    def _forge_option(self, who: str, value: str) -> None:
        asked = [c for c, _label in self.chat.last_choices(Person(who)) if c.startswith("s")]
        if asked:
            nonce = asked[0].partition(":")[0]
            self._do(who, kind=InboundKind.CHOICE, choice=f"{nonce}:{value}")

    @rule(who=PEOPLE, phone=st.sampled_from([*{p for p in PHONES.values() if p},
                                             "+84900000000", "0912 000 102", "abc", ""]),
          owner=st.sampled_from([SELF, None, "mai", "nam"]))
    def share_contact(self, who: str, phone: str, owner: str | None) -> None:
        contact_owner = who if owner == SELF else owner
        self.loop.run(self.chat.share_contact(Person(who), phone, contact_owner))

    @rule(who=PEOPLE)
    def share_own_contact(self, who: str) -> None:
        phone = PHONES[who] or "+84900000001"
        self.loop.run(self.chat.share_contact(Person(who), phone))

    @rule(who=PEOPLE, index=st.integers(0, 3))
    def send_file(self, who: str, index: int) -> None:
        if index < len(self.files):
            self._do(who, kind=InboundKind.FILE, file=self.files[index])
        else:  # a file the channel could not take
            self._do(who, kind=InboundKind.FILE, problem=("too_large", "wrong_type")[index % 2])

    @rule(who=PEOPLE)
    def send_unsupported(self, who: str) -> None:
        self._do(who, kind=InboundKind.UNSUPPORTED)

    @precondition(lambda self: bool(self.codes))
    @rule(who=PEOPLE, index=st.integers(0, 100))
    def type_invite_code(self, who: str, index: int) -> None:
        self._do(who, text=self.codes[index % len(self.codes)])

    @rule()
    def restart(self) -> None:
        """The process restarts: a new engine, core and delivery over the same database."""
        self.loop.run(self.chat.db.dispose())
        sent = self.chat.sender.sent
        self.chat = self._start_process()
        self.chat.sender.sent = sent  # what people were shown stays on their screens

    @rule(move=st.sampled_from(CLOCK_MOVES))
    def time_passes(self, move: timedelta) -> None:
        """The clock moves on and the periodic timer scan runs, as the scheduler would."""
        self.clock.now += move
        self.loop.run(_fire_timers(self.chat, self.settings, self.clock))

    # -- what must always hold --------------------------------------------------------------

    @invariant()
    def nothing_broken(self) -> None:
        if self.findings is not None:
            self.findings.steps += 1
        self._read_screens()
        self.report(self._problems())

    def _read_screens(self) -> None:
        for chat_id, message in self.chat.sender.sent[self.seen:]:
            self.shown.setdefault(chat_id, []).extend(c for c, _label in message.choices)
            self.codes.extend(CODE.findall(message.text))
        self.seen = len(self.chat.sender.sent)

    def _problems(self) -> list[tuple[str, str, str]]:
        """(kind, what it is about, detail) for everything wrong in the database now."""
        read = self.reader.execute
        apologies = read("SELECT id, chat_id FROM outboxmessage WHERE payload LIKE ?",
                         (f"%{APOLOGY}%",)).fetchall()
        states = read("SELECT chat_id, flow, step FROM conversation "
                      "WHERE flow IS NOT NULL OR step IS NOT NULL").fetchall()
        orphans = read("SELECT d.id FROM requestdecision d LEFT JOIN request r "
                       "ON r.id = d.request_id WHERE r.id IS NULL").fetchall()
        # One open request of a type at a time (README, reduction and exemption).
        doubles = read("SELECT member_id, COUNT(*) FROM request WHERE status IN "
                       "('pending', 'more_info') GROUP BY member_id, type HAVING COUNT(*) > 1"
                       ).fetchall()
        offered = ", ".join(f"'{lang}'" for lang in self.settings.languages)
        languages = read(f"SELECT 'chat ' || chat_id, language FROM conversation WHERE language "
                         f"NOT IN ({offered}) UNION ALL SELECT 'member ' || id, language "
                         f"FROM member WHERE language NOT IN ({offered})").fetchall()
        found = [("crash", f"outbox {row_id}", f"apology to {chat_id}; "
                  f"logged: {self.errors.lines[-2:]}") for row_id, chat_id in apologies]
        for chat_id, flow, step in states:
            known = self.registry.flows.get(flow or "")
            if known is None or step not in known.steps:
                found.append(("invalid state", f"{chat_id} {flow} {step}",
                              f"chat {chat_id} at flow {flow!r}, step {step!r}"))
        found += [("decision without request", f"decision {d}", f"decision {d}")
                  for (d,) in orphans]
        found += [("two open requests", f"member {m}", f"member {m}: {n} open")
                  for m, n in doubles]
        found += [("language not offered", whose, f"{whose} in language {lang!r}")
                  for whose, lang in languages]
        return found

    def report(self, problems: list[tuple[str, str, str]]) -> None:
        if self.findings is None:
            assert not problems, [detail for _kind, _key, detail in problems]
            return
        for kind, key, detail in problems:
            if (kind, key) not in self.reported:  # a problem stays in the database: count once
                self.reported.add((kind, key))
                self.findings.add(kind, detail)


async def _new_chat(db: Database, settings: Settings, clock: FakeClock) -> Chat:
    return Chat(db, settings, clock)


async def _fire_timers(chat: Chat, settings: Settings, clock: FakeClock) -> None:
    await timer_runner(chat.db, settings, clock).fire_due()
    await chat.flush()
