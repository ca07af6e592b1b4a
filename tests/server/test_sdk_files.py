"""Files through the real SDK: multipart upload, list, retrieve, content, delete — bytes stay identical."""

from __future__ import annotations

import os
from pathlib import Path

import openai
import pytest

from .conftest import MODEL


def test_binary_upload_download_round_trip(client: openai.OpenAI, tmp_path: Path) -> None:
    data = os.urandom(1024 * 1024 + 17) + b"\x00\r\n\xff" * 3  # every byte value that breaks text handling
    source = tmp_path / "blob.bin"
    source.write_bytes(data)
    with source.open("rb") as handle:
        created = client.files.create(file=handle, purpose="assistants")
    assert created.id.startswith("file-") and created.object == "file"
    assert (created.filename, created.bytes, created.purpose, created.status) == ("blob.bin", len(data), "assistants", "processed")
    assert created.created_at > 0

    fetched = client.files.retrieve(created.id)
    assert fetched.model_dump() == created.model_dump()
    content = client.files.content(created.id)
    assert content.read() == data
    assert content.response.headers["content-length"] == str(len(data))

    streamed = tmp_path / "copy.bin"
    with client.files.with_streaming_response.content(created.id) as response:
        response.stream_to_file(streamed)
    assert streamed.read_bytes() == data

    deleted = client.files.delete(created.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (created.id, "file", True)
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        client.files.content(created.id)


def test_file_list_and_purpose_filter(client: openai.OpenAI) -> None:
    first = client.files.create(file=("a.txt", b"alpha"), purpose="assistants")
    second = client.files.create(file=("b.png", b"\x89PNG fake"), purpose="vision")
    listed = client.files.list()
    ids = [f.id for f in listed.data]
    assert first.id in ids and second.id in ids
    assert ids.index(second.id) < ids.index(first.id)  # newest first
    vision = [f.id for f in client.files.list(purpose="vision")]
    assert second.id in vision and first.id not in vision
    asc = client.files.list(order="asc", after=first.id, limit=1)
    assert [f.id for f in asc.data] == [second.id]


def test_file_used_by_an_assistant_and_unicode_name(client: openai.OpenAI) -> None:
    upload = client.files.create(file=("données été.txt", "ünïcödé ✓".encode()), purpose="assistants")
    assert upload.filename == "données été.txt"
    assistant = client.beta.assistants.create(model=MODEL, tool_resources={"code_interpreter": {"file_ids": [upload.id]}}, tools=[{"type": "code_interpreter"}])
    assert assistant.tool_resources.code_interpreter.file_ids == [upload.id]
    assert client.files.content(upload.id).read().decode() == "ünïcödé ✓"
    with pytest.raises(openai.NotFoundError):
        client.beta.assistants.create(model=MODEL, tool_resources={"code_interpreter": {"file_ids": ["file-doesnotexist"]}})


async def test_async_upload_download(aclient: openai.AsyncOpenAI) -> None:
    data = os.urandom(300_000)
    created = await aclient.files.create(file=("async.bin", data), purpose="assistants")
    assert created.bytes == len(data)
    assert (await aclient.files.content(created.id)).read() == data
    assert (await aclient.files.retrieve(created.id)).filename == "async.bin"
    assert (await aclient.files.delete(created.id)).deleted is True
    with pytest.raises(openai.NotFoundError):
        await aclient.files.retrieve(created.id)
