"""Reduction of, exemption from, and return to party work and meetings (Party Statute Art. 7)."""
