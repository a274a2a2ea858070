"""The desk registers its flow, its menu entry, and the lists and series it shows: its own,
and those read from the away, meetings and topics capabilities."""

from __future__ import annotations

from conversations.desk import (
    absences,
    attendance,
    away_section,
    flows,
    lists,
    outputs,
    topic_reads,
)
from conversations.desk.sections import add_section
from conversations.desk.series import add_series
from conversations.registry import OFFICER_TOOLS, MenuEntry, Registry
from vocabulary.messages import Msg

SECTIONS = (*lists.BUILT_IN, away_section.AWAY, absences.ABSENCES, topic_reads.TOPIC_READS)


def register(registry: Registry) -> None:
    registry.add_flow(flows.FLOW, command="desk")
    registry.add_menu(MenuEntry("desk", Msg("menu.desk"), flows.NAME, flows.visible,
                                group=OFFICER_TOOLS, order=50))
    registry.add_timer(outputs.DELETE, outputs.make_delete)
    for section in SECTIONS:
        add_section(section)
    add_series(attendance.ATTENDANCE)
