"""Linking a chat account to a roster member, by proof and after consent."""
