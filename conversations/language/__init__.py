"""Choosing the language Chibot speaks to a person."""
