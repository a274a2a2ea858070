"""Months of the monthly topics, in the deployment's time, and when each month's go out."""

from __future__ import annotations

from datetime import UTC, datetime

from vocabulary.settings import Settings


def month_of(settings: Settings, now: datetime) -> str:
    local = now.astimezone(settings.tz)
    return f"{local.year:04d}-{local.month:02d}"


def next_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def send_at(settings: Settings, month: str) -> datetime:
    """When a month's topics go out (the configured day and time), in UTC."""
    year, number = (int(part) for part in month.split("-"))
    local = datetime(year, number, settings.topics_send_day, settings.topics_send_time.hour,
                     settings.topics_send_time.minute, tzinfo=settings.tz)
    return local.astimezone(UTC)


def upcoming(settings: Settings, now: datetime) -> str:
    """The first month whose topics have not yet gone out at `now`."""
    month = month_of(settings, now)
    return month if send_at(settings, month) > now else next_month(month)
