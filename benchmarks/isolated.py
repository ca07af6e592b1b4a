"""Run one scenario in a fresh interpreter (its own memory, imports and event loop) and get its JSON result back.

    python -m benchmarks.isolated MODULE:COROUTINE OUT.json ARGS_JSON   (inside a fresh ASST_TUI_HOME)
"""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .pty_run import ROOT


def run_isolated(target: str, *args: Any) -> Any:
    """Await benchmarks.MODULE.COROUTINE(*args) in a new process; raise with its stderr if it fails."""
    with tempfile.TemporaryDirectory(prefix="asst-bench-iso-") as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, "-m", "benchmarks.isolated", target, str(out), json.dumps(args)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"{target}{tuple(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
        return json.loads(out.read_text())


def main(target: str, out: str, args: str) -> None:
    from .fixtures import bench_home

    module, function = target.split(":")
    scenario = getattr(importlib.import_module(f"benchmarks.{module}"), function)
    with bench_home():
        result = asyncio.run(scenario(*json.loads(args)))
    Path(out).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:4])
