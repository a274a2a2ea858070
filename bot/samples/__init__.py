"""Sample organisation tree and roster that ship with Chibot, for trying the set-up commands."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE_TREE = HERE / "organisation-sample.toml"
SAMPLE_ROSTER = HERE / "roster-sample.csv"
