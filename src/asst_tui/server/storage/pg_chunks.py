"""The chunk index on PostgreSQL's own text search: a generated tsvector under a GIN index, ranked by ts_rank_cd.

Scores are in [0, 1] and built as the SQLite index builds them: the mean of the share of the query's
terms a chunk contains and a squashed rank (`r / (r + 1)`), so that a chunk matching every term scores
high even in a tiny corpus. The rank is cover density, divided by 1 + log(the chunk's length), as BM25
also favours a short chunk over a long one with the same matches. A query matches a chunk holding any
of its terms (an OR), each term stemmed like the index (`pg_schema.py`'s `asst_english`).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..core.storable import repair
from .interface import Hit
from .pg_pool import PgPool, uninterrupted
from .search_terms import query_terms

SEARCH = """
    SELECT best.vector_store_id, best.file_id, best.text, best.rank,
        (SELECT count(*) FROM unnest(%(terms)s::text[]) AS term WHERE best.terms @@ plainto_tsquery('asst_english', term)) AS found
    FROM (
        SELECT c.vector_store_id, c.file_id, c.text, c.terms, ts_rank_cd(c.terms, q.query, 1) AS rank
        FROM chunks c, (SELECT to_tsquery('asst_english', %(query)s) AS query) q
        WHERE c.terms @@ q.query
          AND (c.vector_store_id, c.file_id) IN (SELECT * FROM unnest(%(stores)s::text[], %(files)s::text[]))
        ORDER BY rank DESC, c.id
        LIMIT %(limit)s
    ) best
"""


def _or_query(terms: list[str]) -> str:
    """A to_tsquery text matching any of the terms; each is quoted (terms are words: no quote of their own)."""
    return " | ".join("'" + term.replace("'", "''").replace("\\", "\\\\") + "'" for term in terms)


class PgChunkIndex:
    """Chunks by (vector store, file); `search` ranks them for a query."""

    def __init__(self, pool: PgPool) -> None:
        self._pool = pool

    @uninterrupted
    async def close(self) -> None:
        await self._pool.close()

    @uninterrupted
    async def replace(self, vector_store_id: str, file_id: str, chunks: Iterable[str]) -> int:
        count = 0
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute("DELETE FROM chunks WHERE file_id = %s AND vector_store_id = %s", (file_id, vector_store_id))
            async with conn.cursor().copy("COPY chunks (vector_store_id, file_id, ordinal, text) FROM STDIN") as copy:
                for text in chunks:
                    await copy.write_row((vector_store_id, file_id, count, repair(text)))  # PostgreSQL's text holds no NUL
                    count += 1
        return count

    @uninterrupted
    async def remove(self, vector_store_id: str | None, file_id: str | None = None) -> None:
        clauses = [(c, v) for c, v in (("vector_store_id", vector_store_id), ("file_id", file_id)) if v is not None]
        if not clauses:
            raise ValueError("name a vector store, a file or both")
        where = " AND ".join(f"{column} = %s" for column, _ in clauses)
        async with self._pool.connection() as conn:
            await conn.execute(f"DELETE FROM chunks WHERE {where}", [v for _, v in clauses])  # type: ignore[arg-type]  # the module's own columns

    @uninterrupted
    async def indexed(self) -> set[tuple[str, str]]:
        async with self._pool.connection() as conn:
            rows = await (await conn.execute("SELECT DISTINCT vector_store_id, file_id FROM chunks")).fetchall()
        return {(vs, file) for vs, file in rows}

    @uninterrupted
    async def search(self, queries: list[str], allowed: Iterable[tuple[str, str]], limit: int) -> list[Hit]:
        terms = query_terms(queries)
        pairs = list(allowed)
        if not terms or not pairs:
            return []
        args = {
            "terms": terms,
            "query": _or_query(terms),
            "stores": [vs for vs, _ in pairs],
            "files": [file for _, file in pairs],
            "limit": limit * 2 + 10,
        }
        async with self._pool.connection() as conn:
            rows = await (await conn.execute(SEARCH, args)).fetchall()
        hits = []
        for vs, file, text, rank, found in rows:
            coverage = found / len(terms)
            rank = max(float(rank), 0.0)
            hits.append(Hit(vs, file, text, round((coverage + rank / (rank + 1)) / 2, 4)))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]
