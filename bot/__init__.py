"""Chibot runtime: settings, i18n, delivery, scheduler and the command line."""
