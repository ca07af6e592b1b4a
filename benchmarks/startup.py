"""Benchmark 2: `asst-tui` to its first painted frame under a pty, best of N, against a bare Textual app.

    python -m benchmarks.startup [--quick]

Each start is a new process: from just before it is spawned to its first painted frame (timed inside it,
see startup_probe.py). It also records whether `openai` and the embedded server were imported by then.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from .fixtures import SIZE, bench_home
from .pty_run import ROOT, run_in_pty
from .report import Table

PROBE = str(ROOT / "benchmarks" / "startup_probe.py")


def start_once(kind: str) -> tuple[float, dict[str, bool]]:
    """Milliseconds from spawning the process to its first frame, and the modules loaded then."""
    with tempfile.TemporaryDirectory(prefix="asst-bench-start-") as tmp:
        out = Path(tmp) / "frame.json"
        spawned = time.perf_counter()
        ran = run_in_pty([PROBE, kind, str(out)], SIZE, timeout=60)
        if not out.exists():
            raise RuntimeError(f"{kind} exited {ran.returncode} before its first frame: {ran.tail[-600:]!r}")
        probe = json.loads(out.read_text())
    return (probe["first_frame"] - spawned) * 1000, probe["modules"]


def run(quick: bool) -> list[Table]:
    starts = 5 if quick else 10
    times: dict[str, list[float]] = {"bare": [], "asst": [], "links": []}
    loaded: list[dict[str, bool]] = []
    for _ in range(starts):  # interleaved, so drift in the machine's load hits all alike
        for kind in times:
            with bench_home() as home:
                if kind == "links":  # inline_images = false: textual-image is not loaded, so the terminal isn't asked
                    config = home / "config" / "config.toml"
                    config.write_text("inline_images = false\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
                ms, modules = start_once("asst" if kind == "links" else kind)
            times[kind].append(ms)
            if kind == "asst":
                loaded.append(modules)
    table = Table("startup", f"2. Startup to the first painted frame, {starts} starts each (pty {SIZE[0]}x{SIZE[1]})")
    table.add("bare Textual app (the floor)", times["bare"], "ms")
    table.add("asst-tui", times["asst"], "ms")
    table.add("asst-tui minus the floor (best of each)", [min(times["asst"]) - min(times["bare"])], "ms")
    table.add("asst-tui, inline_images = false, minus the floor", [min(times["links"]) - min(times["bare"])], "ms")
    over = min(times["asst"]) - min(times["bare"])
    table.check("best asst-tui start over the best bare start, ms", over, "<= 150 ms", over <= 150)
    for module in ("openai", "asst_tui.server"):
        count = sum(m[module] for m in loaded)
        table.check(f"starts with `{module}` imported at first paint", count, "0", count == 0)
    table.notes.append("Best of each is the figure the target uses; median and max show the spread.")
    table.notes.append(
        "With the images extra installed, asst-tui asks the terminal how it draws images before the app starts "
        "(one round trip); the pty answers like xterm does: its device attributes, and its size in pixels."
    )
    return [table]


if __name__ == "__main__":
    from .__main__ import standalone

    standalone(run)
