"""aiogram's response types for the methods Chibot calls, built once and kept.

aiogram validates every answer as `Response[T]`; pydantic keeps such parametrised classes
only while something references them, so without this each call rebuilt the class.
"""

from __future__ import annotations

from aiogram import methods
from aiogram.client.session.base import Response

USED = (methods.GetUpdates, methods.SendMessage, methods.SendPhoto, methods.SendDocument,
        methods.EditMessageText, methods.EditMessageReplyMarkup, methods.AnswerCallbackQuery,
        methods.SetMyCommands, methods.DeleteWebhook, methods.SetWebhook, methods.GetFile)
KEPT = tuple(Response[method.__returning__] for method in USED)  # type: ignore[name-defined]
