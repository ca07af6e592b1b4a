"""python -m benchmarks [--quick] [--json FILE] [--only NAME ...]: run the benchmarks, print a table for each."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .report import Table

# name -> "module:function"; each function takes quick and returns tables
BENCHMARKS = {
    "streaming": "streaming:run",
    "stream_parse": "stream_parse:run",
    "startup": "startup:run",
    "long_thread": "long_thread:run",
    "registry": "registry_io:run",
    "server": "server:tables",
    "input_latency": "input_latency:run",
    "chat_engine": "scripts:chat_engine",
    "ingest": "scripts:ingest",
}


def load(name: str) -> Callable[[bool], list[Table]]:
    module, function = BENCHMARKS[name].split(":")
    return getattr(importlib.import_module(f"benchmarks.{module}"), function)


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    import textual

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "textual": textual.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("--quick", action="store_true", help="smaller loads and fewer repeats (CI: checks the harness runs)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--only", metavar="NAME", action="append", choices=list(BENCHMARKS), help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    about = machine()
    print(f"# asst-tui benchmarks ({'quick' if args.quick else 'full'}); {about['cpus']} CPUs ({about['cpu']}), "
          f"Python {about['python']}, Textual {about['textual']}, load average {about['load_average'][0]:.2f}\n", flush=True)
    results: dict[str, object] = {}
    for name in names:
        start = time.perf_counter()
        tables = load(name)(args.quick)
        took = time.perf_counter() - start
        for table in tables:
            print(table.render(), flush=True)
        print(f"({name}: {took:.1f} s)\n", flush=True)
        results[name] = {"seconds": took, "tables": [table.as_json() for table in tables]}
    about["load_average_after"] = os.getloadavg()
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": about, "quick": args.quick, "benchmarks": results}, indent=2))
    return 0


def standalone(run: Callable[[bool], list[Table]]) -> None:
    """`python -m benchmarks.NAME [--quick]`: one benchmark, printed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    for table in run(parser.parse_args().quick):
        print(table.render())


if __name__ == "__main__":
    sys.exit(main())
