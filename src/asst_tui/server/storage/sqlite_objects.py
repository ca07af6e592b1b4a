"""The object store on SQLite (WAL): every API object as JSON in one table of `assistants.sqlite3`, with its project.

The schema is versioned (`PRAGMA user_version`): opening a database brings it to the current version
in one transaction per step, and a database newer than this code is refused rather than misread.
Every call's SQLite failures come out as the storage errors of `errors.py`. Objects are written as
`storable_json` (a lone surrogate, NUL or NaN is repaired first, so no answer ever fails on stored data),
and a migration step repairs the rows an older server stored with them.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.projects import DEFAULT_PROJECT
from ..core.storable import first_unstorable, storable_json
from .errors import NewerDatabase
from .interface import Fields
from .page_query import page_bounds, page_of
from .sqlite_errors import translated

BUSY_TIMEOUT_S = 0.5  # calls run inline: a database locked by another program stalls the server at most this long
# Rows an older server may have stored badly: it escaped every non-ASCII character (so a lone surrogate
# shows as \ud8xx-\udfxx, NUL as \u0000) and wrote NaN and infinities as bare words.
SUSPECT_ROWS = "SELECT seq, data FROM objects WHERE data GLOB '*\\u*' OR data GLOB '*NaN*' OR data GLOB '*Infinity*'"


def repair_unstorable(db: sqlite3.Connection) -> None:
    """Rewrite the rows holding what no store can keep (lone surrogates, NUL, NaN) as storable JSON."""
    for seq, data in db.execute(SUSPECT_ROWS).fetchall():
        obj = json.loads(data)
        if first_unstorable(obj, sys.maxsize) is not None:
            db.execute("UPDATE objects SET data = ? WHERE seq = ?", (storable_json(obj), seq))


# Step i brings a database from user_version i to i + 1: SQL statements, or a function of the connection.
# Databases from before versioning are at 0 and already have step 1's table (hence IF NOT EXISTS); their
# objects fall to the default project in step 2.
MIGRATIONS: list[list[str | Callable[[sqlite3.Connection], None]]] = [
    [
        """CREATE TABLE IF NOT EXISTS objects (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            parent TEXT,
            data TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS objects_by_parent ON objects (kind, parent, seq)",
    ],
    [
        f"ALTER TABLE objects ADD COLUMN project TEXT NOT NULL DEFAULT '{DEFAULT_PROJECT}'",
        "CREATE INDEX objects_by_project ON objects (project, kind, seq)",
    ],
    [repair_unstorable],
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the database to SCHEMA_VERSION, one transaction per step."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise NewerDatabase(
            f"The database {path} has schema version {version}, newer than this asst-tui knows ({SCHEMA_VERSION}). "
            "Upgrade asst-tui, or start the server with another --data-dir."
        )
    for step in range(version, SCHEMA_VERSION):
        with db:
            db.execute("BEGIN IMMEDIATE")
            for statement in MIGRATIONS[step]:
                if callable(statement):
                    statement(db)
                else:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {step + 1}")


class SqliteProjects:
    """The ProjectStores on one SQLite connection; its calls run inline (local and fast), one at a time."""

    def __init__(self, path: Path) -> None:
        with translated():
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S)
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                migrate(self._db, path)
            except BaseException:
                self._db.close()
                raise
        self._lock = threading.RLock()

    def project(self, name: str) -> SqliteObjectStore:
        return SqliteObjectStore(self._db, self._lock, name)

    async def names(self) -> list[str]:
        with self._lock, translated():
            return [row[0] for row in self._db.execute("SELECT DISTINCT project FROM objects ORDER BY project")]

    async def close(self) -> None:
        with self._lock:
            self._db.close()


class SqliteObjectStore:
    """The ObjectStore of one project: every statement names the project."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock, project: str) -> None:
        self._db = db
        self._lock = lock
        self.project = project

    async def insert(self, kind: str, obj: dict[str, Any], parent: str | None = None, *, key: str | None = None) -> dict[str, Any]:
        data = storable_json(obj)
        with self._lock, translated():
            self._db.execute(
                "INSERT INTO objects (id, kind, parent, data, project) VALUES (?, ?, ?, ?, ?)",
                (key or obj["id"], kind, parent, data, self.project),
            )
        return obj

    async def put(self, obj: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
        data = storable_json(obj)
        with self._lock, translated():
            self._db.execute("UPDATE objects SET data = ? WHERE id = ? AND project = ?", (data, key or obj["id"], self.project))
        return obj

    async def get(self, kind: str, object_id: str, parent: str | None = None) -> dict[str, Any] | None:
        with self._lock, translated():
            row = self._db.execute("SELECT data, parent FROM objects WHERE id = ? AND kind = ? AND project = ?", (object_id, kind, self.project)).fetchone()
        if row is None or (parent is not None and row[1] != parent):
            return None
        return json.loads(row[0])

    async def delete(self, object_id: str) -> None:
        with self._lock, translated():
            self._db.execute("DELETE FROM objects WHERE id = ? AND project = ?", (object_id, self.project))

    async def delete_tree(self, root_id: str) -> None:
        with self._lock, translated(), self._db:
            self._db.execute("BEGIN")
            if self._db.execute("SELECT 1 FROM objects WHERE id = ? AND project = ?", (root_id, self.project)).fetchone() is None:
                return
            # a tree is one project's: its children were inserted through the view that found its root
            self._db.execute(
                "DELETE FROM objects WHERE parent IN (SELECT id FROM objects WHERE parent = ? AND project = ?) AND project = ?",
                (root_id, self.project, self.project),
            )
            self._db.execute("DELETE FROM objects WHERE parent = ? AND project = ?", (root_id, self.project))
            self._db.execute("DELETE FROM objects WHERE id = ? AND project = ?", (root_id, self.project))

    async def children(self, kind: str, parent: str) -> list[dict[str, Any]]:
        with self._lock, translated():
            rows = self._db.execute(
                "SELECT data FROM objects WHERE kind = ? AND parent = ? AND project = ? ORDER BY seq", (kind, parent, self.project)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    async def select(self, kind: str, where: Fields | None = None) -> list[dict[str, Any]]:
        clauses, args = _field_clauses(where or {})
        with self._lock, translated():
            rows = self._db.execute(
                f"SELECT data FROM objects WHERE kind = ? AND project = ? {''.join(' AND ' + c for c in clauses)} ORDER BY seq",
                (kind, self.project, *args),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    async def tally(self, kind: str, parent: str, by: str, total: str, where: Fields | None = None) -> dict[Any, tuple[int, int]]:
        clauses, args = _field_clauses(where or {})
        sql = (
            f"SELECT json_extract(data, '$.{by}'), COUNT(*), TOTAL(json_extract(data, '$.{total}')) FROM objects "
            f"WHERE kind = ? AND parent = ? AND project = ? {''.join(' AND ' + c for c in clauses)} GROUP BY 1"
        )
        with self._lock, translated():
            rows = self._db.execute(sql, (kind, parent, self.project, *args)).fetchall()
        return {value: (count, int(size)) for value, count, size in rows}

    async def page(
        self,
        kind: str,
        parent: str | None,
        *,
        limit: int,
        order: str,
        after: str | None,
        before: str | None,
        where: Fields | None = None,
    ) -> tuple[list[dict[str, Any]], bool]:
        clauses = ["kind = ?", "project = ?"]
        args: list[Any] = [kind, self.project]
        if parent is not None:
            clauses.append("parent = ?")
            args.append(parent)
        if where is not None:
            field_clauses, field_args = _field_clauses(where)
            clauses += field_clauses
            args += field_args
        after_seq = self._seq(after) if after is not None else None
        before_seq = self._seq(before) if before is not None else None
        bounds = page_bounds(order == "desc", after_seq, before_seq, after_given=after is not None, mark="?")
        sql = f"SELECT data FROM objects WHERE {' AND '.join(clauses + bounds.clauses)} ORDER BY seq {'ASC' if bounds.ascending else 'DESC'} LIMIT ?"
        with self._lock, translated():
            rows = self._db.execute(sql, (*args, *bounds.args, limit + 1)).fetchall()
        return page_of(rows, limit, bounds.reverse)

    def _seq(self, object_id: str) -> int | None:
        with self._lock, translated():
            row = self._db.execute("SELECT seq FROM objects WHERE id = ? AND project = ?", (object_id, self.project)).fetchone()
        return row[0] if row else None


def _field_clauses(where: Fields) -> tuple[list[str], list[Any]]:
    """SQL conditions on JSON fields; field names are the server's own constants, never user input."""
    return [f"json_extract(data, '$.{name}') = ?" for name in where], list(where.values())
