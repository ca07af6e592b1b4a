"""The official openai Node SDK's stream events against the server (issue 16, items 1 and 6): textDelta
carries the annotations a UI builds links from, toolCallDelta fires for function calls.

The SDK is the one pinned in tests/node/package-lock.json, installed by `npm ci` in tests/node (.ci/run
does it when node is present). Without node or without that install, these tests skip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import openai
import pytest

from .conftest import MODEL, function_tool

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
    pytest.mark.skipif(not (NODE_DIR / "node_modules" / "openai").is_dir(), reason="the Node SDK is not installed: run `npm ci` in tests/node"),
]


def node_stream(client: openai.OpenAI, thread_id: str, assistant_id: str) -> dict[str, Any]:
    """What the Node SDK's stream events showed for one run of the assistant on the thread."""
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(NODE_DIR / "stream_run.mjs"), str(client.base_url).rstrip("/"), thread_id, assistant_id],
        capture_output=True, text=True, timeout=60, cwd=NODE_DIR,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_node_text_deltas_carry_the_file_path_of_a_file_the_code_wrote(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])
    code = "```python\nopen('totals.csv', 'w').write('total\\n42\\n')\n```"
    thread = client.beta.threads.create(messages=[{"role": "user", "content": code}])
    seen = node_stream(client, thread.id, assistant.id)
    assert seen["status"] == "completed"
    [annotation] = seen["annotations"]
    assert (annotation["type"], annotation["text"]) == ("file_path", "sandbox:/mnt/data/totals.csv")
    file_id = annotation["file_path"]["file_id"]
    assert client.files.retrieve(file_id).filename == "totals.csv"
    assert f"(/api/files/{file_id})" in seen["shown"] and "sandbox:" not in seen["shown"]


def test_node_text_deltas_carry_file_citations(client: openai.OpenAI) -> None:
    doc = client.files.create(file=("bees.txt", b"Honey bees dance to show where the flowers are."), purpose="assistants")
    store = client.vector_stores.create(name="Bees", file_ids=[doc.id])
    deadline = time.monotonic() + 15
    while client.vector_stores.retrieve(store.id).file_counts.in_progress:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "file_search"}],
                                              tool_resources={"file_search": {"vector_store_ids": [store.id]}})
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Why do honey bees dance?"}])
    seen = node_stream(client, thread.id, assistant.id)
    assert seen["status"] == "completed"
    assert [(a["type"], a["text"], a["file_citation"]["file_id"]) for a in seen["annotations"]] == [("file_citation", "【0:0†source】", doc.id)]
    assert f"/api/files/{doc.id}" in seen["shown"] and "【" not in seen["shown"]


def test_node_tool_call_delta_fires_for_function_calls(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[function_tool("book_table")])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": 'book_table {"guests": 4, "time": "19:30", "name": "Ada"}'}])
    seen = node_stream(client, thread.id, assistant.id)
    assert seen["status"] == "requires_action"
    [call] = seen["required"]
    assert seen["toolCalls"][0] == ["created", "function"]
    assert seen["toolCalls"].count(["delta", "function"]) >= 2, seen["toolCalls"]
    assert "".join(seen["arguments"][call["id"]]) == call["function"]["arguments"]
    assert json.loads(call["function"]["arguments"]) == {"guests": 4, "time": "19:30", "name": "Ada"}
