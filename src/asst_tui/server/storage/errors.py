"""The storage failures every store raises, whatever its database: full, busy, or broken.

Layers above catch these, never a database's own exceptions: a run that meets one ends `failed`, and a
request that meets one is answered 507 (full) or 503 (busy, broken) in OpenAI's error shape. A store
translates its driver's errors into them (`sqlite_errors.py` for SQLite, `pg_errors.py` for PostgreSQL;
`from_os_error` for files).
"""

from __future__ import annotations

import errno


class StorageError(Exception):
    """The server could not read or write its storage; `message` says what happened and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StorageFull(StorageError):
    """The disk (or the quota) holding the data is full: nothing more can be written until space is freed."""


class StorageBusy(StorageError):
    """The database is locked by someone else (another process, a backup); the same request may work in a moment."""


class StorageFailed(StorageError):
    """An I/O error, a damaged or read-only database: the storage itself needs looking at."""


class NewerDatabase(ValueError):
    """The database was written by a newer asst-tui, whose schema this one doesn't know."""


class DatabaseUnavailable(ValueError):
    """The server's database can't be used at start (unreachable, a bad URL, its driver not installed); the message says what to do."""


FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
FAILED_ERRNOS = {errno.EIO, errno.EROFS, errno.ENXIO, errno.ENODEV}


def full(detail: str) -> StorageFull:
    return StorageFull(f"The server's disk is full ({detail}): nothing more can be saved. Free space on the disk of the server's data dir, then try again.")


def busy(detail: str) -> StorageBusy:
    return StorageBusy(f"The server's database is locked ({detail}), perhaps by a backup or another program. Try again in a moment.")


def failed(detail: str) -> StorageFailed:
    return StorageFailed(f"The server could not read or write its storage ({detail}). Check the disk of the server's data dir and the server log.")


def from_os_error(exc: OSError) -> StorageError | None:
    """The storage error an OSError from writing data means, or None when it means something else."""
    detail = exc.strerror or str(exc)
    if exc.errno in FULL_ERRNOS:
        return full(detail)
    if exc.errno in FAILED_ERRNOS:
        return failed(detail)
    return None
