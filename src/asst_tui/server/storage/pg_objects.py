"""The object store on PostgreSQL: every API object as JSON in the `objects` table (`pg_schema.py`), with its project.

Insertion order is the `seq` bigserial. Objects are written as `storable_json` (a lone surrogate, NUL
or NaN is repaired first: PostgreSQL refuses NUL in text and JSON alike). Field conditions (`where`,
`tally`) read top-level JSON fields with `->>` and take field names as parameters, never as SQL.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.storable import storable_json
from .interface import Fields
from .page_query import page_bounds, page_of
from .pg_pool import PgPool, uninterrupted


class PgProjects:
    """The ProjectStores on one pool."""

    def __init__(self, pool: PgPool) -> None:
        self._pool = pool

    def project(self, name: str) -> PgObjectStore:
        return PgObjectStore(self._pool, name)

    @uninterrupted
    async def names(self) -> list[str]:
        async with self._pool.connection() as conn:
            rows = await (await conn.execute("SELECT DISTINCT project FROM objects ORDER BY project")).fetchall()
        return [row[0] for row in rows]

    @uninterrupted
    async def close(self) -> None:
        await self._pool.close()


class PgObjectStore:
    """The ObjectStore of one project: every statement names the project."""

    def __init__(self, pool: PgPool, project: str) -> None:
        self._pool = pool
        self.project = project

    async def _rows(self, sql: str, args: tuple[Any, ...] | list[Any]) -> list[tuple[Any, ...]]:
        async with self._pool.connection() as conn:
            return await (await conn.execute(sql, args)).fetchall()  # type: ignore[arg-type]  # the module's own SQL

    async def _run(self, sql: str, args: tuple[Any, ...]) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(sql, args)  # type: ignore[arg-type]

    @uninterrupted
    async def insert(self, kind: str, obj: dict[str, Any], parent: str | None = None, *, key: str | None = None) -> dict[str, Any]:
        data = storable_json(obj)
        await self._run(
            "INSERT INTO objects (id, kind, parent, data, project) VALUES (%s, %s, %s, %s::json, %s)", (key or obj["id"], kind, parent, data, self.project)
        )
        return obj

    @uninterrupted
    async def put(self, obj: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
        data = storable_json(obj)
        await self._run("UPDATE objects SET data = %s::json WHERE id = %s AND project = %s", (data, key or obj["id"], self.project))
        return obj

    @uninterrupted
    async def get(self, kind: str, object_id: str, parent: str | None = None) -> dict[str, Any] | None:
        rows = await self._rows("SELECT data::text, parent FROM objects WHERE id = %s AND kind = %s AND project = %s", (object_id, kind, self.project))
        if not rows or (parent is not None and rows[0][1] != parent):
            return None
        return json.loads(rows[0][0])  # type: ignore[no-any-return]

    @uninterrupted
    async def delete(self, object_id: str) -> None:
        await self._run("DELETE FROM objects WHERE id = %s AND project = %s", (object_id, self.project))

    @uninterrupted
    async def delete_tree(self, root_id: str) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            found = await (await conn.execute("SELECT 1 FROM objects WHERE id = %s AND project = %s FOR UPDATE", (root_id, self.project))).fetchone()
            if found is None:
                return
            # a tree is one project's: its children were inserted through the view that found its root
            await conn.execute(
                "DELETE FROM objects WHERE parent IN (SELECT id FROM objects WHERE parent = %s AND project = %s) AND project = %s",
                (root_id, self.project, self.project),
            )
            await conn.execute("DELETE FROM objects WHERE parent = %s AND project = %s", (root_id, self.project))
            await conn.execute("DELETE FROM objects WHERE id = %s AND project = %s", (root_id, self.project))

    @uninterrupted
    async def children(self, kind: str, parent: str) -> list[dict[str, Any]]:
        rows = await self._rows(
            "SELECT data::text FROM objects WHERE kind = %s AND parent = %s AND project = %s ORDER BY seq", (kind, parent, self.project)
        )
        return [json.loads(r[0]) for r in rows]

    @uninterrupted
    async def select(self, kind: str, where: Fields | None = None) -> list[dict[str, Any]]:
        clauses, args = _field_clauses(where or {})
        rows = await self._rows(
            f"SELECT data::text FROM objects WHERE kind = %s AND project = %s {''.join(' AND ' + c for c in clauses)} ORDER BY seq",
            (kind, self.project, *args),
        )
        return [json.loads(r[0]) for r in rows]

    @uninterrupted
    async def tally(self, kind: str, parent: str, by: str, total: str, where: Fields | None = None) -> dict[Any, tuple[int, int]]:
        clauses, args = _field_clauses(where or {})
        sql = (
            "SELECT data->>%s::text, count(*), coalesce(sum((data->>%s::text)::numeric), 0) FROM objects "
            f"WHERE kind = %s AND parent = %s AND project = %s {''.join(' AND ' + c for c in clauses)} GROUP BY 1"
        )
        rows = await self._rows(sql, (by, total, kind, parent, self.project, *args))
        return {value: (count, int(size)) for value, count, size in rows}

    @uninterrupted
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
        clauses = ["kind = %s", "project = %s"]
        args: list[Any] = [kind, self.project]
        if parent is not None:
            clauses.append("parent = %s")
            args.append(parent)
        if where is not None:
            field_clauses, field_args = _field_clauses(where)
            clauses += field_clauses
            args += field_args
        after_seq = await self._seq(after) if after is not None else None
        before_seq = await self._seq(before) if before is not None else None
        bounds = page_bounds(order == "desc", after_seq, before_seq, after_given=after is not None, mark="%s")
        sql = f"SELECT data::text FROM objects WHERE {' AND '.join(clauses + bounds.clauses)} ORDER BY seq {'ASC' if bounds.ascending else 'DESC'} LIMIT %s"
        rows = await self._rows(sql, [*args, *bounds.args, limit + 1])
        return page_of(rows, limit, bounds.reverse)

    async def _seq(self, object_id: str) -> int | None:
        rows = await self._rows("SELECT seq FROM objects WHERE id = %s AND project = %s", (object_id, self.project))
        return int(rows[0][0]) if rows else None


def _field_clauses(where: Fields) -> tuple[list[str], list[Any]]:
    """SQL conditions on top-level JSON fields, as `->>` reads them (text; JSON's own spelling for numbers and booleans)."""
    args: list[Any] = []
    for name, value in where.items():
        args += [name, value if isinstance(value, str) or value is None else json.dumps(value)]
    return ["data->>%s::text = %s"] * len(where), args
