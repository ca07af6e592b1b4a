"""The benchmarks that are scripts of their own (ingest, chat engine): run them and keep the table they print."""

from __future__ import annotations

import subprocess
import sys

from .pty_run import ROOT
from .report import Table

TITLES = {
    "ingest": "file_search ingest and search (benchmarks/ingest.py)",
    "chat_engine": "What the chat engine adds (benchmarks/chat_engine.py)",
}


def script(name: str, quick: bool) -> Table:
    args = [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *(["--quick"] if quick else [])]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks/{name}.py exited {done.returncode}:\n{done.stderr[-2000:]}")
    return Table(name, TITLES[name], text=done.stdout)


def ingest(quick: bool) -> list[Table]:
    return [script("ingest", quick)]


def chat_engine(quick: bool) -> list[Table]:
    return [script("chat_engine", quick)]
