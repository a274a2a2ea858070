"""Options picked by a typed code ("1 12"): confirmed in words before anything is recorded.

A tap on a button is one step; a typed code could be a slip of the finger on a request
that is not the one meant, so it is read back first.
"""

from __future__ import annotations

from conversations.context import Ctx
from conversations.flow import Answer, Chosen, Done, Flow, Invalid, Next, Outcome, Prompt, Step
from vocabulary.messages import Msg
from vocabulary.text import clean

FLOW = "typed_choice"
YES, NO = "yes", "no"


def find(named: dict[str, list[object]], text: str) -> str | None:
    """The code the text names ("1 12", «1 12», "1  12"), if this chat was shown it."""
    code = clean(text.strip("\"'«»“”")).strip()
    return code if code in named else None


async def _start(_ctx: Ctx) -> Outcome:
    return Next("confirm")


async def _prompt(ctx: Ctx) -> Prompt:
    label = Msg.from_json(ctx.data["label"])
    return Prompt([Msg("choice.confirm", code=ctx.data["code"], label=label)],
                  [(YES, Msg("choice.confirm_yes")), (NO, Msg("choice.confirm_no"))])


async def _handle(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == YES:
        return Chosen(ctx.data["choice"])
    if answer.option == NO:
        return Done(Msg("choice.not_recorded"))
    return Invalid(Msg("choice.confirm_again"))


FLOW_DEF = Flow(FLOW, {"confirm": Step(_prompt, _handle)}, _start)


def start_data(named: dict[str, list[object]], code: str) -> dict[str, object]:
    choice, label = named[code]
    return {"code": code, "choice": choice, "label": label}
