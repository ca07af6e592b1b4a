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


