"""Message keys of working away composed at run time, listed literally so extraction finds them."""

from vocabulary.messages import Msg

KEYS = [
    Msg("away.kind.inform"), Msg("away.kind.suspend"), Msg("away.kind.transfer"),
    Msg("away.kind.extend"), Msg("away.kind.return"),
    Msg("away.reason.work"), Msg("away.reason.study"), Msg("away.reason.treatment"),
    Msg("away.reason.family"), Msg("away.reason.other"),
    Msg("away.arrangement_option.inform"), Msg("away.arrangement_option.suspend"),
    Msg("away.arrangement_option.transfer"),
    Msg("away.rule.decision.inform"), Msg("away.rule.decision.suspend"),
    Msg("away.rule.decision.transfer"),
    Msg("away.rule.after_submit.inform"), Msg("away.rule.after_submit.suspend"),
    Msg("away.rule.after_submit.transfer"), Msg("away.rule.after_submit.extend"),
    Msg("away.rule.after_submit.return"),
    Msg("away.answer.still"), Msg("away.answer.back"), Msg("away.answer.extend"),
    Msg("away.answer.date"),
    Msg("away.state.upcoming"), Msg("away.state.away"), Msg("away.state.overdue"),
    Msg("away.state.returned"),
    Msg("away.ask.comment"), Msg("away.ask.comment_no_files"),
]
