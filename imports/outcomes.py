"""What each row came to, and the counts a run reports (the same for a dry run and the
real one: both run the same code, the dry run inside a transaction that is rolled back)."""

from dataclasses import dataclass, field

CREATED = "created"
UNCHANGED = "unchanged"  # this source id was imported before: nothing written
REFUSED = "refused"
MERGE_OFFERED = "merge_offered"  # created, and offered for merging with a record here


@dataclass
class Outcome:
    row: int  # the file's line number (the header is line 1)
    result: str
    detail: str
    cells: list[str] = field(default_factory=list)
    merge_offers: int = 0


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    @property
    def counts(self) -> dict[str, int]:
        counts = {CREATED: 0, UNCHANGED: 0, REFUSED: 0, MERGE_OFFERED: 0, "rows": 0}
        for outcome in self.outcomes:
            counts["rows"] += 1
            counts[outcome.result] += 1
            counts[MERGE_OFFERED] += outcome.merge_offers
        return counts

    @property
    def refused(self) -> list[dict]:
        return [
            {"row": o.row, "reason": o.detail, "cells": o.cells}
            for o in self.outcomes
            if o.result == REFUSED
        ]
