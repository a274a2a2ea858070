"""A secretary's announcement to the whole branch."""
