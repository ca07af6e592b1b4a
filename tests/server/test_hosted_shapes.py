"""What programs written against the hosted API send and expect back, through the real SDK (issue 16): a
vector store's description, file_search settings given as null, files that expire, integer attributes."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest

from asst_tui.server import EmbeddedServer
from asst_tui.server.api import files as files_api

from .conftest import MODEL, sync_client
from .openapi_schemas import Spec, load_spec


def _settled(client: openai.OpenAI, vector_store_id: str) -> Any:
    deadline = time.monotonic() + 15
    while (vs := client.vector_stores.retrieve(vector_store_id)).file_counts.in_progress:
        assert time.monotonic() < deadline, vs
        time.sleep(0.02)
    return vs


# ---- vector store description ----------------------------------------------------------------------


def test_a_vector_store_keeps_its_description(client: openai.OpenAI) -> None:
    made = client.vector_stores.create(name="Manuals", description="Every manual we ship, newest first.")
    assert made.description == "Every manual we ship, newest first."  # the SDK's model keeps the field it has no type for
    assert client.vector_stores.retrieve(made.id).description == made.description
    changed = client.vector_stores.update(made.id, name="Manuals 2", extra_body={"description": "Only the current ones."})
    assert (changed.name, changed.description) == ("Manuals 2", "Only the current ones.")
    assert client.vector_stores.update(made.id, metadata={"k": "v"}).description == "Only the current ones."  # kept when not named
    assert client.vector_stores.update(made.id, extra_body={"description": None}).description is None
    plain = client.vector_stores.with_raw_response.create(name="No description").http_response.json()
    assert plain["description"] is None
    assert not Spec.errors(load_spec().component("VectorStoreObject"), plain)


# ---- null file_search settings ---------------------------------------------------------------------


NULL_SETTINGS = [
    ({"max_num_results": None}, {}),
    ({"max_num_results": None, "ranking_options": {"ranker": None, "score_threshold": 0.25}}, {"ranking_options": {"score_threshold": 0.25}}),
    ({"max_num_results": 4, "ranking_options": None}, {"max_num_results": 4}),
]


@pytest.mark.parametrize("given, kept", NULL_SETTINGS)
def test_null_file_search_settings_are_taken_as_absent(client: openai.OpenAI, given: dict[str, Any], kept: dict[str, Any]) -> None:
    """A null max_num_results, ranking_options or ranker means "the default", as if absent; it is not echoed."""
    spec = load_spec()
    tools = [{"type": "file_search", "file_search": given}]
    assistant = client.beta.assistants.with_raw_response.create(model=MODEL, tools=tools).http_response.json()
    assert assistant["tools"] == [{"type": "file_search", "file_search": kept}]
    assert not Spec.errors(spec.component("AssistantObject"), assistant)
    assert client.beta.assistants.retrieve(assistant["id"]).tools[0].to_dict() == {"type": "file_search", "file_search": kept}

    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hello"}])
    raw = client.beta.threads.runs.with_raw_response.create(thread_id=thread.id, assistant_id=assistant["id"], tools=tools)
    run = raw.http_response.json()
    assert run["tools"] == [{"type": "file_search", "file_search": kept}]
    assert not Spec.errors(spec.component("RunObject"), run)
    assert client.beta.threads.runs.poll(run["id"], thread_id=thread.id, poll_interval_ms=20).status == "completed"


# ---- files that expire -----------------------------------------------------------------------------


@pytest.fixture
def short_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Accept expiries of a second or two (the spec's minimum, an hour, is too long for a test)."""
    monkeypatch.setattr(files_api, "MIN_EXPIRY_SECONDS", 1)


def test_an_expiring_file_says_when_and_the_default_never_expires(client: openai.OpenAI, tmp_path: Path) -> None:
    hour = client.files.create(file=("hour.txt", b"for an hour"), purpose="assistants", expires_after={"anchor": "created_at", "seconds": 3600})
    assert hour.expires_at == hour.created_at + 3600
    assert client.files.retrieve(hour.id).expires_at == hour.expires_at
    assert next(f for f in client.files.list() if f.id == hour.id).expires_at == hour.expires_at
    raw = client.files.with_raw_response.create(file=("kept.txt", b"forever"), purpose="assistants").http_response.json()
    assert "expires_at" not in raw  # the spec types it as a non-null integer: absent when the file never expires
    assert not Spec.errors(load_spec().component("OpenAIFile"), raw)
    with pytest.raises(openai.BadRequestError, match="expires_after.seconds"):
        client.files.create(file=("brief.txt", b"x"), purpose="assistants", expires_after={"anchor": "created_at", "seconds": 60})


def test_an_expired_file_is_gone_with_its_bytes_and_its_place_in_vector_stores(
    make_server: Callable[..., EmbeddedServer], short_expiry: None, tmp_path: Path
) -> None:
    data_dir = tmp_path / "expiry"
    with sync_client(make_server(data_dir=data_dir).base_url) as client:
        brief = client.files.create(file=("brief.txt", b"The heron waits by the pond."), purpose="assistants",
                                    expires_after={"anchor": "created_at", "seconds": 2})
        kept = client.files.create(file=("kept.txt", b"The heron stays by the pond."), purpose="assistants")
        assert brief.expires_at == brief.created_at + 2
        vs = client.vector_stores.create(name="Herons", file_ids=[brief.id, kept.id])
        assert _settled(client, vs.id).file_counts.completed == 2
        on_disk = data_dir / "files" / brief.id
        assert on_disk.exists()
        deadline = brief.expires_at + 3  # the server deletes it on time without being asked
        while on_disk.exists():
            assert time.time() < deadline, "the expired file's bytes are still on disk"
            time.sleep(0.05)
        assert time.time() >= brief.expires_at
        with pytest.raises(openai.NotFoundError):
            client.files.retrieve(brief.id)
        with pytest.raises(openai.NotFoundError):
            client.files.content(brief.id)
        assert [f.id for f in client.files.list()] == [kept.id]
        assert [f.id for f in client.vector_stores.files.list(vector_store_id=vs.id)] == [kept.id]
        assert [r.file_id for r in client.vector_stores.search(vs.id, query="heron pond").data] == [kept.id]


def test_a_file_that_expired_while_the_server_was_down_is_gone_after_the_restart(
    make_server: Callable[..., EmbeddedServer], short_expiry: None, tmp_path: Path
) -> None:
    data_dir = tmp_path / "restart"
    server = make_server(data_dir=data_dir)
    with sync_client(server.base_url) as client:
        brief = client.files.create(file=("brief.txt", b"soon gone"), purpose="assistants", expires_after={"anchor": "created_at", "seconds": 1})
        later = client.files.create(file=("later.txt", b"gone in an hour"), purpose="assistants", expires_after={"anchor": "created_at", "seconds": 3600})
    server.stop()
    while time.time() < brief.expires_at + 0.1:
        time.sleep(0.05)
    with sync_client(make_server(data_dir=data_dir).base_url) as client:
        assert not (data_dir / "files" / brief.id).exists(), "swept when the server started"
        assert [f.id for f in client.files.list()] == [later.id]
        assert client.files.retrieve(later.id).expires_at == later.expires_at


# ---- vector-store file attributes ------------------------------------------------------------------


def test_integer_attributes_stay_integers_on_the_wire(client: openai.OpenAI) -> None:
    """The server answers what it was given: `3` stays `3`, `2.5` stays `2.5`, on every path.

    (openai-python's models turn the 3 into 3.0 on their own, against any server: their attribute type is
    Union[str, float, bool] and pydantic reads an integer as a float there. The raw answer is what counts.)
    """
    upload = client.files.create(file=("tally.txt", b"A tally of the herons counted this spring."), purpose="assistants")
    vs = client.vector_stores.create(name="Tallies")
    given = {"year": 2024, "count": 3, "ratio": 2.5, "big": 2**53 + 1, "region": "north", "public": True}

    def wire(response: Any) -> Any:
        return response.http_response.json()

    files = client.vector_stores.files.with_raw_response
    assert wire(files.create(vector_store_id=vs.id, file_id=upload.id, attributes=given))["attributes"] == given
    _settled(client, vs.id)
    assert wire(files.retrieve(upload.id, vector_store_id=vs.id))["attributes"] == given
    assert wire(files.list(vector_store_id=vs.id))["data"][0]["attributes"] == given
    [hit] = wire(client.vector_stores.with_raw_response.search(vs.id, query="herons spring"))["data"]
    assert hit["attributes"] == given
    found = wire(client.vector_stores.with_raw_response.search(vs.id, query="herons", filters={"type": "eq", "key": "count", "value": 3}))["data"]
    assert [r["file_id"] for r in found] == [upload.id]
    changed = {"count": 4, "year": 2025}
    assert wire(files.update(upload.id, vector_store_id=vs.id, attributes=changed))["attributes"] == changed
    batch = client.vector_stores.file_batches.create_and_poll(vector_store_id=vs.id, files=[{"file_id": upload.id, "attributes": {"n": 7}}])
    listed = wire(client.vector_stores.file_batches.with_raw_response.list_files(batch.id, vector_store_id=vs.id))["data"]
    assert [(r["attributes"], type(r["attributes"]["n"])) for r in listed] == [({"n": 7}, int)]
