"""How a meeting reads in a message: heading, time, place, agenda, and the answer buttons."""

from __future__ import annotations

from storage.models import Meeting, Organisation
from vocabulary.messages import Msg
from vocabulary.types import Choice

ACTION = "mt"  # the answer buttons: a:mt:yes:ID and a:mt:no:ID


def ref(meeting: Meeting) -> str:
    """What a typed code names: "h12" for meeting 12 (never a bare number: requests use those)."""
    return f"h{meeting.id}"


def kind(meeting: Meeting) -> Msg:
    return Msg(f"meetings.kind.{meeting.kind}")


def details(meeting: Meeting, org: Organisation | None,
            topics: list[Msg] | None = None) -> list[Msg]:
    """`topics`: the month's topics (agenda.topics_of), listed after the secretary's agenda."""
    lines = [Msg("meetings.line.what", kind=kind(meeting), org=org.name if org else ""),
             Msg("meetings.line.when", at=meeting.starts_at)]
    if meeting.place:
        lines.append(Msg("meetings.line.place", place=meeting.place))
    if meeting.agenda:
        lines.append(Msg("meetings.line.agenda", agenda=meeting.agenda))
    return [*lines, *(topics or [])]


def answer_choices(meeting: Meeting) -> list[Choice]:
    return [Choice(f"a:{ACTION}:yes:{meeting.id}", Msg("meetings.answer.attend"), ref=ref(meeting)),
            Choice(f"a:{ACTION}:no:{meeting.id}", Msg("meetings.answer.absent"), ref=ref(meeting))]


def still_attend_choice(meeting: Meeting) -> list[Choice]:
    """The one answer to the notice sent to a member who reported being away."""
    return [Choice(f"a:{ACTION}:yes:{meeting.id}", Msg("meetings.away.attend"),
                   ref=ref(meeting))]


def subject(meeting: Meeting) -> str:
    return f"meeting:{meeting.id}"
