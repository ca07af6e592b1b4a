"""Benchmark 1: streaming render throughput of `/lorem N` at zero delay, headless and under a real pty,
against the raw SDK (the floor) and the baseline Markdown.get_stream() view, all in the same run; and 1b:
asst-tui's frame gaps, settle, rate and memory on replies of 2,000, 20,000 and 100,000 words side by side
(a frame should cost the same however long the reply).

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


async def headless(kind: str, words: int, idle_wait: float = 0.0) -> dict[str, float]:
    """One streamed reply in an app run headless (App.run_test); asst-tui's memory too with `idle_wait`."""
    if kind == "asst":
        app = make_app()
        async with app.run_test(size=SIZE) as _pilot:
            return await stream_scenarios.asst(app, words, idle_wait)
    app = BaselineChat()
    async with app.run_test(size=SIZE) as _pilot:
        return await stream_scenarios.baseline(app, words)


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


def one_round(words: int, baseline: bool) -> dict[str, dict[str, float]]:
    """Every variant once (the baseline view's only with `baseline`), each in a fresh process and ASST_TUI_HOME."""
    results: dict[str, dict[str, float]] = {"floor": run_isolated("stream_scenarios:floor", words)}
    for kind, label in (("asst", "asst-tui"), ("baseline", "baseline"))[:2 if baseline else 1]:
        results[f"{label} headless"] = run_isolated("streaming:headless", kind, words)
        with bench_home():
            results[f"{label} pty"] = in_pty(kind, words)
    return results


LENGTHS = (2_000, 20_000, 100_000)
QUICK_LENGTHS = (2_000, 5_000, 20_000)
IDLE_WAIT = 5.0  # seconds: longer than the GC policy's IDLE_SECONDS, so its idle collection has run


def length_round(words: int) -> dict[str, dict[str, float]]:
    """The floor and asst-tui (headless, with its memory, and in a pty) on one reply of `words` words."""
    results = {"floor": run_isolated("stream_scenarios:floor", words),
               "headless": run_isolated("streaming:headless", "asst", words, IDLE_WAIT)}
    with bench_home():
        results["pty"] = in_pty("asst", words)
    return results


def by_length(quick: bool) -> Table:
    """Benchmark 1b: per-frame cost against the reply's length, the lengths side by side."""
    lengths, rounds = (QUICK_LENGTHS, 1) if quick else (LENGTHS, 3)
    runs = {words: [length_round(words) for _ in range(rounds)] for words in lengths}

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    table = Table("streaming_lengths", f"1b. Frame gaps by reply length: /lorem {', '.join(f'{w:,}' for w in lengths)} "
                                      f"at zero delay, asst-tui, {rounds} round(s) each")
    figures = (("headless: frame gap p95", "headless", "gap_p95_ms", "ms"), ("pty: frame gap p95", "pty", "gap_p95_ms", "ms"),
               ("headless: frame gap max", "headless", "gap_max_ms", "ms"), ("headless: settle", "headless", "settle_ms", "ms"),
               ("pty: settle", "pty", "settle_ms", "ms"), ("headless: frames painted", "headless", "frames", "frames"),
               ("headless: RSS before the reply", "headless", "rss_before_mb", "MB"),
               ("headless: RSS once it settled", "headless", "rss_after_mb", "MB"),
               ("headless: RSS after 5 s idle", "headless", "rss_idle_mb", "MB"))
    for label, mode, key, unit in figures:
        for words in lengths:
            table.add(f"{label}, {words:,} words", [r[mode][key] for r in runs[words]], unit)
    for words in lengths:
        for mode in ("headless", "pty"):
            rate = median([r[mode]["absorbed_rate"] / r["floor"]["absorbed_rate"] for r in runs[words]]) * 100
            table.add(f"{mode}: rate, % of the raw SDK's, {words:,} words", [rate], "%")
    side = {mode: " | ".join(f"{w:,} words {median([r[mode]['gap_p95_ms'] for r in runs[w]]):.0f} ms" for w in lengths)
            for mode in ("headless", "pty")}
    table.notes.append(f"frame gap p95, side by side: headless {side['headless']}; pty {side['pty']}")
    for words in lengths:
        got = runs[words]
        for mode in ("headless", "pty"):
            gap = median([r[mode]["gap_p95_ms"] for r in got])
            table.check(f"{words:,} words, {mode}: frame gap p95, ms", gap, "<= 50 ms", gap <= 50)
            settle = median([r[mode]["settle_ms"] for r in got])
            table.check(f"{words:,} words, {mode}: settle, ms", settle, "<= 100 ms", settle <= 100)
            rate = median([r[mode]["absorbed_rate"] / r["floor"]["absorbed_rate"] for r in got]) * 100
            table.check(f"{words:,} words, {mode}: rate, % of the raw SDK's", rate, ">= 90 %", rate >= 90)
        back = median([r["headless"]["rss_idle_mb"] / r["headless"]["rss_before_mb"] for r in got]) * 100 - 100
        table.check(f"{words:,} words: RSS after 5 s idle over RSS before the reply, %", back, "<= 20 %", back <= 20)
    return table


def run(quick: bool) -> list[Table]:
    return [by_reply(quick), by_length(quick)]


def by_reply(quick: bool) -> Table:
    """Benchmark 1: asst-tui, the raw SDK and the baseline view on one reply, headless and in a pty."""
    words, rounds = (5_000, 1) if quick else (20_000, 3)
    runs = [one_round(words, baseline=not index) for index in range(rounds)]  # the baseline view: ~2 min a run, once
    table = Table("streaming", f"1. Streaming render throughput: /lorem {words:,} at zero delay, {rounds} round(s)")
    for variant in VARIANTS:
        got = [r[variant] for r in runs if variant in r]
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
    table.notes.append(f"{runs[0]['floor']['deltas']:,} deltas per run. The baseline view runs in the first round only "
                       "(a reference, not a target: a full run of it takes minutes). " + " ".join(DEFINITIONS.split()))
    return table


def judge(table: Table, runs: list[dict[str, dict[str, Any]]]) -> None:
    """The issue's targets, on the medians over rounds (each round's ratio taken within the round)."""
    def median(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[len(ordered) // 2]

    for mode in ("headless", "pty"):
        ours = [r[f"asst-tui {mode}"] for r in runs]
        floor_ratio = median([r[f"asst-tui {mode}"]["absorbed_rate"] / r["floor"]["absorbed_rate"] for r in runs]) * 100
        base_ratio = median([r[f"asst-tui {mode}"]["absorbed_rate"] / r[f"baseline {mode}"]["absorbed_rate"]
                             for r in runs if f"baseline {mode}" in r])
        table.check(f"{mode}: asst-tui rate, % of the raw SDK's", floor_ratio, ">= 90 %", floor_ratio >= 90)
        gap = median([o["gap_p95_ms"] for o in ours])
        table.check(f"{mode}: frame gap p95, ms", gap, "<= 50 ms", gap <= 50)
        settle = median([o["settle_ms"] for o in ours])
        table.check(f"{mode}: settle, ms", settle, "<= 100 ms", settle <= 100)
        table.check(f"{mode}: asst-tui rate / baseline rate", base_ratio, ">= 5x", base_ratio >= 5)


if __name__ == "__main__":
    from .__main__ import standalone

    standalone(run)
