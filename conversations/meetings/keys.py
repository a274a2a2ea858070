"""Message keys of meetings composed at run time (f"meetings.kind.{kind}"), listed
literally so extraction finds them."""

from vocabulary.messages import Msg

KEYS = [
    Msg("meetings.absence.empty"),
    Msg("meetings.absence.too_long"),
    Msg("meetings.attendance.excused"),
    Msg("meetings.attendance.present"),
    Msg("meetings.attendance.unexcused"),
    Msg("meetings.kind.extraordinary"),
    Msg("meetings.kind.regular"),
    Msg("meetings.kind.thematic"),
    Msg("meetings.mine.answer.absent"),
    Msg("meetings.mine.answer.attend"),
    Msg("meetings.mine.answer.none"),
    Msg("meetings.plan.kind.extraordinary"),
    Msg("meetings.plan.kind.regular"),
    Msg("meetings.plan.kind.thematic"),
    Msg("meetings.plan.too_long"),
    Msg("meetings.rate.meeting"),
    Msg("meetings.rate.year"),
    Msg("meetings.reason.family"),
    Msg("meetings.reason.health"),
    Msg("meetings.reason.other"),
    Msg("meetings.reason.work"),
    Msg("meetings.reminder.said_absent"),
    Msg("meetings.reminder.said_attend"),
    Msg("meetings.rule.day"),
    Msg("meetings.rule.quarter"),
    Msg("meetings.rule.shape"),
    Msg("meetings.rule.time"),
    Msg("meetings.rule.which_week"),
    Msg("meetings.status.ahead"),
    Msg("meetings.status.cancelled"),
    Msg("meetings.status.marked"),
    Msg("meetings.status.unmarked"),
]
