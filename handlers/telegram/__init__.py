"""Telegram: aiogram as a thin adapter between the Bot API and the channel-free core."""

CHANNEL = "telegram"
CALLBACK_VERSION = "v1|"
