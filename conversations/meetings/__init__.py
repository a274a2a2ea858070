"""Meetings of a chi bo or to dang: plans, reminders with answers, attendance, warnings."""
