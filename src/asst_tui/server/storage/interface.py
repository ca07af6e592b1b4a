"""The storage interface every layer above uses: API objects, file_search's chunk index, file bytes.

It speaks of the domain, never of SQL: objects by kind, parent and id; pages of a list endpoint; chunks of
(vector store, file) pairs; the bytes of a file id. SQLite implements it (`sqlite.open_sqlite`), and so does
PostgreSQL (`postgres.open_postgres`). Every method that may reach a database is a coroutine.

Every object belongs to one project (the one whose server key created it; `core.projects.DEFAULT_PROJECT`
without keys and for objects stored before projects existed). The project is kept beside the object, never
in its JSON. `ProjectStores.project(name)` is the `ObjectStore` of one project: it sees, changes and deletes
only that project's objects, and what it inserts belongs to that project. Nothing else reaches objects.
The chunk index and the file bytes know no projects: they are reached by (vector store, file) pairs and
file ids that were first found in a project's `ObjectStore`.
When the storage itself fails (a full disk, a locked database, an I/O error) a method raises one of the
storage errors of `errors.py`, never a driver's own exception; objects it is given are stored as
`core.storable` allows (repaired in place when they hold what no store can keep).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

Fields = Mapping[str, Any]  # top-level JSON fields of an object and the values they must equal


class ObjectStore(Protocol):
    """One project's API objects, each a JSON document under a unique key (its id), with a kind and a parent, in insertion order.

    Keys are unique across all projects; an object of another project is, to every method, an object that isn't there.
    """

    async def insert(self, kind: str, obj: dict[str, Any], parent: str | None = None, *, key: str | None = None) -> dict[str, Any]:
        """Store a new object of this project under its id, or under `key` when its id isn't unique (a vector-store file); returns it."""

    async def put(self, obj: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
        """Replace the stored data of an object (found by its id, or `key`); returns it. A missing key changes nothing."""

    async def get(self, kind: str, object_id: str, parent: str | None = None) -> dict[str, Any] | None:
        """The object of this kind under this key, or None (also when `parent` is given and isn't its parent)."""

    async def delete(self, object_id: str) -> None:
        """Forget the object under this key, if any."""

    async def delete_tree(self, root_id: str) -> None:
        """Delete an object, its children and theirs, at once (a thread's messages, runs and the runs' steps)."""

    async def children(self, kind: str, parent: str) -> list[dict[str, Any]]:
        """All objects of a kind under a parent, oldest first."""

    async def select(self, kind: str, where: Fields | None = None) -> list[dict[str, Any]]:
        """Objects of a kind under any parent whose fields equal `where` (all of the kind without it), oldest first."""

    async def tally(self, kind: str, parent: str, by: str, total: str, where: Fields | None = None) -> dict[Any, tuple[int, int]]:
        """Per value of the field `by` among the objects under `parent` (matching `where`): their count and the sum of `total`."""

    async def page(
        self, kind: str, parent: str | None, *, limit: int, order: str, after: str | None, before: str | None, where: Fields | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """One page of a list endpoint, (items, has_more): `limit` items in `order` ("asc" or "desc" by insertion),
        after and/or before the objects under those keys (an unknown key is no bound), matching `where`."""



class ProjectStores(Protocol):
    """The objects of every project: one ObjectStore per project, all on the same connection(s)."""

    def project(self, name: str) -> ObjectStore:
        """The ObjectStore of the project `name` (cheap: no I/O; a project with no objects yet is empty)."""

    async def names(self) -> list[str]:
        """The projects that have objects, for the server's own work across them (recovery at start)."""

    async def close(self) -> None:
        """Release the connection(s); no call may follow."""


@dataclass
class Hit:
    """One chunk found by a search, with its score in [0, 1]."""

    vector_store_id: str
    file_id: str
    text: str
    score: float


class ChunkIndex(Protocol):
    """file_search's full-text index: the text chunks of each (vector store, file) pair, ranked for a query."""

    async def replace(self, vector_store_id: str, file_id: str, chunks: Iterable[str]) -> int:
        """Index a file's chunks in place of any it had in that store; the number of chunks."""

    async def remove(self, vector_store_id: str | None, file_id: str | None = None) -> None:
        """Drop the chunks of a file (in one store, or in all with `vector_store_id` None), or of a whole store."""

    async def indexed(self) -> set[tuple[str, str]]:
        """Every (vector store, file) pair that has chunks."""

    async def search(self, queries: list[str], allowed: Iterable[tuple[str, str]], limit: int) -> list[Hit]:
        """The best `limit` chunks for the queries among the allowed (vector store, file) pairs, best first."""

    async def close(self) -> None:
        """Release the index; no call may follow."""


class FileBytes(Protocol):
    """The bytes of uploaded and generated files, by file id."""

    def path(self, file_id: str) -> Path:
        """Where the file's bytes are on this machine (for the sandbox, text extraction and downloads)."""

    async def write(self, file_id: str, chunks: AsyncIterator[bytes]) -> int:
        """Store a file's bytes from a stream, atomically (nothing half-written is ever visible); their size."""

    async def copy_in(self, file_id: str, source: Path) -> None:
        """Store a copy of a local file's bytes (a file the code interpreter wrote)."""

    async def delete(self, file_id: str) -> None:
        """Forget a file's bytes, if any."""


@dataclass
class Storage:
    """One server's storage: its objects (per project), its chunk index and its file bytes."""

    objects: ProjectStores
    chunks: ChunkIndex
    files: FileBytes

    async def close(self) -> None:
        await self.chunks.close()
        await self.objects.close()
