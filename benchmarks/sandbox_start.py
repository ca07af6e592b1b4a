"""Code-interpreter workers per sandbox mode: how long a thread's first call takes (the worker starts), a warm call,
and what the watchdog costs the server while 8 idle workers sit there.

    python benchmarks/sandbox_start.py [--n 30] [--modes isolated process]

Each first call is a fresh thread's `execute("pass")`: start the worker (isolated: the user namespace
of a root server, bubblewrap, the worker's Python) and run one cell. The warm call is the same thread's
next `pass`. The watchdog's cost is this process's CPU time over 10 s with 8 idle workers, as a share
of one core. Offline; prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from asst_tui.server.tools import sandbox_modes
from asst_tui.server.tools.sandbox import Sandbox

IDLE_WORKERS = 8
IDLE_SECONDS = 10.0


def _quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _measure(mode: str, n: int) -> str:
    with tempfile.TemporaryDirectory(prefix="asst-sandbox-bench-") as temp:
        isolation = sandbox_modes.choose(mode, loopback=True, allow_unisolated=False)
        box = Sandbox(Path(temp) / "sandbox", isolation=isolation, max_workers=max(n, IDLE_WORKERS) + 1)
        first, warm = [], []
        try:
            for i in range(n):
                started = time.perf_counter()
                await box.execute(f"thread_{i}", "pass")
                first.append(time.perf_counter() - started)
                started = time.perf_counter()
                await box.execute(f"thread_{i}", "pass")
                warm.append(time.perf_counter() - started)
                if i >= IDLE_WORKERS:
                    await box.release(f"thread_{i}")
            cpu = time.process_time()
            await asyncio.sleep(IDLE_SECONDS)
            watchdog = (time.process_time() - cpu) / IDLE_SECONDS * 100
        finally:
            await box.close()
    return (
        f"| {mode} | {1000 * _quantile(first, 0.5):.0f} | {1000 * _quantile(first, 0.95):.0f} | "
        f"{1000 * _quantile(warm, 0.5):.1f} | {1000 * _quantile(warm, 0.95):.1f} | {watchdog:.1f} | {n} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="fresh threads per mode (default 30)")
    parser.add_argument("--modes", nargs="+", default=["isolated", "process"], choices=["isolated", "process"])
    args = parser.parse_args()
    print("| sandbox | first call (worker starts), median ms | p95 ms | warm call, median ms | p95 ms | server CPU with 8 idle workers, % of a core | n |")
    print("|---|---|---|---|---|---|---|")
    for mode in args.modes:
        print(asyncio.run(_measure(mode, args.n)), flush=True)


if __name__ == "__main__":
    main()
