"""Dates as precise as a source gives them (a year, a month or a day)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date only as precise as the source gives it (year, month or day)."""

    year: int
    month: int = 0
    day: int = 0

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse YYYY, YYYY-MM or YYYY-MM-DD; raise ValueError for impossible dates."""
        parts = [int(p) for p in text.split("-")]
        year, month, day = [*parts, 0, 0][:3]
        if month:
            if not 1 <= month <= 12:
                raise ValueError(f"month {month} does not exist")
            if day:
                dt.date(year, month, day)
        return cls(year, month, day)

    @property
    def iso(self) -> str:
        """The date as written: as precise as known."""
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @property
    def label(self) -> str:
        """Human form: '6 August 2025', 'December 2019' or '2018'."""
        if self.day:
            return f"{self.day} {MONTHS[self.month - 1]} {self.year}"
        if self.month:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return str(self.year)

    @property
    def ordinal(self) -> float:
        """Position on a time axis in years, for the timeline picture."""
        month = self.month or 1
        day = self.day or 1
        return self.year + (month - 1) / 12 + (day - 1) / 365
