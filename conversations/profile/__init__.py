"""The member's own information: the profile, and everything stored about him/her."""
