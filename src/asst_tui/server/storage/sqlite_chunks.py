"""The chunk index on SQLite FTS5, ranked by BM25: the ChunkIndex of file_search.

It lives in its own database file (`search.sqlite3` beside the object store) so that indexing a
large file never holds the object store's lock. Writes go through one connection, in a worker thread
(a large file's chunks take a while), searches through another, inline (they are quick); WAL mode lets
them run side by side.

Scores are in [0, 1]: the mean of the share of the query's terms a chunk contains and a squashed
BM25 (`b / (b + 1)`), so that a chunk matching every term scores high even in a tiny corpus, where
BM25 alone says little.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from .interface import Hit
from .search_terms import query_terms
from .sqlite_errors import translated

SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    vector_store_id TEXT NOT NULL,
    file_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_file ON chunks (file_id, vector_store_id);
CREATE INDEX IF NOT EXISTS chunks_by_store ON chunks (vector_store_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_added AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_removed AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
"""


def _match(terms: list[str]) -> str:
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


class SqliteChunkIndex:
    """Chunks by (vector store, file); `search` ranks them for a query."""

    def __init__(self, path: Path) -> None:
        with translated():
            self._writer = self._connect(path)
            self._writer.executescript(SCHEMA)
            self._reader = self._connect(path)
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._closed = False

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    async def close(self) -> None:
        with self._write_lock, self._read_lock:
            self._closed = True
            self._writer.close()
            self._reader.close()

    async def replace(self, vector_store_id: str, file_id: str, chunks: Iterable[str]) -> int:
        return await asyncio.to_thread(self._replace, vector_store_id, file_id, chunks)

    def _replace(self, vector_store_id: str, file_id: str, chunks: Iterable[str]) -> int:
        rows = ((vector_store_id, file_id, i, text) for i, text in enumerate(chunks))
        with self._write_lock, translated():
            self._check_open()
            with self._writer:
                self._writer.execute("BEGIN")
                self._writer.execute("DELETE FROM chunks WHERE file_id = ? AND vector_store_id = ?", (file_id, vector_store_id))
                cursor = self._writer.executemany("INSERT INTO chunks (vector_store_id, file_id, ordinal, text) VALUES (?, ?, ?, ?)", rows)
                return cursor.rowcount

    async def remove(self, vector_store_id: str | None, file_id: str | None = None) -> None:
        await asyncio.to_thread(self._remove, vector_store_id, file_id)

    def _remove(self, vector_store_id: str | None, file_id: str | None) -> None:
        clauses = [(c, v) for c, v in (("vector_store_id", vector_store_id), ("file_id", file_id)) if v is not None]
        if not clauses:
            raise ValueError("name a vector store, a file or both")
        where = " AND ".join(f"{column} = ?" for column, _ in clauses)
        with self._write_lock, translated():
            self._check_open()
            self._writer.execute(f"DELETE FROM chunks WHERE {where}", [v for _, v in clauses])

    async def indexed(self) -> set[tuple[str, str]]:
        return await asyncio.to_thread(self._indexed)

    def _indexed(self) -> set[tuple[str, str]]:
        with self._read_lock, translated():
            self._check_open()
            return set(self._reader.execute("SELECT DISTINCT vector_store_id, file_id FROM chunks").fetchall())

    async def search(self, queries: list[str], allowed: Iterable[tuple[str, str]], limit: int) -> list[Hit]:
        terms = query_terms(queries)
        keys = [f"{vs}/{file}" for vs, file in allowed]
        if not terms or not keys:
            return []
        sql = """
            SELECT c.id, c.vector_store_id, c.file_id, c.text, -bm25(chunks_fts) AS relevance
            FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
            WHERE chunks_fts MATCH ? AND c.vector_store_id || '/' || c.file_id IN (SELECT value FROM json_each(?))
            ORDER BY bm25(chunks_fts) LIMIT ?
        """
        with self._read_lock, translated():
            self._check_open()
            rows = self._reader.execute(sql, (_match(terms), json.dumps(keys), limit * 2 + 10)).fetchall()
            found = self._terms_found(terms, [row[0] for row in rows])
        hits = []
        for chunk_id, vs, file, text, relevance in rows:
            coverage = len(found.get(chunk_id, ())) / len(terms)
            bm25 = max(relevance, 0.0)
            hits.append(Hit(vs, file, text, round((coverage + bm25 / (bm25 + 1)) / 2, 4)))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]

    def _terms_found(self, terms: list[str], chunk_ids: list[int]) -> dict[int, set[str]]:
        """Which of the terms each chunk contains (as the index tokenizes them: stemmed, case-folded)."""
        found: dict[int, set[str]] = {}
        if len(terms) == 1:
            return {chunk_id: {terms[0]} for chunk_id in chunk_ids}
        ids = json.dumps(chunk_ids)
        for term in terms:
            sql = "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))"
            for (chunk_id,) in self._reader.execute(sql, (_match([term]), ids)):
                found.setdefault(chunk_id, set()).add(term)
        return found

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the search index is closed")
