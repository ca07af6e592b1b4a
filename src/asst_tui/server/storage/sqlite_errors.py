"""SQLite's failures as the storage errors of `errors.py`: full, busy or broken; SQL mistakes stay bugs."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from . import errors

# SQLite's primary result codes (https://sqlite.org/rescode.html) and what they mean here.
BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
FULL_CODES = {13}  # SQLITE_FULL
FAILED_CODES = {7, 8, 10, 11, 14, 15, 26}  # NOMEM, READONLY, IOERR, CORRUPT, CANTOPEN, PROTOCOL, NOTADB


def storage_error(exc: sqlite3.Error) -> errors.StorageError | None:
    """The storage error a SQLite exception means, or None for one that is a bug (bad SQL, a constraint)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    detail = f"SQLite: {exc}"
    if code & 0xFF in FULL_CODES:
        return errors.full(detail)
    if code & 0xFF in BUSY_CODES:
        return errors.busy(detail)
    if code & 0xFF in FAILED_CODES:
        return errors.failed(detail)
    return None


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Raise SQLite's (and the file system's) storage failures inside the block as StorageErrors."""
    try:
        yield
    except sqlite3.Error as exc:
        error = storage_error(exc)
        if error is None:
            raise
        raise error from exc
    except OSError as exc:
        error = errors.from_os_error(exc)
        if error is None:
            raise
        raise error from exc
