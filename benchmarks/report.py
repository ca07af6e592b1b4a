"""Tables of measurements (median, p95, max over repeated runs), printed as Markdown and kept as JSON."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


def p95(values: list[float]) -> float:
    """The nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@dataclass
class Row:
    """One measure over repeated runs."""

    measure: str
    values: list[float]
    unit: str

    def summary(self) -> dict[str, Any]:
        if not self.values:
            return {"measure": self.measure, "unit": self.unit, "n": 0, "median": None, "p95": None, "max": None}
        return {
            "measure": self.measure,
            "unit": self.unit,
            "n": len(self.values),
            "median": statistics.median(self.values),
            "p95": p95(self.values),
            "max": max(self.values),
        }


@dataclass
class Check:
    """A figure against its target; `met` is None when it could not be measured."""

    what: str
    value: float | None
    target: str
    met: bool | None

    def line(self) -> str:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[self.met]
        shown = "n/a" if self.value is None else f"{self.value:,.3g}"
        return f"- {self.what}: {shown} (target {self.target}): {verdict}"


@dataclass
class Table:
    """The result of one benchmark."""

    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    text: str = ""  # a table printed by a benchmark script of its own, kept as it is

    def add(self, measure: str, values: list[float], unit: str) -> None:
        self.rows.append(Row(measure, list(values), unit))

    def check(self, what: str, value: float | None, target: str, ok: bool | None) -> None:
        self.checks.append(Check(what, value, target, None if value is None else ok))

    def render(self) -> str:
        if self.text:
            return f"### {self.title}\n\n{self.text.strip()}\n"
        lines = [f"### {self.title}", "", "| measure | median | p95 | max | unit | n |", "|---|---|---|---|---|---|"]
        for row in self.rows:
            s = row.summary()
            cells = ["-" if s[key] is None else _fmt(s[key]) for key in ("median", "p95", "max")]
            lines.append(f"| {row.measure} | {' | '.join(cells)} | {row.unit} | {s['n']} |")
        if self.checks:
            lines += ["", *(check.line() for check in self.checks)]
        if self.notes:
            lines += ["", *(f"Note: {note}" for note in self.notes)]
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "rows": [row.summary() for row in self.rows],
            "checks": [vars(check) for check in self.checks],
            "notes": self.notes,
            **({"text": self.text} if self.text else {}),
        }


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
