"""Benchmark 1: streaming render throughput of `/lorem N` at zero delay, headless and under a real pty,
against the raw SDK (the floor) and the baseline Markdown.get_stream() view, all in the same run.

    python -m benchmarks.streaming [--quick]
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from . import stream_scenarios
from .baseline_app import BaselineChat
from .fixtures import SIZE, bench_home, make_app
from .isolated import run_isolated
from .pty_run import run_in_pty
from .report import Table
from .stream_measure import __doc__ as DEFINITIONS

VARIANTS = ("floor", "asst-tui headless", "baseline headless", "asst-tui pty", "baseline pty")


async def headless(kind: str, words: int) -> dict[str, float]:
    """One streamed reply in an app run headless (App.run_test)."""
    app = make_app() if kind == "asst" else BaselineChat()
    scenario = stream_scenarios.asst if kind == "asst" else stream_scenarios.baseline
    async with app.run_test(size=SIZE) as _pilot:
        return await scenario(app, words)


def in_pty(kind: str, words: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="asst-bench-pty-") as tmp:
        out = Path(tmp) / "result.json"
        ran = run_in_pty(["-m", "benchmarks.pty_child", kind, str(words), str(out)], SIZE)
        if not out.exists():
            raise RuntimeError(f"pty child {kind} exited {ran.returncode} without a result: {ran.tail[-600:]!r}")
        result = json.loads(out.read_text())
    if "error" in result:
        raise RuntimeError(f"pty child {kind} failed:\n{result['error']}")
    result["terminal_mb"] = ran.written / 1e6
    return result


def one_round(words: int) -> dict[str, dict[str, float]]:
    """Every variant once, each in a fresh process and ASST_TUI_HOME."""
    results: dict[str, dict[str, float]] = {"floor": run_isolated("stream_scenarios:floor", words)}
    for kind, label in (("asst", "asst-tui"), ("baseline", "baseline")):
        results[f"{label} headless"] = run_isolated("streaming:headless", kind, words)
        with bench_home():
            results[f"{label} pty"] = in_pty(kind, words)
    return results


def run(quick: bool) -> list[Table]:
    words, rounds = (5_000, 1) if quick else (20_000, 3)
    runs = [one_round(words) for _ in range(rounds)]
    table = Table("streaming", f"1. Streaming render throughput: /lorem {words:,} at zero delay, {rounds} round(s)")
    for variant in VARIANTS:
        got = [r[variant] for r in runs]
        table.add(f"{variant}: deltas/s absorbed", [g["absorbed_rate"] for g in got], "deltas/s")
        table.add(f"{variant}: deltas/s read", [g["read_rate"] for g in got], "deltas/s")
        if variant == "floor":
            continue
        table.add(f"{variant}: settle after last delta", [g["settle_ms"] for g in got], "ms")
        table.add(f"{variant}: frame gap p95", [g["gap_p95_ms"] for g in got], "ms")
        table.add(f"{variant}: frame gap max", [g["gap_max_ms"] for g in got], "ms")
        table.add(f"{variant}: event-loop lag p95", [g["lag_p95_ms"] for g in got], "ms")
        table.add(f"{variant}: event-loop lag max", [g["lag_max_ms"] for g in got], "ms")
        if variant.endswith("pty"):
            table.add(f"{variant}: bytes written to the terminal", [g["terminal_mb"] for g in got], "MB")
    judge(table, runs)
    table.notes.append(f"{runs[0]['floor']['deltas']:,} deltas per run. " + " ".join(DEFINITIONS.split()))
    return [table]


def judge(table: Table, runs: list[dict[str, dict[str, Any]]]) -> None:
    """The issue's targets, on the medians over rounds (each round's ratio taken within the round)."""
    def median(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[len(ordered) // 2]

    for mode in ("headless", "pty"):
        ours = [r[f"asst-tui {mode}"] for r in runs]
        floor_ratio = median([r[f"asst-tui {mode}"]["absorbed_rate"] / r["floor"]["absorbed_rate"] for r in runs]) * 100
        base_ratio = median([r[f"asst-tui {mode}"]["absorbed_rate"] / r[f"baseline {mode}"]["absorbed_rate"] for r in runs])
        table.check(f"{mode}: asst-tui rate, % of the raw SDK's", floor_ratio, ">= 90 %", floor_ratio >= 90)
        gap = median([o["gap_p95_ms"] for o in ours])
        table.check(f"{mode}: frame gap p95, ms", gap, "<= 50 ms", gap <= 50)
        settle = median([o["settle_ms"] for o in ours])
        table.check(f"{mode}: settle, ms", settle, "<= 100 ms", settle <= 100)
        table.check(f"{mode}: asst-tui rate / baseline rate", base_ratio, ">= 5x", base_ratio >= 5)


if __name__ == "__main__":
    from .__main__ import standalone

    standalone(run)
