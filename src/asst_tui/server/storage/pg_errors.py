"""PostgreSQL's failures as the storage errors of `errors.py`: full, busy or broken; SQL mistakes stay bugs.

By SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html): a full disk is `full`; too many
connections, a lock or statement timeout, a serialization failure or deadlock, a server starting or
shutting down are `busy` (the same request may work in a moment); a lost connection, a server that
refuses us (privileges, read-only), an I/O error or a damaged relation are `failed`. Messages never
carry the database URL's password.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
import psycopg_pool

from . import errors

FULL_STATES = {"53100"}  # disk_full
BUSY_STATES = {"53300", "53400", "55P03", "57014", "40001", "40P01", "57P03"}  # too many connections, limits, lock, timeout, serialization, deadlock, starting up
FAILED_CLASSES = ("08", "58", "XX", "57P")  # connection exceptions, system (I/O) errors, internal errors, admin shutdown / crash
FAILED_STATES = {"53200", "42501", "25006", "3D000", "28000", "28P01"}  # out of memory, privilege, read-only, no database, authentication


def storage_error(exc: BaseException) -> errors.StorageError | None:
    """The storage error a psycopg exception means, or None for one that is a bug (bad SQL, a constraint)."""
    if isinstance(exc, psycopg_pool.PoolTimeout):
        return errors.busy(f"PostgreSQL: every connection of the pool is in use ({exc})")
    if isinstance(exc, psycopg_pool.PoolClosed):
        return errors.failed("PostgreSQL: the connection pool is closed")
    if not isinstance(exc, psycopg.Error):
        return None
    state = exc.sqlstate or ""
    detail = f"PostgreSQL {state}: {_first_line(exc)}" if state else f"PostgreSQL: {_first_line(exc)}"
    if state in FULL_STATES:
        return errors.full(detail)
    if state in BUSY_STATES:
        return errors.busy(detail)
    if state in FAILED_STATES or state.startswith(FAILED_CLASSES):
        return errors.failed(detail)
    if not state and isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return errors.failed(detail)  # the connection broke, or was closed under us: no SQLSTATE at all
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Raise psycopg's storage failures inside the block as StorageErrors."""
    try:
        yield
    except (psycopg.Error, psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed) as exc:
        error = storage_error(exc)
        if error is None:
            raise
        raise error from exc


def without_password(message: str, password: str | None) -> str:
    """The message with the URL's password blanked out, wherever a driver echoed it."""
    return message.replace(password, "********") if password else message
