"""The tables of Chibot. Instants are UTC (UTCDateTime); enums are stored as short strings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint, text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _instant(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _bot() -> Any:
    """Which of a channel's bots: "" is the channel's only (or first) bot."""
    return Field(default="", sa_type=String(40), sa_column_kwargs={"server_default": ""})


class OrgKind(StrEnum):
    PROVINCE = "province"
    BASE_COMMITTEE = "base_committee"  # dang bo co so
    SUB_COMMITTEE = "sub_committee"  # dang bo bo phan
    BASE_BRANCH = "base_branch"  # chi bo co so
    BRANCH = "branch"  # chi bo
    GROUP = "group"  # to dang

    @property
    def is_branch(self) -> bool:
        return self in (OrgKind.BRANCH, OrgKind.BASE_BRANCH)


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(64), unique=True)
    name: str = Field(sa_type=String(200))
    kind: OrgKind = Field(sa_type=String(20))
    parent_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    REDUCED = "reduced"
    EXEMPTED = "exempted"
    AWAY = "away"
    LEFT = "left"


class Member(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    roster_id: str = Field(sa_type=String(32), unique=True)
    full_name: str = Field(sa_type=String(200))
    birth_date: date | None = None
    gender: Gender | None = Field(default=None, sa_type=String(10))
    phone: str | None = Field(default=None, sa_type=String(20), index=True)
    branch_id: int = Field(foreign_key="organisation.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    admitted_on: date | None = None
    official_on: date | None = None
    is_retired_cadre: bool = False
    managing_body: str | None = Field(default=None, sa_type=String(200))
    status: MemberStatus = Field(default=MemberStatus.ACTIVE, sa_type=String(20))
    language: str | None = Field(default=None, sa_type=String(8))
    # An exempted member still receives meeting reminders only if he/she asked to (232-QD 7.2).
    meeting_reminders_opt_in: bool = Field(
        default=False, sa_column_kwargs={"server_default": text("false")})
    created_at: datetime = _instant()
    updated_at: datetime = _instant()


class OfficerRole(StrEnum):
    SECRETARY = "secretary"
    DEPUTY_SECRETARY = "deputy_secretary"
    COMMITTEE_MEMBER = "committee_member"
    GROUP_LEADER = "group_leader"
    BASE_COMMITTEE_MEMBER = "base_committee_member"


class Officer(SQLModel, table=True):
    """A role held in an organisation; `ended_at` is set when the member leaves the role."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    role: OfficerRole = Field(sa_type=String(32))
    started_at: datetime = _instant()
    ended_at: datetime | None = _instant(nullable=True)


class ChatAccount(SQLModel, table=True):
    """A messenger account proven to belong to a member."""

    __table_args__ = (
        UniqueConstraint("channel", "user_id"),
        Index("ix_chataccount_chat", "channel", "chat_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=String(16))
    user_id: str = Field(sa_type=String(64))
    chat_id: str = Field(sa_type=String(64))
    bot: str = _bot()  # the bot he/she wrote to: his/her messages leave through it
    member_id: int = Field(foreign_key="member.id", index=True)
    linked_at: datetime = _instant()
    last_seen_at: datetime = _instant()
    unreachable_at: datetime | None = _instant(nullable=True)
    consent_version: str | None = Field(default=None, sa_type=String(16))  # agreed through it


class Consent(SQLModel, table=True):
    """A member's consent: through a chat account, or on paper ("paper"), recorded by an officer."""

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    version: str = Field(sa_type=String(16))
    channel: str = Field(sa_type=String(16))
    given_at: datetime = _instant()
    withdrawn_at: datetime | None = _instant(nullable=True)
    recorded_by: int | None = Field(default=None, foreign_key="member.id")  # a paper consent


class DataRequestKind(StrEnum):
    CORRECTION = "correction"
    DELETION = "deletion"


class DataRequest(SQLModel, table=True):
    """A member's request about his/her data (Law 91/2025): a correction is a task for the
    branch's leaders until one marks it done; a deletion is done at once and kept as a record."""

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: DataRequestKind = Field(sa_type=String(12))
    text: str | None = Field(default=None, sa_type=String(1000))
    created_at: datetime = _instant()
    done_at: datetime | None = _instant(nullable=True)
    done_by: int | None = Field(default=None, foreign_key="member.id")


class InviteCode(SQLModel, table=True):
    """A one-time code; only its HMAC is kept."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(sa_type=String(64), unique=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    issued_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = _instant()
    expires_at: datetime = _instant()
    used_at: datetime | None = _instant(nullable=True)
    bot: str | None = Field(default=None, sa_type=String(32))  # the Zalo bot to write it to


class LinkAttempt(SQLModel, table=True):
    """A wrong invite code typed in a chat; counted for the hourly limit."""

    __table_args__ = (Index("ix_linkattempt_chat", "channel", "chat_id", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=String(16))
    chat_id: str = Field(sa_type=String(64))
    attempted_at: datetime = _instant()


class BotUsage(SQLModel, table=True):
    """Messages a bot's platform accepted in one calendar month (Zalo's quota is per bot)."""

    channel: str = Field(sa_type=String(16), primary_key=True)
    bot: str = Field(sa_type=String(32), primary_key=True)
    month: str = Field(sa_type=String(7), primary_key=True)  # "2026-12", deployment's time
    sent: int = 0
    warned: bool = False  # officers told it passed the warning share


class Conversation(SQLModel, table=True):
    """Where one chat stands: its flow, step and data, and the menu its numbers refer to."""

    channel: str = Field(sa_type=String(16), primary_key=True)
    chat_id: str = Field(sa_type=String(64), primary_key=True)
    flow: str | None = Field(default=None, sa_type=String(40))
    step: str | None = Field(default=None, sa_type=String(40))
    nonce: str = Field(default="", sa_type=String(8))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    menu: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Options of messages that arrived on their own (a notice), by the code typed to pick one.
    named: dict[str, Any] = Field(default_factory=dict,
                                  sa_column=Column(JSON, nullable=False, server_default="{}"))
    language: str | None = Field(default=None, sa_type=String(8))
    version: int = 0
    updated_at: datetime = _instant()

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # SQLAlchemy's version counter: a concurrent change makes the flush fail, not vanish.
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class AuditEntry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _instant(index=True)
    actor_member_id: int | None = Field(default=None, foreign_key="member.id")
    actor: str = Field(sa_type=String(64))
    action: str = Field(sa_type=String(64), index=True)
    subject_type: str = Field(sa_type=String(32))
    subject_id: str = Field(sa_type=String(64))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Timer(SQLModel, table=True):
    """A thing due at a time ("remind the officers on D"); the job runner fires it once."""

    __table_args__ = (Index("ix_timer_due", "fired_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(40))
    key: str = Field(sa_type=String(120), unique=True)
    due_at: datetime = _instant()
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fired_at: datetime | None = _instant(nullable=True)
    created_at: datetime = _instant()


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"


class OutboxMessage(SQLModel, table=True):
    """One message to one recipient, rendered in the recipient's language when sent."""

    __table_args__ = (
        # The claim's order: interactive before bulk, then first queued first.
        Index("ix_outbox_claim", "status", text("priority DESC"), "id"),
        Index("ix_outbox_recipient", "recipient", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str | None = Field(default=None, sa_type=String(160), unique=True)
    recipient: str = Field(default="", sa_type=String(90))  # one order per person or chat
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    channel: str | None = Field(default=None, sa_type=String(16))
    chat_id: str | None = Field(default=None, sa_type=String(64))
    bot: str = _bot()  # a reply leaves through the bot its chat wrote to
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    priority: int = 0
    status: OutboxStatus = Field(default=OutboxStatus.QUEUED, sa_type=String(10))
    attempts: int = 0
    next_attempt_at: datetime = _instant()
    created_at: datetime = _instant()
    claimed_at: datetime | None = _instant(nullable=True)
    claimed_by: str | None = Field(default=None, sa_type=String(64))  # a DeliveryWorker's id
    parts_sent: int = 0  # parts (attachment, pieces of a long text) the platform accepted
    throttles: int = 0  # 429s: counted apart from failures, under their own cap
    sent_at: datetime | None = _instant(nullable=True)
    last_error: str | None = Field(default=None, sa_type=String(200))
    broadcast_id: int | None = Field(default=None, foreign_key="broadcast.id", index=True)
    sent_channel: str | None = Field(default=None, sa_type=String(16))
    sent_chat_id: str | None = Field(default=None, sa_type=String(64))
    message_ref: str | None = Field(default=None, sa_type=String(64))
    # Copies about one thing (e.g. "exemption:17") can be edited together when it changes.
    subject: str | None = Field(default=None, sa_type=String(40), index=True)


class DeliveryWorker(SQLModel, table=True):
    """A process sending the outbox; its claims are re-queued once its heartbeat stops."""

    id: str = Field(sa_type=String(64), primary_key=True)
    host: str = Field(sa_type=String(64))
    pid: int
    started_at: datetime = _instant()
    heartbeat_at: datetime = _instant()
    # The channels it sends on, space-separated: workers on one channel share its rate.
    channels: str = Field(default="", sa_type=String(200),
                          sa_column_kwargs={"server_default": ""})


class Broadcast(SQLModel, table=True):
    """One message to many: who started it, to whom, and how far it has got."""

    id: int | None = Field(default=None, primary_key=True)
    started_by: int | None = Field(default=None, foreign_key="member.id")
    audience: str = Field(sa_type=String(120))
    total: int = 0
    created_at: datetime = _instant()
    finished_at: datetime | None = _instant(nullable=True)
    progress_outbox_id: int | None = None


class InboxUpdate(SQLModel, table=True):
    """A platform update, recorded before it is acknowledged and handled from here once."""

    __table_args__ = (
        UniqueConstraint("channel", "bot", "update_id", name="uq_inbox_update"),
        Index("ix_inbox_pending", "processed_at", "id"),
        Index("ix_inbox_follow_up", "followed_up_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=String(16))
    bot: str = _bot()  # update ids are counted per bot
    update_id: str = Field(sa_type=String(64))
    chat_id: str = Field(sa_type=String(64))
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    received_at: datetime = _instant()
    processed_at: datetime | None = _instant(nullable=True)
    # When what follows the handling was done (a button press answered, its keyboard taken
    # away); a row handled but not followed up is finished after a restart.
    followed_up_at: datetime | None = _instant(nullable=True)
    attempts: int = 0


class ReliefKind(StrEnum):
    """What a member asks for: reduction, exemption, or to return to normal activity."""

    REDUCTION = "reduction"
    EXEMPTION = "exemption"
    RETURN = "return"


class RequestStage(StrEnum):
    """Who acts on a request now; closed requests have no stage."""

    CONSENT = "consent"  # the managing body's consent for a retired cadre, recorded by the branch
    BRANCH = "branch"
    UPPER = "upper"  # the deciding level above the branch
    ACK = "ack"  # the branch's officers take note; nothing to decide
    CONFIRM = "confirm"  # a second organisation (a receiving chi bo) confirms


class RequestStatus(StrEnum):
    PENDING = "pending"
    MORE_INFO = "more_info"  # waiting for the member's answer
    APPROVED = "approved"
    ACKNOWLEDGED = "acknowledged"  # taken note of (a request that needs no decision)
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ENDED = "ended"  # an approved request whose period is over (or that a later one ended)


class Request(SQLModel, table=True):
    """A member's request of any type (exemption, working away, ...) and where it stands.

    `kind` is the type's own variant; `detail` holds what only that type records.
    """

    __table_args__ = (Index("ix_request_org_status", "stage_org_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    type: str = Field(default="exemption", sa_type=String(16))
    member_id: int = Field(foreign_key="member.id", index=True)
    branch_id: int = Field(foreign_key="organisation.id")
    other_org_id: int | None = Field(default=None, foreign_key="organisation.id")
    kind: str = Field(sa_type=String(12))
    reason: str = Field(sa_type=String(24))
    reason_text: str | None = Field(default=None, sa_type=String(500))
    starts_on: date | None = None
    ends_on: date | None = None  # None: open-ended
    attachment: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    attachment_at_meeting: bool = False
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: RequestStatus = Field(default=RequestStatus.PENDING, sa_type=String(12))
    stage: RequestStage | None = Field(default=None, sa_type=String(8))
    stage_org_id: int | None = Field(default=None, foreign_key="organisation.id")
    stage_since: datetime = _instant()
    revision: int = 1  # every transition adds one; buttons carry it, so old ones are refused
    deferred_at: datetime | None = _instant(nullable=True)
    question: str | None = Field(default=None, sa_type=String(500))
    answer: str | None = Field(default=None, sa_type=String(1000))
    recorded_by: int | None = Field(default=None, foreign_key="member.id")
    related_id: int | None = Field(default=None, foreign_key="request.id")  # ends or extends it
    created_at: datetime = _instant()
    closed_at: datetime | None = _instant(nullable=True)


class RequestDecision(SQLModel, table=True):
    """One recorded decision on a request, with what it replaced, so a mis-tap can be undone."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    stage: RequestStage = Field(sa_type=String(8))
    outcome: str = Field(sa_type=String(16))
    by_member_id: int = Field(foreign_key="member.id")
    at: datetime = _instant()
    meeting_on: date | None = None
    resolution_no: str | None = Field(default=None, sa_type=String(60))
    note: str | None = Field(default=None, sa_type=String(500))
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # What the filed documents need besides date and number: votes, the consenting committee.
    detail: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    report_to_org_id: int | None = Field(default=None, foreign_key="organisation.id")
    reported_at: datetime | None = _instant(nullable=True)
    undone_at: datetime | None = _instant(nullable=True)


class MeetingKind(StrEnum):
    REGULAR = "regular"  # the monthly meeting (Statute Art. 24)
    THEMATIC = "thematic"  # at least once a quarter, never instead of the monthly one
    EXTRAORDINARY = "extraordinary"


class MeetingPlan(SQLModel, table=True):
    """A recurring meeting of a chi bo or to dang: its rule ("ngay 3, 19:30") and place."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    kind: MeetingKind = Field(sa_type=String(16))
    rule: str = Field(sa_type=String(120))
    place: str = Field(default="", sa_type=String(200))
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = _instant()
    ended_at: datetime | None = _instant(nullable=True)


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class Meeting(SQLModel, table=True):
    """One meeting: an occurrence of a plan (its `period` is the month) or a one-off."""

    __table_args__ = (UniqueConstraint("plan_id", "period"),
                      Index("ix_meeting_starts", "starts_at"))

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    plan_id: int | None = Field(default=None, foreign_key="meetingplan.id")
    kind: MeetingKind = Field(sa_type=String(16))
    period: str | None = Field(default=None, sa_type=String(7))  # "2026-12", local month
    starts_at: datetime = _instant()
    place: str = Field(default="", sa_type=String(200))
    agenda: str | None = Field(default=None, sa_type=String(1000))
    # Files attached to it: FileRef fields plus "sent" once they went out to the members.
    documents: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: MeetingStatus = Field(default=MeetingStatus.PLANNED, sa_type=String(10))
    revision: int = 1  # every change of time or place adds one
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = _instant()
    cancelled_at: datetime | None = _instant(nullable=True)
    marked_at: datetime | None = _instant(nullable=True)  # attendance last saved
    marked_by: int | None = Field(default=None, foreign_key="member.id")


class Attendance(StrEnum):
    PRESENT = "present"
    EXCUSED = "excused"  # vang co ly do
    UNEXCUSED = "unexcused"


class MeetingAttendee(SQLModel, table=True):
    """A member expected at a meeting: when reminded, his/her answer, and the attendance."""

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True)
    reminded_at: datetime | None = _instant(nullable=True)
    # Counted in rates and Article 8's months: not an exempted member who asked for reminders.
    counted: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})
    answer: str | None = Field(default=None, sa_type=String(8))  # "attend" or "absent"
    reason: str | None = Field(default=None, sa_type=String(12))  # work, health, family, other
    reason_text: str | None = Field(default=None, sa_type=String(300))
    answered_at: datetime | None = _instant(nullable=True)
    attendance: Attendance | None = Field(default=None, sa_type=String(12))
    marked_at: datetime | None = _instant(nullable=True)


class TopicCatalogue(SQLModel, table=True):
    """A list of signs of degradation to study (the 27 of 04-NQ/TW, or a province's own)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(40), unique=True)
    title: str = Field(sa_type=String(300))
    issuer: str | None = Field(default=None, sa_type=String(200))
    issued_on: date | None = None
    imported_at: datetime = _instant()


class TopicItem(SQLModel, table=True):
    """One item of a catalogue; only a verified item with its Vietnamese text is ever sent."""

    __table_args__ = (UniqueConstraint("catalogue_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    catalogue_id: int = Field(foreign_key="topiccatalogue.id", index=True)
    position: int
    code: str = Field(sa_type=String(20))
    group: str = Field(sa_type=String(1))  # A, B or C of 04-NQ/TW
    parent_code: str | None = Field(default=None, sa_type=String(20))  # among the 27
    text_vi: str | None = Field(default=None, sa_type=String(4000))
    text_en: str | None = Field(default=None, sa_type=String(4000))
    source: str | None = Field(default=None, sa_type=String(300))
    source_date: str | None = Field(default=None, sa_type=String(20))  # as the source gives it
    source_link: str | None = Field(default=None, sa_type=String(500))
    verified: bool = False


class TopicActivation(SQLModel, table=True):
    """The catalogue an organisation (a province, a base committee) studies."""

    org_id: int = Field(foreign_key="organisation.id", primary_key=True)
    catalogue_id: int = Field(foreign_key="topiccatalogue.id")
    activated_at: datetime = _instant()


class TopicRotation(SQLModel, table=True):
    """Where a chi bo stands in its cycle through the items: the codes sent in this cycle."""

    branch_id: int = Field(foreign_key="organisation.id", primary_key=True)
    cycle: int = 1
    sent: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _instant()


class TopicMessage(SQLModel, table=True):
    """A month's message as queued: chi bo given the same items share one, and each member's
    outbox row is copied from it by one INSERT ... SELECT."""

    id: int | None = Field(default=None, primary_key=True)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _instant()


class TopicRound(SQLModel, table=True):
    """A chi bo's topics for one month: planned (editable by its officers), then sent."""

    __table_args__ = (UniqueConstraint("branch_id", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="organisation.id")
    month: str = Field(sa_type=String(7))  # "2026-12", in the deployment's time
    catalogue_id: int = Field(foreign_key="topiccatalogue.id")
    # [{"item": id, "code": code, "cycle": n}], in the order they are studied
    items: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    edited_by: int | None = Field(default=None, foreign_key="member.id")
    voice: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # a FileRef
    message_id: int | None = Field(default=None, foreign_key="topicmessage.id")  # what was sent
    sent_at: datetime | None = _instant(nullable=True)
    created_at: datetime = _instant()


class TopicRead(SQLModel, table=True):
    """A member answered «Da doc» to a month's topics."""

    round_id: int = Field(foreign_key="topicround.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    read_at: datetime = _instant()


class TopicReflection(SQLModel, table=True):
    """A member's own reflection on one topic (political views: sensitive data)."""

    __table_args__ = (UniqueConstraint("member_id", "round_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    round_id: int = Field(foreign_key="topicround.id")
    item_id: int = Field(foreign_key="topicitem.id")
    text: str = Field(sa_type=String(4000))
    shared: bool = False  # with the secretary (and deputy) of the member's chi bo, no one else
    created_at: datetime = _instant(index=True)


class AwayArrangement(StrEnum):
    """How a member away from home stands with the chi bo (01-HD/TW 10.3; 232-QD/TW 6.3.2)."""

    INFORM = "inform"  # a short absence, only reported
    SUSPEND = "suspend"  # tam mien sinh hoat, granted by the base committee
    TRANSFER = "transfer"  # chuyen sinh hoat dang tam thoi to a host chi bo


class AwayRecord(SQLModel, table=True):
    """A member working away: its own record beside `member.status`, which it leaves alone.

    `ends_on` None: the member did not know yet; `returned_on` set: back home (closed).
    """

    __table_args__ = (
        Index("ix_awayrecord_branch_open", "branch_id", "returned_on"),
        Index("ix_awayrecord_host_open", "host_org_id", "returned_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    branch_id: int = Field(foreign_key="organisation.id")  # the home chi bo
    request_id: int | None = Field(default=None, foreign_key="request.id")  # None: imported
    arrangement: AwayArrangement = Field(sa_type=String(12))
    place: str = Field(sa_type=String(200))
    reason: str = Field(sa_type=String(24))
    contact_phone: str | None = Field(default=None, sa_type=String(20))
    starts_on: date
    ends_on: date | None = None
    host_org_id: int | None = Field(default=None, foreign_key="organisation.id")
    host_name: str | None = Field(default=None, sa_type=String(200))  # a host outside Chibot
    arrived_on: date | None = None  # the host chi bo confirmed the arrival
    returned_on: date | None = None
    comment: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # nhan xet
    comment_at_meeting: bool = False
    asked_at: datetime | None = _instant(nullable=True)  # last overdue or end-date question
    last_contact_at: datetime = _instant()
    created_at: datetime = _instant()


class BranchMonth(SQLModel, table=True):
    """A chi bo's counts in one month (its last refresh then), so deployment-wide rates read
    one row per chi bo instead of every member."""

    branch_id: int = Field(foreign_key="organisation.id", primary_key=True)
    month: date = Field(primary_key=True, index=True)  # the month's first day
    members: int = 0  # everyone on the roll but those who left
    reduced: int = 0
    exempted: int = 0
    away: int = 0  # away on temporary exemption (tam mien), counted apart
    computed_at: datetime = _instant()
