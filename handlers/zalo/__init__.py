"""Zalo Bot Platform: a small client of our own, behind the same channel interface as Telegram."""

CHANNEL = "zalo"
