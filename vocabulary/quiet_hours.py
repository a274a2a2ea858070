"""Quiet hours: bulk messages (announcements, reminders) are not sent at night."""

from __future__ import annotations

from datetime import datetime

from vocabulary.settings import Settings


def is_quiet(settings: Settings, now: datetime) -> bool:
    local = now.astimezone(settings.tz).time()
    start, end = settings.quiet_hours_start, settings.quiet_hours_end
    return (start <= local or local < end) if start > end else start <= local < end
