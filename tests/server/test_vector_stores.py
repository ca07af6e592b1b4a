"""Vector stores with the real SDK over loopback: CRUD, background ingest of real files, file counts,
batches (and cancelling one), search, expiry, deleted files, and a restart in the middle of an ingest."""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from asst_tui.server import EmbeddedServer
from asst_tui.server.tools import ingest, vector_stores

from .conftest import sync_client
from .documents import pdf_bytes


def upload(client: openai.OpenAI, tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    with open(path, "rb") as handle:
        return client.files.create(file=handle, purpose="assistants").id


def wait_files(client: openai.OpenAI, vector_store_id: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while (vs := client.vector_stores.retrieve(vector_store_id)).file_counts.in_progress:
        assert time.monotonic() < deadline, vs.file_counts
        time.sleep(0.02)
    return vs


@pytest.fixture
def held_ingest(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Ingest in every server of this process waits (in its worker threads) until the event is set."""
    release = threading.Event()
    original = ingest.prepare_chunks

    def held(*args: Any) -> Any:
        release.wait(15)
        return original(*args)

    monkeypatch.setattr(ingest, "prepare_chunks", held)
    try:
        yield release
    finally:
        release.set()


# ---- stores and their files ----------------------------------------------------------------------


def test_vector_store_crud_file_counts_and_attributes(client: openai.OpenAI, tmp_path: Path) -> None:
    alpha = upload(client, tmp_path, "alpha.txt", "Alpha notes: the harbour opens at dawn.\n" * 50)
    beta = upload(client, tmp_path, "beta.md", "# Beta\n\nThe lighthouse keeper logs every ship.\n")
    vs = client.vector_stores.create(
        name="Handbook", metadata={"team": "docs"}, file_ids=[alpha],
        expires_after={"anchor": "last_active_at", "days": 30},
        chunking_strategy={"type": "static", "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 100}},
    )
    assert vs.id.startswith("vs_") and vs.name == "Handbook" and vs.metadata == {"team": "docs"}
    assert vs.file_counts.total == 1 and vs.expires_after.days == 30
    first = client.vector_stores.files.poll(alpha, vector_store_id=vs.id)
    assert first.status == "completed" and first.last_error is None and first.usage_bytes > 0
    assert first.chunking_strategy.type == "static" and first.chunking_strategy.static.max_chunk_size_tokens == 200
    second = client.vector_stores.files.create_and_poll(beta, vector_store_id=vs.id, attributes={"kind": "log", "year": 2024})
    assert second.status == "completed" and second.attributes == {"kind": "log", "year": 2024}
    assert second.chunking_strategy.static.max_chunk_size_tokens == 800  # "auto"

    vs = client.vector_stores.retrieve(vs.id)
    assert vs.status == "completed" and vs.usage_bytes == first.usage_bytes + second.usage_bytes
    assert (vs.file_counts.completed, vs.file_counts.total, vs.file_counts.in_progress) == (2, 2, 0)
    assert vs.expires_at == vs.last_active_at + 30 * 86_400

    listed = client.vector_stores.files.list(vector_store_id=vs.id, order="asc")
    assert [f.id for f in listed.data] == [alpha, beta]
    page = client.vector_stores.files.list(vector_store_id=vs.id, order="asc", limit=1)
    assert page.has_more and [f.id for f in client.vector_stores.files.list(vector_store_id=vs.id, order="asc", after=page.data[0].id).data] == [beta]
    assert len(client.vector_stores.files.list(vector_store_id=vs.id, filter="completed").data) == 2
    assert client.vector_stores.files.list(vector_store_id=vs.id, filter="failed").data == []
    assert [f.id for f in client.vector_stores.files.list(vector_store_id=vs.id, order="desc")] == [beta, alpha]

    updated = client.vector_stores.files.update(beta, vector_store_id=vs.id, attributes={"kind": "journal"})
    assert updated.attributes == {"kind": "journal"}
    assert client.vector_stores.files.retrieve(beta, vector_store_id=vs.id).attributes == {"kind": "journal"}

    vs = client.vector_stores.update(vs.id, name="Renamed", metadata={"team": "ops"}, expires_after=None)
    assert (vs.name, vs.metadata, vs.expires_after, vs.expires_at) == ("Renamed", {"team": "ops"}, None, None)
    assert vs.id in [v.id for v in client.vector_stores.list(limit=100)]

    gone = client.vector_stores.files.delete(beta, vector_store_id=vs.id)
    assert gone.deleted and gone.id == beta and gone.object == "vector_store.file.deleted"
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.files.retrieve(beta, vector_store_id=vs.id)
    vs = client.vector_stores.retrieve(vs.id)
    assert vs.file_counts.total == 1 and vs.usage_bytes == first.usage_bytes
    assert client.files.retrieve(beta).filename == "beta.md"  # leaving a store doesn't delete the file

    deleted = client.vector_stores.delete(vs.id)
    assert deleted.deleted and deleted.object == "vector_store.deleted"
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.retrieve(vs.id)
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.files.list(vector_store_id=vs.id)


FORMATS = {
    "notes.txt": "Plain notes mention the aardvark twice: aardvark.",
    "guide.md": "# Guide\n\n- a **bumblebee** in a list\n",
    "tool.py": "def chinchilla():\n    return 'chinchilla'\n",
    "data.json": '{"animal": "dromedary", "legs": 4}',
    "table.csv": "animal,count\nechidna,3\n",
    "page.html": "<html><head><title>Zoo</title><style>.flamingo{}</style><script>var zeppelin = 1;</script></head>"
                 "<body><p>A pink flamingo &amp; friends</p></body></html>",
}


def test_every_supported_format_is_extracted_and_searchable(client: openai.OpenAI, tmp_path: Path) -> None:
    paths = []
    for name, text in {**FORMATS, "report.pdf": pdf_bytes("The gazelle report (final)")}.items():
        path = tmp_path / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        paths.append(path)
    vs = client.vector_stores.create(name="formats")
    batch = client.vector_stores.file_batches.upload_and_poll(vs.id, files=[open(p, "rb") for p in paths])
    assert batch.status == "completed" and batch.file_counts.completed == 7 and batch.file_counts.failed == 0
    names = {f.id: client.files.retrieve(f.id).filename for f in client.vector_stores.file_batches.list_files(batch.id, vector_store_id=vs.id)}
    assert sorted(names.values()) == sorted(p.name for p in paths)
    for word, name in [("aardvark", "notes.txt"), ("bumblebee", "guide.md"), ("chinchilla", "tool.py"), ("dromedary", "data.json"),
                       ("echidna", "table.csv"), ("flamingo", "page.html"), ("gazelle", "report.pdf")]:
        results = client.vector_stores.search(vs.id, query=word).data
        assert [r.filename for r in results] == [name], word
    assert client.vector_stores.search(vs.id, query="zeppelin").data == []  # script text isn't indexed
    html_id = next(file_id for file_id, name in names.items() if name == "page.html")
    content = client.vector_stores.files.content(html_id, vector_store_id=vs.id)
    assert [part.text for part in content.data] == ["Zoo\nA pink flamingo & friends"]


def test_bad_files_end_failed_with_a_reason(client: openai.OpenAI, tmp_path: Path) -> None:
    bad = {
        "junk.bin": (random.Random(6).randbytes(4096), "unsupported_file", "binary"),
        "short.dat": (bytes(range(128, 160)) * 2, "unsupported_file", "binary"),
        "empty.txt": (b"", "invalid_file", "empty"),
        "blank.md": (b"  \n\n\t ", "invalid_file", "empty"),
        "scan.pdf": (pdf_bytes(None), "invalid_file", "without extractable text"),
        "broken.pdf": (b"%PDF-1.7\n1 0 obj << /Type /Catalog", "invalid_file", "could not be read"),
        "photo.png": (b"\x89PNG\r\n\x1a\n" + os.urandom(64), "unsupported_file", "PNG"),
        "letter.docx": (b"PK\x03\x04" + b"\x00" * 64, "unsupported_file", "ZIP"),
    }
    ids = {upload(client, tmp_path, name, data): name for name, (data, _, _) in bad.items()}
    vs = client.vector_stores.create(name="bad files")
    batch = client.vector_stores.file_batches.create_and_poll(vs.id, file_ids=list(ids))
    assert batch.status == "failed"
    assert (batch.file_counts.failed, batch.file_counts.completed, batch.file_counts.in_progress) == (len(bad), 0, 0)
    for row in client.vector_stores.files.list(vector_store_id=vs.id, filter="failed", limit=100):
        _, code, words = bad[ids[row.id]]
        assert row.status == "failed" and row.last_error.code == code, (ids[row.id], row.last_error)
        assert words.lower() in row.last_error.message.lower() and ids[row.id] in row.last_error.message
    vs = client.vector_stores.retrieve(vs.id)
    assert vs.status == "completed" and vs.file_counts.failed == len(bad) and vs.usage_bytes == 0
    with pytest.raises(openai.BadRequestError, match="can't be read"):
        client.vector_stores.files.content(next(iter(ids)), vector_store_id=vs.id)


def test_extraction_that_crashes_or_hangs_ends_failed(make_server: Callable[..., EmbeddedServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(path: Path, filename: str, *args: Any) -> Any:
        if filename == "slow.txt":
            time.sleep(1)
        raise RuntimeError("extractor bug")

    monkeypatch.setattr(ingest, "prepare_chunks", broken)
    monkeypatch.setattr(ingest, "TIMEOUT_S", 0.3)
    with sync_client(make_server().base_url) as client:
        crash = upload(client, tmp_path, "crash.txt", "text")
        slow = upload(client, tmp_path, "slow.txt", "text")
        vs = client.vector_stores.create(name="broken", file_ids=[crash, slow])
        vs = wait_files(client, vs.id)
        assert vs.file_counts.failed == 2 and vs.status == "completed"
        crashed = client.vector_stores.files.retrieve(crash, vector_store_id=vs.id).last_error
        assert crashed.code == "server_error" and "RuntimeError" in crashed.message
        hung = client.vector_stores.files.retrieve(slow, vector_store_id=vs.id).last_error
        assert hung.code == "server_error" and "longer than" in hung.message


async def test_async_batch_upload_and_poll_with_existing_file_ids(aclient: openai.AsyncOpenAI, tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("first file about otters")
    (tmp_path / "two.txt").write_text("second file about beavers")
    with open(tmp_path / "one.txt", "rb") as handle:
        existing = await aclient.files.create(file=handle, purpose="assistants")
    vs = await aclient.vector_stores.create(name="async")
    batch = await aclient.vector_stores.file_batches.upload_and_poll(vs.id, files=[open(tmp_path / "two.txt", "rb")], file_ids=[existing.id])
    assert batch.id.startswith("vsfb_") and batch.status == "completed"
    assert (batch.file_counts.completed, batch.file_counts.total) == (2, 2)
    again = await aclient.vector_stores.file_batches.retrieve(batch.id, vector_store_id=vs.id)
    assert again.file_counts == batch.file_counts
    results = (await aclient.vector_stores.search(vs.id, query=["otters", "beavers"], max_num_results=5)).data
    assert len(results) == 2


def test_cancel_a_batch_mid_ingest(make_server: Callable[..., EmbeddedServer], held_ingest: threading.Event, tmp_path: Path) -> None:
    with sync_client(make_server().base_url) as client:
        ids = [upload(client, tmp_path, f"doc{i}.txt", f"document number {i} about walruses") for i in range(3)]
        vs = client.vector_stores.create(name="cancel me")
        batch = client.vector_stores.file_batches.create(vs.id, file_ids=ids)
        assert batch.status == "in_progress" and batch.file_counts.in_progress == 3
        cancelled = client.vector_stores.file_batches.cancel(batch.id, vector_store_id=vs.id)
        assert cancelled.status == "cancelled"
        assert (cancelled.file_counts.cancelled, cancelled.file_counts.in_progress, cancelled.file_counts.total) == (3, 0, 3)
        held_ingest.set()
        time.sleep(0.3)  # the held extractions finish: their results must be dropped
        rows = client.vector_stores.file_batches.list_files(batch.id, vector_store_id=vs.id, filter="cancelled")
        assert sorted(r.id for r in rows) == sorted(ids)
        vs_now = client.vector_stores.retrieve(vs.id)
        assert vs_now.status == "completed" and vs_now.file_counts.cancelled == 3
        assert client.vector_stores.search(vs.id, query="walruses").data == []
        with pytest.raises(openai.BadRequestError, match="cancelled"):
            client.vector_stores.file_batches.cancel(batch.id, vector_store_id=vs.id)
        # the files can be added again, and then they are indexed
        again = client.vector_stores.file_batches.create_and_poll(vs.id, file_ids=ids)
        assert again.file_counts.completed == 3
        assert len(client.vector_stores.search(vs.id, query="walruses").data) == 3


# ---- search ----------------------------------------------------------------------------------------


def test_search_endpoint(client: openai.OpenAI, tmp_path: Path) -> None:
    vs = client.vector_stores.create(name="search")
    long_text = " ".join(f"filler{i}" for i in range(600)) + " The secret ingredient is cardamom. " + " ".join(f"padding{i}" for i in range(600))
    files = {
        "recipes.txt": (long_text, {"topic": "food", "year": 2023, "public": True}),
        "spices.txt": ("Cardamom and cinnamon are spices; cardamom is the queen of spices.", {"topic": "food", "year": 2024, "public": False}),
        "ships.txt": ("Ships carried cinnamon from Ceylon.", {"topic": "history", "year": 1700, "public": True}),
    }
    ids = {}
    for name, (text, attributes) in files.items():
        ids[name] = upload(client, tmp_path, name, text)
        client.vector_stores.files.create(vector_store_id=vs.id, file_id=ids[name], attributes=attributes,
                                          chunking_strategy={"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 20}})
    wait_files(client, vs.id)

    page = client.vector_stores.search(vs.id, query="Where is the cardamom?")
    assert page.search_query == ["Where is the cardamom?"] and page.has_more is False and page.next_page is None
    results = page.data
    assert {r.filename for r in results} == {"recipes.txt", "spices.txt"}
    assert results[0].filename == "spices.txt" and all(0 <= r.score <= 1 for r in results)
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    recipe_chunks = [r for r in results if r.filename == "recipes.txt"]
    assert len(recipe_chunks) == 1 and "cardamom" in recipe_chunks[0].content[0].text  # the one chunk, not the whole file
    assert results[0].attributes == {"topic": "food", "year": 2024, "public": False}

    assert len(client.vector_stores.search(vs.id, query=["cardamom", "cinnamon"]).data) == 3
    assert len(client.vector_stores.search(vs.id, query="cinnamon cardamom", max_num_results=1).data) == 1
    assert client.vector_stores.search(vs.id, query="cardamom", ranking_options={"score_threshold": 1.0}).data == []
    rewritten = client.vector_stores.search(vs.id, query="What is the queen of spices?", rewrite_query=True)
    assert rewritten.search_query == ["queen spices"] and rewritten.data[0].filename == "spices.txt"

    def names(filters: dict[str, Any]) -> set[str]:
        return {r.filename for r in client.vector_stores.search(vs.id, query="cinnamon cardamom", filters=filters).data}

    assert names({"type": "eq", "key": "topic", "value": "history"}) == {"ships.txt"}
    assert names({"type": "ne", "key": "topic", "value": "history"}) == {"recipes.txt", "spices.txt"}
    assert names({"type": "gte", "key": "year", "value": 2024}) == {"spices.txt"}
    assert names({"type": "in", "key": "year", "value": [1700, 2023]}) == {"ships.txt", "recipes.txt"}
    assert names({"type": "eq", "key": "public", "value": True}) == {"ships.txt", "recipes.txt"}
    assert names({"type": "and", "filters": [{"type": "eq", "key": "topic", "value": "food"}, {"type": "lt", "key": "year", "value": 2024}]}) == {"recipes.txt"}
    assert names({"type": "or", "filters": [{"type": "eq", "key": "topic", "value": "history"}, {"type": "eq", "key": "public", "value": False}]}) == {"ships.txt", "spices.txt"}
    assert names({"type": "eq", "key": "missing", "value": "x"}) == set()
    assert client.vector_stores.search(vs.id, query="zzzz nothing matches").data == []


def test_deleted_file_leaves_every_vector_store(client: openai.OpenAI, tmp_path: Path) -> None:
    file_id = upload(client, tmp_path, "shared.txt", "The narwhal tusk is a tooth.")
    keep = upload(client, tmp_path, "keep.txt", "Another narwhal fact.")
    first = client.vector_stores.create(name="first", file_ids=[file_id, keep])
    second = client.vector_stores.create(name="second", file_ids=[file_id])
    wait_files(client, first.id)
    wait_files(client, second.id)
    assert len(client.vector_stores.search(first.id, query="narwhal").data) == 2
    client.files.delete(file_id)
    assert client.vector_stores.retrieve(second.id).file_counts.total == 0
    assert [f.id for f in client.vector_stores.files.list(vector_store_id=first.id)] == [keep]
    assert [r.file_id for r in client.vector_stores.search(first.id, query="narwhal").data] == [keep]
    assert client.vector_stores.search(second.id, query="narwhal").data == []


# ---- expiry and restarts ---------------------------------------------------------------------------


def test_expired_vector_store(make_server: Callable[..., EmbeddedServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with sync_client(make_server().base_url) as client:
        file_id = upload(client, tmp_path, "old.txt", "An old memo about the pelican.")
        vs = client.vector_stores.create(name="short-lived", file_ids=[file_id], expires_after={"anchor": "last_active_at", "days": 1})
        wait_files(client, vs.id)
        later = time.time() + 2 * 86_400
        monkeypatch.setattr(vector_stores, "now", lambda: int(later))
        expired = client.vector_stores.retrieve(vs.id)
        assert expired.status == "expired" and expired.expires_at == vs.last_active_at + 86_400
        assert next(v for v in client.vector_stores.list() if v.id == vs.id).status == "expired"
        with pytest.raises(openai.BadRequestError, match="expired"):
            client.vector_stores.search(vs.id, query="pelican")
        with pytest.raises(openai.BadRequestError, match="expired"):
            client.vector_stores.files.create(vector_store_id=vs.id, file_id=file_id)
        revived = client.vector_stores.update(vs.id, expires_after={"anchor": "last_active_at", "days": 5})
        assert revived.status == "completed"
        assert len(client.vector_stores.search(vs.id, query="pelican").data) == 1


def test_restart_mid_ingest_finishes_the_file(make_server: Callable[..., EmbeddedServer], held_ingest: threading.Event, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    server = make_server()
    with sync_client(server.base_url) as client:
        file_id = upload(client, tmp_path, "pending.txt", "The platypus lays eggs.")
        vs = client.vector_stores.create(name="restart", file_ids=[file_id])
        assert client.vector_stores.files.retrieve(file_id, vector_store_id=vs.id).status == "in_progress"
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5, "a held ingest must not hold up the shutdown"
    held_ingest.set()
    monkeypatch.undo()
    with sync_client(make_server().base_url) as client:
        row = client.vector_stores.files.poll(file_id, vector_store_id=vs.id, poll_interval_ms=20)
        assert row.status == "completed"
        assert [r.file_id for r in client.vector_stores.search(vs.id, query="platypus").data] == [file_id]
