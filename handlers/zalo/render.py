"""A rendered message as Zalo text: no buttons, so options are a numbered list to type."""

from __future__ import annotations

from handlers.text_pieces import split_lines
from vocabulary.channels import Rendered
from vocabulary.messages import Msg, Renderer

TEXT_LIMIT = 2000


def as_text(message: Rendered, render: Renderer) -> str:
    """The text, then its options numbered, then options named by code ("1 12")."""
    lines = [message.text] if message.text else []
    if message.choices:
        lines += ["", *(f"{n}. {label}" for n, (_id, label) in enumerate(message.choices, 1))]
        lines += [render(Msg("zalo.type_choice"))]
    if message.named:
        lines += ["", *(line for _id, line in message.named)]
    return "\n".join(lines)


def pieces(message: Rendered, render: Renderer) -> list[str]:
    """Messages of at most 2,000 characters, cut at line ends; none for an empty text."""
    text = as_text(message, render)
    return split_lines(text, TEXT_LIMIT) if text.strip() else []
