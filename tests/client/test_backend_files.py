"""Backend's file and vector-store calls against the real embedded server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from asst_tui.client.backend import Backend
from asst_tui.client.errors import BackendError


async def test_upload_reports_progress_in_chunks_and_arrives_whole(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    data = b"line of text\n" * 300_000  # ~3.9 MB
    path.write_bytes(data)
    seen: list[tuple[int, int]] = []
    uploaded = await backend.upload_file(path, progress=lambda sent, total: seen.append((sent, total)))
    assert (uploaded["filename"], uploaded["bytes"], uploaded["purpose"]) == ("big.txt", len(data), "assistants")
    assert len(seen) > 10 and seen[-1] == (len(data), len(data))
    assert [sent for sent, _ in seen] == sorted(sent for sent, _ in seen)
    assert await backend.file_content(uploaded["id"]) == data


async def test_unreadable_path_is_a_backend_error(backend: Backend, tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="Cannot read"):
        await backend.upload_file(tmp_path / "missing.txt")


async def test_vector_store_files_show_status_and_can_be_removed(backend: Backend, tmp_path: Path) -> None:
    good, empty = tmp_path / "notes.md", tmp_path / "empty.txt"
    good.write_text("# Notes\nThe launch code is blue.\n")
    empty.write_bytes(b"")
    ids = [(await backend.upload_file(path))["id"] for path in (good, empty)]
    store = await backend.create_vector_store(name="docs", file_ids=ids)
    for _ in range(100):
        files = await backend.vector_store_files(store["id"])
        if all(f["status"] != "in_progress" for f in files):
            break
        await asyncio.sleep(0.05)
    status = {f["id"]: (f["status"], f["last_error"]) for f in files}
    assert status[ids[0]] == ("completed", None)
    assert status[ids[1]][0] == "failed" and status[ids[1]][1]["message"]
    assert (await backend.vector_store(store["id"]))["name"] == "docs"
    await backend.remove_vector_store_file(store["id"], ids[1])
    assert [f["id"] for f in await backend.vector_store_files(store["id"])] == [ids[0]]
    await backend.delete_file(ids[1])
    with pytest.raises(BackendError) as error:
        await backend.file_info(ids[1])
    assert error.value.kind == "not_found"
