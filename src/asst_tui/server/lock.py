"""One server per data dir: a second one would fail the first one's active runs as interrupted."""

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
        owner = handle.read().strip() or "another process"
        handle.close()
        raise DataDirInUse(
            f"The data dir {data_dir} is in use by another asst-tui server ({owner}). "
            "Connect to that server, or start this one with another --data-dir."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle
