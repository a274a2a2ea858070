"""Message keys composed at run time (f"role.{role}"), listed literally so extraction finds them.

tests/test_catalogues.py checks this list against the enums it stands for.
"""

from bot.i18n import Msg

KEYS = [
    Msg("role.secretary"), Msg("role.deputy_secretary"), Msg("role.committee_member"),
    Msg("role.group_leader"), Msg("role.base_committee_member"),
    Msg("status.active"), Msg("status.reduced"), Msg("status.exempted"), Msg("status.away"),
    Msg("status.left"),
    Msg("gender.male"), Msg("gender.female"),
    Msg("language.vi"), Msg("language.en"),
    Msg("channel.terminal"), Msg("channel.telegram"), Msg("channel.zalo"),
    Msg("register.refused.forwarded"), Msg("register.refused.not_found"),
    Msg("register.refused.shared_phone"), Msg("register.refused.wrong_code"),
    Msg("register.refused.expired_code"), Msg("register.refused.used_code"),
    Msg("register.refused.too_many"),
    Msg("format.date"), Msg("format.datetime"), Msg("common.none"),
    Msg("terminal.not_found"), Msg("terminal.several"),
    Msg("error.file.too_large"), Msg("error.file.wrong_type"),
    Msg("command.menu"), Msg("command.help"), Msg("command.cancel"), Msg("command.profile"),
    Msg("command.mydata"), Msg("command.language"),
]
