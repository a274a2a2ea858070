"""Which items a chi bo studies next: catalogue order, no repeat until all were sent, then a
new cycle."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pick:
    item_id: int
    code: str
    cycle: int

    def to_json(self) -> dict[str, object]:
        return {"item": self.item_id, "code": self.code, "cycle": self.cycle}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Pick:
        return cls(int(str(data["item"])), str(data["code"]), int(str(data["cycle"])))


@dataclass(frozen=True)
class State:
    """The cycle a chi bo is in and the codes sent in it (codes, so a new catalogue that
    repeats a code goes on where the old one stopped)."""

    cycle: int = 1
    sent: frozenset[str] = frozenset()

    def after(self, picks: list[Pick]) -> State:
        """The state once these picks are sent."""
        cycle, sent = self.cycle, set(self.sent)
        for pick in picks:
            if pick.cycle > cycle:
                cycle, sent = pick.cycle, set()
            sent.add(pick.code)
        return State(cycle, frozenset(sent))


def next_picks(sendable: list[tuple[int, str]], state: State, count: int) -> list[Pick]:
    """The next `count` items (fewer when fewer may be sent), in catalogue order."""
    count = min(count, len(sendable))
    cycle, sent = state.cycle, set(state.sent)
    picks: list[Pick] = []
    while len(picks) < count:
        taken = {p.code for p in picks}
        fresh = [(i, c) for i, c in sendable if c not in sent and c not in taken]
        if not fresh:  # every item was sent in this cycle: a new one begins
            cycle, sent = cycle + 1, set()
            continue
        item_id, code = fresh[0]
        picks.append(Pick(item_id, code, cycle))
        sent.add(code)
    return picks
