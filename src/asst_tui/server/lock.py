"""One server per data dir: a second one would fail the first one's active runs as interrupted.

The lock file says who holds it: `pid N`, then once it listens `url BASE_URL`, so a command that finds the
dir in use can talk to that server instead (running_server).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class DataDirInUse(RuntimeError):
    pass


def lock_data_dir(data_dir: Path) -> IO[str]:
    """Hold an exclusive lock on data_dir/server.lock for the life of the returned file."""
    handle = open(data_dir / "server.lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        said = dict(line.split(" ", 1) for line in handle.read().splitlines() if " " in line)
        handle.close()
        owner = f"pid {said['pid']}" if "pid" in said else "another process"
        where = f" (--base-url {said['url']})" if "url" in said else ""
        raise DataDirInUse(
            f"The data dir {data_dir} is in use by another asst-tui server ({owner}). "
            f"Connect to that server{where}, or start this one with another --data-dir."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


def record_address(handle: IO[str], base_url: str) -> None:
    """Add the server's address to the lock file it holds (`handle`, from lock_data_dir)."""
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\nurl {base_url}\n")
    handle.flush()


def running_server(data_dir: Path) -> str | None:
    """The base URL of the server holding data_dir's lock; None when none holds it (or it gave no address)."""
    path = data_dir / "server.lock"
    try:
        handle = open(path)
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # held: a server is running
        else:
            return None  # nobody holds it (closing the file releases this look)
        lines = dict(line.split(" ", 1) for line in handle.read().splitlines() if " " in line)
    url = lines.get("url", "").strip()
    return url or None
