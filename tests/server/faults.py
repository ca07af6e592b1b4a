"""Faults for the fault tests: a small real file system to fill, and SQLite failures injected where none can be made.

A full disk is real where the machine lets the tests mount a size-limited tmpfs (as root); a locked
database is real (another connection holds the lock). An I/O error can't be made here, and neither can a
full disk without root: `StoreFaults` then makes the server's own SQLite connection fail its statements
with SQLite's own exception and result code, exactly as sqlite3 raises them, while the rest of the
server (the store's translation, the runs, the HTTP answers) runs for real.
"""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from asst_tui.server import ChildServer, EmbeddedServer, ServerConfig, spawn_server

FULL = (13, "SQLITE_FULL", "database or disk is full")
IOERR = (10, "SQLITE_IOERR", "disk I/O error")
WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN", "REPLACE")


class StoreFaults:
    """Stands in for a running server's object-store connection; `fail(...)` makes statements fail until `heal()`."""

    def __init__(self, server: EmbeddedServer) -> None:
        self._store = server.state.storage.objects
        self._db = self._store._db  # the store's one connection: the only way in for a fault SQLite can't make here
        self._failure: tuple[type[sqlite3.Error], int | None, str, str] | None = None
        self._writes_only = True
        self._store._db = self

    def fail(self, code: tuple[int, str, str] = FULL, *, writes_only: bool = True) -> None:
        self._failure = (sqlite3.OperationalError, code[0], code[1], code[2])
        self._writes_only = writes_only

    def fail_as_a_bug(self) -> None:
        """Fail reads with an error that means a bug in the server (no storage failure): the 500 path."""
        self._failure = (sqlite3.ProgrammingError, None, "", "an injected bug")
        self._writes_only = False

    def heal(self) -> None:
        self._failure = None

    def restore(self) -> None:
        self._store._db = self._db

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        failure = self._failure
        if failure is not None and (not self._writes_only or sql.lstrip().upper().startswith(WRITES)):
            kind, code, name, message = failure
            exc = kind(message)
            if code is not None:
                exc.sqlite_errorcode, exc.sqlite_errorname = code, name  # as sqlite3 sets them on its own errors
            raise exc
        return self._db.execute(sql, *args)

    def __enter__(self) -> sqlite3.Connection:
        return self._db.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        return self._db.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MB tmpfs mounted for the test (needs root; skipped where mounting isn't allowed)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"can't mount a small tmpfs here ({result.stderr.strip() or 'not root'}); the injected-fault tests cover this")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    """Write a file in `directory` until its file system is full; the file, to delete to free the space."""
    filler = directory / "filler.bin"
    block = b"\0" * (256 * 1024)
    with open(filler, "wb", buffering=0) as out:
        while True:
            try:
                out.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                break
    while True:  # the last partial block too: not even a page left
        try:
            with open(filler, "ab", buffering=0) as out:
                out.write(b"\0" * 512)
        except OSError:
            return filler


def stored_status(data_dir: Path, run_id: str) -> str:
    """The run's status as the database holds it (not as the server may show it)."""
    db = sqlite3.connect(f"file:{data_dir / 'assistants.sqlite3'}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT json_extract(data, '$.status') FROM objects WHERE id = ?", (run_id,)).fetchone()
    finally:
        db.close()
    return row[0]


def wait_until_stored(data_dir: Path, run_id: str, status: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while (found := stored_status(data_dir, run_id)) != status:
        assert time.monotonic() < deadline, f"the database still holds run {run_id} as {found!r}, not {status!r}"
        time.sleep(0.05)


@pytest.fixture
def child_server() -> Iterator[Callable[..., ChildServer]]:
    """spawn_server(ServerConfig(data_dir=..., port=0, demo_delay_ms=0, **overrides)), as the TUI starts it; stopped at teardown."""
    started: list[ChildServer] = []

    def start(data_dir: Path, **overrides: Any) -> ChildServer:
        server = spawn_server(ServerConfig(data_dir=data_dir, **{"port": 0, "demo_delay_ms": 0, **overrides}))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def peak_rss_mb(pid: int) -> float:
    """The process's memory high-water mark (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for process {pid}")


def figure(text: str) -> None:
    """A measured figure the README quotes; shown with `pytest -s`."""
    print(f"\nfigure: {text}")
