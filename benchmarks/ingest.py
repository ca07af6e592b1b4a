"""file_search ingest and search: time and peak memory to index a 10 MB text file and 1,000 small files,
and search latency over about 10,000 chunks.

    python benchmarks/ingest.py [--quick]

Each ingest run starts a fresh `asst-tui serve` subprocess (demo engine, temp data dir) and measures
from the API call that adds the files until every file is `completed`; the server's peak resident
memory is its high-water mark (VmHWM) at the end of the run, so it covers the whole run. Search latency
is the round trip of `POST /vector_stores/{id}/search` (10 results) as the SDK sees it. Offline; prints
a table.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openai

warnings.filterwarnings("ignore", category=DeprecationWarning)

START = "from asst_tui.cli import main; import sys; sys.exit(main(sys.argv[1:]))"


def _row(name: str, values: list[float], unit: str) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"| {name} | {statistics.median(ordered):,.2f} | {p95:,.2f} | {ordered[-1]:,.2f} | {unit} | {len(values)} |"


class Server:
    """`asst-tui serve` in a subprocess; `stop()` records its peak memory in `peak_mb`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        command = [sys.executable, "-c", START, "serve", "--port", "0", "--data-dir", str(data_dir), "--demo-delay-ms", "0"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.search(r"(http://\S+/v1)", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"the server did not start: {line!r}")
        self.base_url = match.group(1)
        self.peak_mb = 0.0

    def stop(self) -> None:
        self.peak_mb = _high_water_mb(self.process.pid)
        self.process.send_signal(signal.SIGINT)
        self.process.wait(30)

    def chunks(self) -> int:
        """How many chunks the server's search index holds."""
        db = sqlite3.connect(f"file:{self.data_dir / 'search.sqlite3'}?mode=ro", uri=True)
        try:
            return db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        finally:
            db.close()


def _high_water_mb(pid: int) -> float:
    """Peak resident memory of a running process: VmHWM (Linux), else the children's ru_maxrss.

    Not ru_maxrss from wait4 on Linux: a child's counter starts from its parent's RSS at fork, so it
    would report this script's memory for an idle server.
    """
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


@contextmanager
def server() -> Iterator[tuple[Server, openai.OpenAI]]:
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp) / "data")
        try:
            with openai.OpenAI(base_url=srv.base_url, api_key="bench", timeout=600, max_retries=0) as client:
                yield srv, client
        finally:
            srv.stop()


def prose(size: int, seed: int, vocabulary: int = 20_000) -> str:
    """About `size` bytes of sentences over a fixed vocabulary of made-up words, in paragraphs."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(vocabulary)]
    parts, total = [], 0
    while total < size:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(6, 20))).capitalize() + (". " if rng.random() < 0.9 else ".\n\n")
        parts.append(sentence)
        total += len(sentence)
    return "".join(parts)


def wait_completed(client: openai.OpenAI, vector_store_id: str) -> None:
    while (vs := client.vector_stores.retrieve(vector_store_id)).file_counts.in_progress:
        time.sleep(0.01)
    assert vs.file_counts.failed == 0, vs.file_counts


def ingest_big_file(path: Path) -> tuple[float, float]:
    with server() as (srv, client):
        with open(path, "rb") as handle:
            file_id = client.files.create(file=handle, purpose="assistants").id
        start = time.perf_counter()
        vs = client.vector_stores.create(name="big", file_ids=[file_id])
        wait_completed(client, vs.id)
        elapsed = time.perf_counter() - start
    return elapsed, srv.peak_mb


def ingest_small_files(folder: Path, queries: int) -> tuple[float, float, float, list[float], int]:
    """(ingest s, upload s, peak MB, search ms over that store, its chunks) for a batch of 1,000 small files."""
    with server() as (srv, client):
        start = time.perf_counter()
        ids = []
        for path in sorted(folder.iterdir()):
            with open(path, "rb") as handle:
                ids.append(client.files.create(file=handle, purpose="assistants").id)
        uploaded = time.perf_counter() - start
        vs = client.vector_stores.create(name="small")
        start = time.perf_counter()
        client.vector_stores.file_batches.create(vs.id, file_ids=ids)
        wait_completed(client, vs.id)
        elapsed = time.perf_counter() - start
        latencies = timed_searches(client, vs.id, (folder / "note0000.md").read_text(), queries)
        chunks = srv.chunks()
    return elapsed, uploaded, srv.peak_mb, latencies, chunks


def idle_peak() -> float:
    with server() as (srv, client):
        client.vector_stores.list()
    return srv.peak_mb


def search_latency(tmp: Path, queries: int) -> tuple[list[float], int]:
    """Round trips of the search endpoint over one store of about 10,000 chunks; (ms each, chunks)."""
    text = prose(8_000_000, seed=3)
    (tmp / "corpus.txt").write_text(text)
    with server() as (srv, client):
        with open(tmp / "corpus.txt", "rb") as handle:
            file_id = client.files.create(file=handle, purpose="assistants").id
        # 400-token chunks with 200 overlap: about 10,000 chunks from 8 MB of this text
        strategy = {"type": "static", "static": {"max_chunk_size_tokens": 400, "chunk_overlap_tokens": 200}}
        vs = client.vector_stores.create(name="corpus", file_ids=[file_id], chunking_strategy=strategy)
        wait_completed(client, vs.id)
        times = timed_searches(client, vs.id, text, queries)
        chunks = srv.chunks()
    return times, chunks


def timed_searches(client: openai.OpenAI, vector_store_id: str, text: str, queries: int) -> list[float]:
    """Milliseconds per search for queries of 1-3 words of the text."""
    vocabulary = sorted(set(text.lower().replace(".", " ").split()))
    rng = random.Random(5)
    times = []
    for _ in range(queries):
        query = " ".join(rng.sample(vocabulary, rng.randint(1, 3)))
        start = time.perf_counter()
        client.vector_stores.search(vector_store_id, query=query, max_num_results=10)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(quick: bool) -> None:
    big_runs, small_runs, queries = (2, 1, 50) if quick else (5, 3, 300)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        big = tmp / "big.txt"
        big.write_text(prose(10 * 1024 * 1024, seed=1))
        small = tmp / "small"
        small.mkdir()
        rng = random.Random(2)
        for i in range(1000):
            (small / f"note{i:04d}.md").write_text(prose(rng.randint(500, 4000), seed=100 + i, vocabulary=2000))
        idle = [idle_peak()]
        big_results = [ingest_big_file(big) for _ in range(big_runs)]
        small_results = [ingest_small_files(small, queries) for _ in range(small_runs)]
        latencies, chunk_count = search_latency(tmp, queries)
    print(f"Ingest and search benchmark ({'quick' if quick else 'full'}; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    print("| measure | median | p95 | max | unit | n |")
    print("|---|---|---|---|---|---|")
    print(_row("10 MB text file: ingest time", [r[0] for r in big_results], "s"))
    print(_row("10 MB text file: server peak RSS", [r[1] for r in big_results], "MB"))
    print(_row("1,000 small files (0.5-4 KB): batch ingest time", [r[0] for r in small_results], "s"))
    print(_row("1,000 small files: upload time (one by one)", [r[1] for r in small_results], "s"))
    print(_row("1,000 small files: server peak RSS", [r[2] for r in small_results], "MB"))
    print(_row("idle server: peak RSS", idle, "MB"))
    print(_row(f"search, 1 file of {chunk_count:,} chunks: latency", latencies, "ms"))
    print(_row(f"search, 1,000 files of {small_results[0][4]:,} chunks: latency", [t for r in small_results for t in r[3]], "ms"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for a quick look")
    main(parser.parse_args().quick)
