"""Benchmark 4: the registry with 10,000 threads: load it, and save one change (lock, re-read if changed, write).

    python -m benchmarks.registry_io [--quick]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from asst_tui.registry import AssistantEntry, Registry, ThreadEntry, _Book, _dumps

from .report import Table

THREADS = 10_000
IDENTITY = "local"


def fill(path: Path) -> None:
    """Write a registry of THREADS threads in the registry's own format (one write, not 10,000)."""
    book = _Book(assistants={"asst_bench": AssistantEntry("asst_bench", name="Bench")})
    for i in range(THREADS):
        book.threads[f"thread_{i:06d}"] = ThreadEntry(
            f"thread_{i:06d}", title=f"Thread “{i}” about \"things\"", assistant_id="asst_bench",
            created_at=1_700_000_000 + i, last_active=1_700_000_000 + i, archived=i % 50 == 0,
        )
    path.write_text(_dumps({IDENTITY: book}), encoding="utf-8")


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def run(quick: bool) -> list[Table]:
    repeats = 10 if quick else 50
    with tempfile.TemporaryDirectory(prefix="asst-bench-reg-") as tmp:
        path = Path(tmp) / "registry.toml"
        fill(path)
        size = path.stat().st_size
        loads, saves, rereads, lists = [], [], [], []
        other = Registry(path)
        for i in range(repeats):
            registry = Registry(path)
            loads.append(timed(registry.load))
            saves.append(timed(lambda: registry.touch_thread(IDENTITY, f"thread_{i:06d}")))
            other.touch_thread(IDENTITY, f"thread_{i + 1:06d}")
            rereads.append(timed(lambda: registry.touch_thread(IDENTITY, f"thread_{i + 2:06d}")))
            lists.append(timed(lambda: registry.threads(IDENTITY, include_archived=True)))
        assert len(registry.threads(IDENTITY, include_archived=True)) == THREADS, "the registry lost threads"
    table = Table("registry", f"4. Registry with {THREADS:,} threads ({size / 1e6:.1f} MB file)")
    table.add("load", loads, "ms")
    table.add("save one change (lock, check the file is as last read, write atomically)", saves, "ms")
    table.add("save one change after another instance wrote (lock, re-read, write)", rereads, "ms")
    table.add("list the threads, most recent first", lists, "ms")
    for name, values in (("load", loads), ("save", saves), ("save after another instance wrote", rereads)):
        median = sorted(values)[len(values) // 2]
        table.check(f"{name}, median ms", median, "<= 50 ms", median <= 50)
    return [table]


if __name__ == "__main__":
    from .__main__ import standalone

    standalone(run)
