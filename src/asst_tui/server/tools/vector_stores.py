"""Vector stores, their files and file batches: objects, file counts, expiry, search, thread attachments.

Stored objects hold what was set (name, metadata, expiry policy, each file's status); what follows
from them is computed on every read, so it is never stale: a store's and a batch's `file_counts`,
`usage_bytes` and `status`, and a store's `expires_at` (`last_active_at` + `expires_after.days`,
status `expired` once passed). A vector-store file is stored under the key `vs_.../file-...` (its id
is the file's, shared by every store holding that file) with a private `_batch_id`.

A `VectorStores` works on one project's objects (the ObjectStore it is given); the ingester and the chunk
index behind it are the server's, shared by every project.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

from ..core.errors import APIError, bad_request, not_found
from ..core.ids import new_id
from ..core.objects import now
from ..storage.interface import ObjectStore
from .attribute_filters import matches
from .chunking import default_strategy
from .ingest import FILE_KIND, Ingester, file_key

STORE_KIND = "vector_store"
BATCH_KIND = "vector_store.files_batch"
FILE_STATUSES = ("in_progress", "completed", "failed", "cancelled")
DAY_S = 86_400
THREAD_STORE_DAYS = 7  # vector stores made from message attachments expire as the hosted API's did
READY_POLL_S = 0.05


class VectorStores:
    """The vector stores of one project, handed to the server's background ingest and searched in its index.

    Index removals don't go through the ingester: a delete never waits behind a long extraction (only,
    briefly, behind an index write).
    """

    def __init__(self, store: ObjectStore, ingester: Ingester) -> None:
        self.store = store
        self.index = ingester.index
        self.ingester = ingester

    # ---- vector stores ------------------------------------------------------------------------

    async def create(
        self, *, name: str | None, metadata: dict[str, str] | None, expires_after: dict[str, Any] | None, description: str | None = None,
    ) -> dict[str, Any]:
        created = now()
        vs: dict[str, Any] = {
            "id": new_id("vs"), "object": "vector_store", "created_at": created, "name": name or "", "description": description,
            "metadata": metadata or {}, "last_active_at": created,
        }
        if expires_after:
            vs["expires_after"] = expires_after
        return await self.store.insert(STORE_KIND, vs)

    async def get(self, vector_store_id: str) -> dict[str, Any]:
        vs = await self.store.get(STORE_KIND, vector_store_id)
        if vs is None:
            raise not_found("vector store", vector_store_id)
        return vs

    async def view(self, vs: dict[str, Any]) -> dict[str, Any]:
        counts, usage = await self._counts(vs["id"])
        expires_at = self._expires_at(vs)
        if expires_at is not None and now() >= expires_at:
            status = "expired"
        else:
            status = "in_progress" if counts["in_progress"] else "completed"
        # "description" first: a store made before descriptions were kept has none
        return {"description": None, **vs, "usage_bytes": usage, "file_counts": counts, "status": status, "expires_at": expires_at}

    def is_expired(self, vs: dict[str, Any]) -> bool:
        expires_at = self._expires_at(vs)
        return expires_at is not None and now() >= expires_at

    def check_usable(self, vs: dict[str, Any]) -> None:
        if self.is_expired(vs):
            raise bad_request(f"Vector store {vs['id']} has expired. Create a new one with the same files.", param="vector_store_id")

    async def touch(self, vs: dict[str, Any]) -> None:
        """The store was used: its expiry clock starts again."""
        if vs["last_active_at"] != now():
            vs["last_active_at"] = now()
            await self.store.put(vs)

    async def delete(self, vs: dict[str, Any]) -> None:
        for row in await self.store.children(FILE_KIND, vs["id"]):
            self.ingester.cancel(file_key(vs["id"], row["id"]))
        await self.store.delete_tree(vs["id"])
        await self.index.remove(vs["id"])

    @staticmethod
    def _expires_at(vs: dict[str, Any]) -> int | None:
        policy = vs.get("expires_after")
        return vs["last_active_at"] + policy["days"] * DAY_S if policy else None

    async def _counts(self, vector_store_id: str, where: dict[str, Any] | None = None) -> tuple[dict[str, int], int]:
        tally = await self.store.tally(FILE_KIND, vector_store_id, "status", "usage_bytes", where)
        counts = {status: tally.get(status, (0, 0))[0] for status in FILE_STATUSES}
        counts["total"] = sum(counts.values())
        return counts, sum(size for _, size in tally.values())

    # ---- files --------------------------------------------------------------------------------

    async def add_file(
        self, vs: dict[str, Any], file_id: str, strategy: dict[str, Any] | None = None,
        attributes: dict[str, Any] | None = None, batch_id: str | None = None,
    ) -> dict[str, Any]:
        """Add a file (ingested in the background); one already there and not failed is kept as it is."""
        strategy = strategy or default_strategy()
        key = file_key(vs["id"], file_id)
        async with self.ingester.row_lock(key):
            existing = await self.store.get(FILE_KIND, key)
            if existing is not None and existing["status"] in ("in_progress", "completed") and existing["chunking_strategy"] == strategy:
                if batch_id is not None:
                    existing["_batch_id"] = batch_id
                if attributes is not None:
                    existing["attributes"] = attributes
                return await self.store.put(existing, key=key)
        row: dict[str, Any] = {
            "id": file_id, "object": FILE_KIND, "usage_bytes": 0, "created_at": now(), "vector_store_id": vs["id"],
            "status": "in_progress", "last_error": None, "chunking_strategy": strategy, "attributes": attributes or {},
        }
        if batch_id is not None:
            row["_batch_id"] = batch_id
        if existing is not None:
            self.ingester.cancel(key)
            await self.store.delete(key)
        await self.store.insert(FILE_KIND, row, parent=vs["id"], key=key)
        self.ingester.submit(self.store, vs["id"], file_id)
        return row

    async def get_file(self, vector_store_id: str, file_id: str) -> dict[str, Any]:
        row = await self.store.get(FILE_KIND, file_key(vector_store_id, file_id))
        if row is None:
            raise APIError(404, f"No file with id '{file_id}' in vector store '{vector_store_id}'.")
        return row

    @staticmethod
    def file_view(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if not k.startswith("_")}

    async def set_attributes(self, row: dict[str, Any], attributes: dict[str, Any]) -> dict[str, Any]:
        row["attributes"] = attributes
        return await self.store.put(row, key=file_key(row["vector_store_id"], row["id"]))

    async def remove_file(self, row: dict[str, Any]) -> None:
        key = file_key(row["vector_store_id"], row["id"])
        self.ingester.cancel(key)
        await self.store.delete(key)
        await self.index.remove(row["vector_store_id"], row["id"])

    async def forget_file(self, file_id: str) -> None:
        """A deleted file leaves every vector store, as in the hosted API."""
        for row in await self.store.select(FILE_KIND, {"id": file_id}):
            key = file_key(row["vector_store_id"], file_id)
            self.ingester.cancel(key)
            await self.store.delete(key)
        await self.index.remove(None, file_id)

    # ---- batches ------------------------------------------------------------------------------

    async def create_batch(self, vs: dict[str, Any], entries: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]) -> dict[str, Any]:
        batch = {"id": new_id("vsfb"), "object": "vector_store.files_batch", "created_at": now(), "vector_store_id": vs["id"], "status": "in_progress"}
        await self.store.insert(BATCH_KIND, batch, parent=vs["id"])
        for file_id, strategy, attributes in entries:
            await self.add_file(vs, file_id, strategy, attributes, batch_id=batch["id"])
        return batch

    async def get_batch(self, vector_store_id: str, batch_id: str) -> dict[str, Any]:
        batch = await self.store.get(BATCH_KIND, batch_id, vector_store_id)
        if batch is None:
            raise not_found("vector store file batch", batch_id)
        return batch

    async def batch_view(self, batch: dict[str, Any]) -> dict[str, Any]:
        counts, _ = await self._counts(batch["vector_store_id"], {"_batch_id": batch["id"]})
        status = batch["status"]
        if status == "in_progress" and not counts["in_progress"]:
            status = "failed" if counts["total"] and counts["failed"] == counts["total"] else "completed"
        return {**batch, "status": status, "file_counts": counts}

    async def cancel_batch(self, batch: dict[str, Any]) -> dict[str, Any]:
        status = (await self.batch_view(batch))["status"]
        if status != "in_progress":
            raise bad_request(f"Cannot cancel a file batch with status '{status}'.", param="batch_id")
        pending = {"vector_store_id": batch["vector_store_id"], "_batch_id": batch["id"], "status": "in_progress"}
        for row in await self.store.select(FILE_KIND, pending):
            key = file_key(row["vector_store_id"], row["id"])
            self.ingester.cancel(key)
            row["status"] = "cancelled"
            await self.store.put(row, key=key)
        batch["status"] = "cancelled"
        return await self.store.put(batch)

    # ---- search -------------------------------------------------------------------------------

    async def search(
        self, stores: list[dict[str, Any]], queries: list[str], limit: int, *,
        score_threshold: float = 0.0, filters: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Ranked chunks of the stores' completed files: {file_id, filename, score, attributes, text}."""
        allowed: dict[tuple[str, str], dict[str, Any]] = {}
        for vs in stores:
            for row in await self.store.select(FILE_KIND, {"vector_store_id": vs["id"], "status": "completed"}):
                if filters is None or matches(filters, row.get("attributes") or {}):
                    allowed[(vs["id"], row["id"])] = row
            await self.touch(vs)
        results = []
        for hit in await self.index.search(queries, allowed, limit):
            info = await self.store.get("file", hit.file_id)
            if info is None or hit.score < score_threshold:
                continue
            row = allowed[(hit.vector_store_id, hit.file_id)]
            results.append({"file_id": hit.file_id, "filename": info["filename"], "score": hit.score, "attributes": row.get("attributes") or {}, "text": hit.text})
        return results

    # ---- assistants, threads and runs -------------------------------------------------------

    async def check_resources(self, resources: dict[str, Any] | None) -> None:
        """tool_resources.file_search names at most one vector store: an existing one, or one to make
        (the `vector_stores` helper, already normalised by the API for create_inline)."""
        search = (resources or {}).get("file_search") or {}
        ids = search.get("vector_store_ids") or []
        helpers = search.get("vector_stores")
        if len(ids) + len(helpers or []) > 1:
            where = "tool_resources.file_search.vector_store_ids"
            raise bad_request(f"Invalid '{where}': at most 1 vector store can be attached, got {len(ids) + len(helpers or [])}.", param=where, code="array_above_max_length")
        for vector_store_id in ids:
            await self.get(vector_store_id)
        for file_id in (file_id for helper in helpers or [] for file_id in helper["file_ids"]):
            if await self.store.get("file", file_id) is None:
                raise not_found("file", file_id)

    async def create_inline(self, resources: dict[str, Any] | None) -> None:
        """Make the vector store a (checked) `vector_stores` helper asks for and name it in vector_store_ids."""
        search = (resources or {}).get("file_search") or {}
        for helper in search.pop("vector_stores", None) or []:
            vs = await self.create(name=None, metadata=helper["metadata"], expires_after=None)
            for file_id in dict.fromkeys(helper["file_ids"]):
                await self.add_file(vs, file_id, helper["chunking_strategy"])
            search["vector_store_ids"] = [*search.get("vector_store_ids", []), vs["id"]]

    async def attach_to_thread(self, thread: dict[str, Any], messages: Iterable[dict[str, Any]]) -> None:
        """Files attached for file_search go into the thread's vector store (made on first use)."""
        file_ids = [
            attachment["file_id"] for message in messages for attachment in message.get("attachments") or []
            if any(tool["type"] == "file_search" for tool in attachment["tools"])
        ]
        if not file_ids:
            return
        resources = thread.setdefault("tool_resources", {})
        ids = (resources.get("file_search") or {}).get("vector_store_ids") or []
        vs = await self.store.get(STORE_KIND, ids[0]) if ids else None
        if vs is None or self.is_expired(vs):
            vs = await self.create(name=f"Files attached to {thread['id']}", metadata=None, expires_after={"anchor": "last_active_at", "days": THREAD_STORE_DAYS})
            resources["file_search"] = {"vector_store_ids": [vs["id"]]}
            await self.store.put(thread)
        for file_id in dict.fromkeys(file_ids):
            await self.add_file(vs, file_id)
        await self.touch(vs)

    async def stores(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The existing stores among the ids (a deleted store is skipped, as the hosted API did)."""
        found = [await self.store.get(STORE_KIND, vector_store_id) for vector_store_id in dict.fromkeys(ids)]
        return [vs for vs in found if vs is not None]

    async def wait_ready(self, ids: list[str], timeout_s: float) -> None:
        """Wait until no file of these stores is being indexed, at most `timeout_s` seconds."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and await self._indexing(ids):
            await asyncio.sleep(READY_POLL_S)

    async def _indexing(self, ids: list[str]) -> bool:
        """Whether a file of these stores is being indexed."""
        for vs in await self.stores(ids):
            if (await self._counts(vs["id"]))[0]["in_progress"]:
                return True
        return False

